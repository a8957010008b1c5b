// BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", Marketing Science 24(2)).
// Per customer: x = repeat transactions (distinct purchase days after the first: same-day purchases
// are one transaction), t_x = time of the last one, T = age, all measured from the first purchase.
// The likelihood is evaluated in log space (eq. 6 of the paper; the ln Γ / ln B differences for integer
// x are sums of logs, checked against @stdlib's gammaln/betaln in the tests) and maximised by
// Nelder–Mead over the logs of (r, alpha, a, b).
import { hyp2f1 } from './hyp2f1.ts';
import { nelderMead } from './nelder-mead.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface BgNbdFit extends BgNbdParams {
  logLikelihood: number;
  /** Unit of alpha and of the times the parameters refer to. */
  timeUnit: 'days' | 'weeks';
  converged: boolean;
  /** Customers the fit used. */
  n: number;
  iterations: number;
}

/** Customers grouped by identical (x, t_x, T) in whole days: far fewer rows than customers. */
export interface BgNbdData {
  x: Int32Array;
  txDays: Int32Array;
  tDays: Int32Array;
  weight: Float64Array;
  customers: number;
  maxX: number;
  maxDay: number;
}

export class BgNbdDataBuilder {
  private readonly index = new Map<number, number>();
  private readonly rows: number[] = [];
  private customers = 0;

  add(x: number, txDays: number, tDays: number): void {
    const key = (x * 65_536 + txDays) * 65_536 + tDays;
    const i = this.index.get(key);
    this.customers++;
    if (i !== undefined) this.rows[i * 4 + 3]!++;
    else {
      this.index.set(key, this.rows.length / 4);
      this.rows.push(x, txDays, tDays, 1);
    }
  }

  /** Rows come out sorted by key, so float sums (and the fit) never depend on input order. */
  build(): BgNbdData {
    const n = this.rows.length / 4;
    const d: BgNbdData = { x: new Int32Array(n), txDays: new Int32Array(n), tDays: new Int32Array(n), weight: new Float64Array(n), customers: this.customers, maxX: 0, maxDay: 0 };
    const order = [...this.index.entries()].sort((p, q) => p[0] - q[0]);
    for (let i = 0; i < n; i++) {
      const j = order[i]![1];
      d.x[i] = this.rows[j * 4]!;
      d.txDays[i] = this.rows[j * 4 + 1]!;
      d.tDays[i] = this.rows[j * 4 + 2]!;
      d.weight[i] = this.rows[j * 4 + 3]!;
      d.maxX = Math.max(d.maxX, d.x[i]!);
      d.maxDay = Math.max(d.maxDay, d.tDays[i]!);
    }
    return d;
  }
}

export function unitDays(unit: 'days' | 'weeks'): number {
  return unit === 'weeks' ? 7 : 1;
}

/** Total log-likelihood of the data under the parameters (times in the given unit). */
export function bgnbdLogLikelihood(p: BgNbdParams, data: BgNbdData, unit: 'days' | 'weeks'): number {
  const { r, alpha, a, b } = p;
  const u = unitDays(unit);
  const perX = new Float64Array(data.maxX + 1);
  const lnBx1 = new Float64Array(data.maxX + 1);
  // ln Γ(r+x) - ln Γ(r) + ln B(a, b+x) - ln B(a, b) for every x. For integer steps
  // ln Γ(z+x) - ln Γ(z) = Σ_{k<x} ln(z+k), so each x costs three logs instead of three ln Γ calls;
  // test/segments/bgnbd.test.ts checks this against the formula evaluated with @stdlib's gammaln/betaln.
  let acc = r * Math.log(alpha);
  perX[0] = acc;
  for (let x = 1; x <= data.maxX; x++) {
    const lnB = Math.log(b + x - 1);
    acc += Math.log(r + x - 1) + lnB - Math.log(a + b + x - 1);
    perX[x] = acc;
    lnBx1[x] = lnB;
  }
  const lnAlphaPlus = new Float64Array(data.maxDay + 1);
  for (let d = 0; d <= data.maxDay; d++) lnAlphaPlus[d] = Math.log(alpha + d / u);
  const lnA = Math.log(a);
  let ll = 0;
  const n = data.x.length;
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!;
    const a3 = -(r + x) * lnAlphaPlus[data.tDays[i]!]!;
    let v = perX[x]!;
    if (x > 0) {
      const a4 = lnA - lnBx1[x]! - (r + x) * lnAlphaPlus[data.txDays[i]!]!;
      v += a3 > a4 ? a3 + Math.log1p(Math.exp(a4 - a3)) : a4 + Math.log1p(Math.exp(a3 - a4));
    } else v += a3;
    ll += data.weight[i]! * v;
  }
  return ll;
}

export function fitBgNbd(data: BgNbdData, unit: 'days' | 'weeks'): BgNbdFit {
  const u = unitDays(unit);
  let meanT = 0;
  for (let i = 0; i < data.x.length; i++) meanT += (data.weight[i]! * data.tDays[i]!) / u;
  meanT /= Math.max(1, data.customers);
  const start = [0, Math.log(Math.max(0.1, meanT / 10)), 0, 0];
  const objective = (theta: number[]): number => {
    if (theta.some((t) => Math.abs(t) > 25)) return Number.POSITIVE_INFINITY;
    const [r, alpha, a, b] = theta.map(Math.exp) as [number, number, number, number];
    return -bgnbdLogLikelihood({ r, alpha, a, b }, data, unit) / data.customers;
  };
  const res = nelderMead(objective, start, { maxIterations: 2000, fTolerance: 1e-8, xTolerance: 1e-4, restarts: 1 });
  const [r, alpha, a, b] = res.x.map(Math.exp) as [number, number, number, number];
  return { r, alpha, a, b, logLikelihood: -res.fx * data.customers, timeUnit: unit, converged: res.converged && Number.isFinite(res.fx), n: data.customers, iterations: res.iterations };
}

/** P(alive | x, t_x, T), eq. 13 of the paper. For x = 0 the BG/NBD says 1 (no dropout before a repeat). */
export function bgnbdProbabilityAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const logRatio = Math.log(p.a / (p.b + x - 1)) + (p.r + x) * Math.log((p.alpha + T) / (p.alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

/** E[Y(t) | x, t_x, T]: expected transactions in the next t (eq. 10), via Euler's transformation of 2F1. */
export function bgnbdExpectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, b } = p;
  // The closed form divides by (a - 1); nudge a exactly-1 estimate off the removable singularity.
  const a = Math.abs(p.a - 1) < 1e-9 ? 1 + 1e-9 : p.a;
  const z = t / (alpha + T + t);
  // (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)   (Euler)
  const h = Math.pow(1 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - h);
  const denominator = x > 0 ? 1 + (a / (b + x - 1)) * Math.exp((r + x) * Math.log((alpha + T) / (alpha + tx))) : 1;
  return Math.max(0, numerator / denominator);
}

/** P(no transaction in the next t | x, t_x, T) = P(dead) + P(alive)·((α+T)/(α+T+t))^(r+x). */
export function bgnbdProbabilityNoPurchase(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const alive = bgnbdProbabilityAlive(p, x, tx, T);
  return 1 - alive + alive * Math.pow((p.alpha + T) / (p.alpha + T + t), p.r + x);
}

/** Median time until the next transaction (P(at least one) = 1/2), or null if never that likely. */
export function bgnbdMedianTimeToNext(p: BgNbdParams, x: number, tx: number, T: number): number | null {
  const alive = bgnbdProbabilityAlive(p, x, tx, T);
  if (alive <= 0.5) return null;
  return (p.alpha + T) * (Math.pow(1 - 0.5 / alive, -1 / (p.r + x)) - 1);
}
