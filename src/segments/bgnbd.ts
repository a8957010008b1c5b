// BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", Marketing Science 24(2)) and
// MBG/NBD (Batislam, Denizel & Filiztekin 2007, "Empirical validation and comparison of models for
// customer base analysis", IJRM 24(3)): the same Poisson purchasing with Gamma-distributed rates, and a
// Beta-distributed dropout probability p applied after every purchase (BG/NBD) or also at time 0 (MBG/NBD,
// so a one-time buyer can be dead too). Per customer: x = repeat transactions (distinct purchase days after the first: same-day purchases
// are one transaction), t_x = time of the last one, T = age, all measured from the first purchase.
// The likelihoods are evaluated in log space (BG/NBD: eq. 6 of FHL 2005; MBG/NBD: Batislam et al. eq. 7;
// the ln Γ / ln B differences for integer x are sums of logs, checked against @stdlib's gammaln/betaln in
// the tests) and maximised by Nelder–Mead over the logs of (r, alpha, a, b). The conditional expectation
// of both comes from beta-mixture.ts.
import { purchasesIfAlive } from './beta-mixture.ts';
import { nelderMead } from './nelder-mead.ts';
import { explanationText, message, type ExplanationMsg } from './explanation.ts';

export type CountModelKind = 'bgnbd' | 'mbgnbd';
export const COUNT_MODELS: readonly CountModelKind[] = ['bgnbd', 'mbgnbd'];
export const MODEL_NAMES: Record<CountModelKind, string> = { bgnbd: 'BG/NBD', mbgnbd: 'MBG/NBD' };

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface BgNbdFit extends BgNbdParams {
  /** Which likelihood the parameters belong to (absent in calibrations stored before MBG/NBD: BG/NBD). */
  model?: CountModelKind;
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

/** The model of a fit (calibrations stored before MBG/NBD carry no `model`: they are BG/NBD). */
export function modelOf(p: BgNbdParams & { model?: CountModelKind }): CountModelKind {
  return p.model ?? 'bgnbd';
}

/** Total log-likelihood of the data under the parameters (times in the given unit). */
export function countModelLogLikelihood(kind: CountModelKind, p: BgNbdParams, data: BgNbdData, unit: 'days' | 'weeks'): number {
  const { r, alpha, a, b } = p;
  const u = unitDays(unit);
  const mbg = kind === 'mbgnbd';
  const perX = new Float64Array(data.maxX + 1);
  const lnDropX = new Float64Array(data.maxX + 1);
  // ln Γ(r+x) - ln Γ(r) + r ln α + ln B(a, b+x) - ln B(a, b) for every x (MBG/NBD: B(a, b+x+1)). For
  // integer steps ln Γ(z+x) - ln Γ(z) = Σ_{k<x} ln(z+k), so each x costs three logs instead of three
  // ln Γ calls; test/segments/bgnbd.test.ts checks this against the formulas with @stdlib's gammaln/betaln.
  let acc = r * Math.log(alpha);
  const extra = (x: number): number => Math.log(b + x) - Math.log(a + b + x);
  perX[0] = acc + (mbg ? extra(0) : 0);
  lnDropX[0] = mbg ? Math.log(b) : Number.NaN;
  for (let x = 1; x <= data.maxX; x++) {
    const lnB = Math.log(b + x - 1);
    acc += Math.log(r + x - 1) + lnB - Math.log(a + b + x - 1);
    perX[x] = acc + (mbg ? extra(x) : 0);
    lnDropX[x] = mbg ? Math.log(b + x) : lnB;
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
    if (x > 0 || mbg) {
      // Second term: dropped out right after the last purchase (MBG/NBD: also before any repeat).
      const a4 = lnA - lnDropX[x]! - (r + x) * lnAlphaPlus[data.txDays[i]!]!;
      v += a3 > a4 ? a3 + Math.log1p(Math.exp(a4 - a3)) : a4 + Math.log1p(Math.exp(a3 - a4));
    } else v += a3;
    ll += data.weight[i]! * v;
  }
  return ll;
}

export function bgnbdLogLikelihood(p: BgNbdParams, data: BgNbdData, unit: 'days' | 'weeks'): number {
  return countModelLogLikelihood('bgnbd', p, data, unit);
}

/** The optimiser works on ln θ inside ±LOG_BOUND; a fit this close to the box has not found an interior optimum. */
const LOG_BOUND = 25;
const AT_BOUND = LOG_BOUND - 2;

export function fitCountModel(kind: CountModelKind, data: BgNbdData, unit: 'days' | 'weeks'): BgNbdFit {
  const u = unitDays(unit);
  let meanT = 0;
  for (let i = 0; i < data.x.length; i++) meanT += (data.weight[i]! * data.tDays[i]!) / u;
  meanT /= Math.max(1, data.customers);
  const start = [0, Math.log(Math.max(0.1, meanT / 10)), 0, 0];
  const objective = (theta: number[]): number => {
    if (theta.some((t) => Math.abs(t) > LOG_BOUND)) return Number.POSITIVE_INFINITY;
    const [r, alpha, a, b] = theta.map(Math.exp) as [number, number, number, number];
    return -countModelLogLikelihood(kind, { r, alpha, a, b }, data, unit) / data.customers;
  };
  const res = nelderMead(objective, start, { maxIterations: 2000, fTolerance: 1e-8, xTolerance: 1e-4, restarts: 1 });
  const [r, alpha, a, b] = res.x.map(Math.exp) as [number, number, number, number];
  return { model: kind, r, alpha, a, b, logLikelihood: -res.fx * data.customers, timeUnit: unit, converged: res.converged && Number.isFinite(res.fx), n: data.customers, iterations: res.iterations };
}

export function fitBgNbd(data: BgNbdData, unit: 'days' | 'weeks'): BgNbdFit {
  return fitCountModel('bgnbd', data, unit);
}

/** Shape parameters below this put the Beta/Gamma mass on a point (p ≡ 0 or 1, all rates 0): a degenerate fit. */
const MIN_SHAPE = 1e-4;

/**
 * Why a fit must not be used, as a short phrase a store owner can read ("ran to the edge of its range
 * (a = 3.7e+10)"), or null when it is usable: it did not converge, stopped at the edge of the optimiser's
 * box, reached a degenerate corner (a shape parameter → 0, e.g. a → ∞ with b → 0: "everybody stops after
 * the next order"), or predicts a non-finite number for a customer of the data it was fitted on (checked
 * at each horizon the app uses).
 */
export function countModelFitProblemMsg(fit: BgNbdFit, data: BgNbdData, horizonsDays: readonly number[]): ExplanationMsg | null {
  const params = { r: fit.r, alpha: fit.alpha, a: fit.a, b: fit.b };
  const p2 = (v: number): string => v.toPrecision(2);
  if (![...Object.values(params), fit.logLikelihood].every(Number.isFinite)) return message('models.failed');
  if (!fit.converged) return message('models.unsettled');
  const edge = Object.entries(params).find(([, v]) => Math.abs(Math.log(v)) >= AT_BOUND);
  if (edge) return message('models.edge', { name: edge[0], value: p2(edge[1]) });
  if (fit.a < MIN_SHAPE || fit.b < MIN_SHAPE) {
    const stop = fit.a / (fit.a + fit.b) > 0.5;
    return message(stop ? 'models.degenerateStop' : 'models.degenerateForever', { a: p2(fit.a), b: p2(fit.b) });
  }
  if (fit.r < MIN_SHAPE) return message('models.degenerateR', { r: p2(fit.r) });
  const u = unitDays(fit.timeUnit);
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!;
    const tx = data.txDays[i]! / u;
    const T = data.tDays[i]! / u;
    for (const h of horizonsDays) {
      const e = countModelExpectedPurchases(fit, h / u, x, tx, T);
      const none = countModelProbabilityNoPurchase(fit, h / u, x, tx, T);
      if (!Number.isFinite(e) || !Number.isFinite(none)) return message('models.nonFinite', { x, days: data.tDays[i]! });
    }
  }
  return null;
}

/** The same in English (the string calibrations store as fitProblems). */
export function countModelFitProblem(fit: BgNbdFit, data: BgNbdData, horizonsDays: readonly number[]): string | null {
  const msg = countModelFitProblemMsg(fit, data, horizonsDays);
  return msg ? explanationText(msg) : null;
}

/** P(alive | x, t_x, T): BG/NBD eq. 13 (1 for x = 0: no dropout before a repeat); MBG/NBD also for x = 0. */
export function countModelProbabilityAlive(p: BgNbdParams & { model?: CountModelKind }, x: number, tx: number, T: number): number {
  const mbg = modelOf(p) === 'mbgnbd';
  if (x === 0 && !mbg) return 1;
  const logRatio = Math.log(p.a / (p.b + x - (mbg ? 0 : 1))) + (p.r + x) * Math.log((p.alpha + T) / (p.alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

/** E[Y(t) | x, t_x, T]: expected transactions in the next t (BG/NBD eq. 10; MBG/NBD Batislam et al. eq. 11). */
export function countModelExpectedPurchases(p: BgNbdParams & { model?: CountModelKind }, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const beta = p.b + x + (modelOf(p) === 'mbgnbd' ? 1 : 0);
  const ifAlive = purchasesIfAlive(p.r + x, p.a, beta, t / (p.alpha + T));
  return ifAlive * countModelProbabilityAlive(p, x, tx, T);
}

/** P(no transaction in the next t | x, t_x, T) = P(dead) + P(alive)·((α+T)/(α+T+t))^(r+x) (both models). */
export function countModelProbabilityNoPurchase(p: BgNbdParams & { model?: CountModelKind }, t: number, x: number, tx: number, T: number): number {
  const alive = countModelProbabilityAlive(p, x, tx, T);
  return 1 - alive + alive * Math.pow((p.alpha + T) / (p.alpha + T + t), p.r + x);
}

/** Median time until the next transaction (P(at least one) = 1/2), or null if never that likely. */
export function countModelMedianTimeToNext(p: BgNbdParams & { model?: CountModelKind }, x: number, tx: number, T: number): number | null {
  const alive = countModelProbabilityAlive(p, x, tx, T);
  if (alive <= 0.5) return null;
  return (p.alpha + T) * (Math.pow(1 - 0.5 / alive, -1 / (p.r + x)) - 1);
}

export const bgnbdProbabilityAlive = (p: BgNbdParams, x: number, tx: number, T: number): number => countModelProbabilityAlive({ ...p, model: 'bgnbd' }, x, tx, T);
export const bgnbdExpectedPurchases = (p: BgNbdParams, t: number, x: number, tx: number, T: number): number => countModelExpectedPurchases({ ...p, model: 'bgnbd' }, t, x, tx, T);
export const bgnbdProbabilityNoPurchase = (p: BgNbdParams, t: number, x: number, tx: number, T: number): number => countModelProbabilityNoPurchase({ ...p, model: 'bgnbd' }, t, x, tx, T);
