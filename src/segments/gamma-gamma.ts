// Gamma-Gamma model of monetary value (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary
// Value"; Colombo & Jiang 1999). Input per customer: x repeat transactions (x > 0) and m, the mean
// value of those repeat transactions (m > 0), in minor units, so gamma is in minor units too
// (divide by 100 to compare with the paper's dollars). Fitted by maximum likelihood in log space.
import gammaln from '@stdlib/math-base-special-gammaln';
import { nelderMead } from './nelder-mead.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  logLikelihood: number;
  /** gamma is in minor units of the shop currency. */
  valueUnit: 'minor';
  converged: boolean;
  n: number;
  iterations: number;
}

export interface GammaGammaData {
  x: Float64Array;
  meanValue: Float64Array;
}

/** Per-row constants that do not depend on the parameters, computed once per fit. */
interface Prepared {
  x: Float64Array;
  m: Float64Array;
  lnM: Float64Array;
  /** Distinct x values and each row's index into them (ln Γ only once per distinct x). */
  distinctX: Float64Array;
  xIndex: Int32Array;
}

function prepare(d: GammaGammaData): Prepared {
  const ids = new Map<number, number>();
  const xIndex = new Int32Array(d.x.length);
  const lnM = new Float64Array(d.x.length);
  for (let i = 0; i < d.x.length; i++) {
    const x = d.x[i]!;
    let k = ids.get(x);
    if (k === undefined) ids.set(x, (k = ids.size));
    xIndex[i] = k;
    lnM[i] = Math.log(d.meanValue[i]!);
  }
  return { x: d.x, m: d.meanValue, lnM, distinctX: Float64Array.from(ids.keys()), xIndex };
}

function logLikelihood(g: GammaGammaParams, d: Prepared): number {
  const { p, q, gamma } = g;
  const perX = new Float64Array(d.distinctX.length);
  for (let k = 0; k < perX.length; k++) {
    const x = d.distinctX[k]!;
    perX[k] = gammaln(p * x + q) - gammaln(p * x) + p * x * Math.log(x);
  }
  const qLnGamma = q * Math.log(gamma) - gammaln(q);
  let ll = 0;
  for (let i = 0; i < d.x.length; i++) {
    const x = d.x[i]!;
    ll += perX[d.xIndex[i]!]! + qLnGamma + (p * x - 1) * d.lnM[i]! - (p * x + q) * Math.log(gamma + d.m[i]! * x);
  }
  return ll;
}

export function gammaGammaLogLikelihood(g: GammaGammaParams, d: GammaGammaData): number {
  return logLikelihood(g, prepare(d));
}

export function fitGammaGamma(d: GammaGammaData): GammaGammaFit {
  const n = d.x.length;
  const prepared = prepare(d);
  let meanM = 0;
  for (let i = 0; i < n; i++) meanM += d.meanValue[i]! / n;
  const start = [0, 0, Math.log(Math.max(1, meanM))];
  const objective = (theta: number[]): number => {
    if (theta.some((t) => Math.abs(t) > 30)) return Number.POSITIVE_INFINITY;
    const [p, q, gamma] = theta.map(Math.exp) as [number, number, number];
    return -logLikelihood({ p, q, gamma }, prepared) / n;
  };
  const res = nelderMead(objective, start, { maxIterations: 2000, fTolerance: 1e-8, xTolerance: 1e-4, restarts: 1 });
  const [p, q, gamma] = res.x.map(Math.exp) as [number, number, number];
  return { p, q, gamma, logLikelihood: -res.fx * n, valueUnit: 'minor', converged: res.converged && Number.isFinite(res.fx), n, iterations: res.iterations };
}

/** E[M | x, m̄]: shrinks a customer's repeat mean towards the population mean p·gamma/(q-1). */
export function gammaGammaExpectedValue(g: GammaGammaParams, x: number, meanValue: number): number {
  const populationMean = (g.p * g.gamma) / (g.q - 1);
  if (x <= 0 || !(meanValue > 0)) return populationMean;
  const weight = (g.p * x) / (g.p * x + g.q - 1);
  return (1 - weight) * populationMean + weight * meanValue;
}
