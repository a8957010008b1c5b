// The conditional expectation shared by BG/NBD and MBG/NBD, evaluated accurately (or not at all) over
// every parameter value the optimiser can reach.
//
// Given that a customer is alive, both models say: purchase rate λ ~ Gamma(k, α+T) with k = r+x, dropout
// probability p ~ Beta(a, β) (β = b+x for BG/NBD, b+x+1 for MBG/NBD), and E[Y(t) | λ, p] = (1 - e^{-λpt})/p
// (Fader, Hardie & Lee 2005, eq. 7). Integrating λ out with s = t/(α+T):
//
//   N(k, a, β, s) = E_p[(1 - (1+ps)^{-k}) / p]
//                 = (a+β-1)/(a-1) · [1 - (1+s)^{-k} 2F1(k, β; a+β-1; s/(1+s))]      (FHL 2005, eq. 10)
//
// Two ways to evaluate it, chosen per call:
//  1. The 2F1 power series, in its direct form or after Euler's transformation
//     (1-z)^{k} 2F1(k, β; c; z) = (1-z)^{a-1} 2F1(c-k, a-1; c; z), whichever converges within 1,000 terms
//     with the smaller rounding-error bound. 1 - (1-z)^e·F is formed as -expm1(e·ln(1-z) + log1p(F-1))
//     with F-1 summed from its own terms, so a ≈ 1 and short horizons keep their digits. Fast: a few dozen
//     terms for typical shops.
//  2. When no series qualifies (z near 1, huge shape parameters, a+β ≤ 1, a ≈ 1): the Beta integral itself,
//     by adaptive Gauss–Kronrod (7/15 points) in the log-odds of p with breakpoints around the density's mode;
//     the two tails where the integrand is constant to 1e-12 are closed with the regularised incomplete beta
//     function (@stdlib/math-base-special-betainc). No ln B(a, β) is needed, so no cancellation for huge a, β.
// Neither path truncates silently: a series that does not converge is abandoned, and a quadrature that does
// not reach its tolerance returns NaN, which callers treat as a failed prediction.
// Accuracy: test/segments/beta-mixture.test.ts checks a grid against 30-digit values computed outside the
// project (python3 + mpmath, two independent methods that must agree).
import betainc from '@stdlib/math-base-special-betainc';

const MAX_TERMS = 1000;
const EPS = 2.220446049250313e-16;
/** Relative error bound a series result must meet; the quadrature aims at 1e-12. */
const SERIES_TOLERANCE = 1e-11;
const QUAD_TOLERANCE = 1e-12;

interface SeriesResult {
  /** 1 - (1-z)^e · F, or NaN when the series did not converge. */
  oneMinusH: number;
  /** Bound on the relative rounding + truncation error of oneMinusH. */
  error: number;
}

/**
 * 1 - (1-z)^e · 2F1(A, B; C; z) for 0 <= z < 1 by the power series, in log space:
 * ln h = e·ln(1-z) + log1p(S1) where S1 = F - 1 = Σ_{n≥1} t_n.
 */
export function seriesOneMinusH(A: number, B: number, C: number, z: number, e: number, lnOneMinusZ: number): SeriesResult {
  const failed = { oneMinusH: Number.NaN, error: Number.POSITIVE_INFINITY };
  let t = 1;
  let s1 = 0;
  let abs = 0;
  let n = 0;
  for (; n < MAX_TERMS; n++) {
    const den = (C + n) * (n + 1);
    if (den === 0) return failed;
    const ratio = ((A + n) * (B + n) * z) / den;
    t *= ratio;
    if (!Number.isFinite(t)) return failed;
    s1 += t;
    abs += Math.abs(t);
    if (t === 0) break;
    // Tail bound for an eventually geometric series: once the term ratio is below 1 and the next ratios
    // stay below max(ratio, z) (the ratio of a 2F1 series tends to z monotonically for large n).
    const next = Math.abs(((A + n + 1) * (B + n + 1) * z) / ((C + n + 1) * (n + 2)));
    const rho = Math.max(next, z);
    if (n > 2 && next < 1 && Math.abs(t) * (rho / (1 - rho)) <= EPS * 0.5 * Math.max(1e-300, Math.abs(1 + s1))) break;
  }
  if (n >= MAX_TERMS || !(1 + s1 > 0)) return failed;
  const lnH = e * lnOneMinusZ + Math.log1p(s1);
  const oneMinusH = -Math.expm1(lnH);
  // Error of ln h: rounding in e·ln(1-z) and in the sum, relative to 1 + S1; error of 1 - h is h·that.
  const lnHError = EPS * (4 * Math.abs(e * lnOneMinusZ) + (4 * abs + 2 * n * EPS * abs) / (1 + s1) + 4);
  const h = Math.exp(lnH);
  return { oneMinusH, error: (h * lnHError) / Math.max(1e-300, Math.abs(oneMinusH)) };
}

// Gauss–Kronrod 7/15 nodes and weights on [-1, 1] (QUADPACK qk15; Piessens et al. 1983).
const XGK = [0.9914553711208126, 0.9491079123427585, 0.8648644233597691, 0.7415311855993945, 0.5860872354676911, 0.4058451513773972, 0.20778495500789848, 0];
const WGK = [0.022935322010529224, 0.06309209262997856, 0.10479001032225019, 0.14065325971552592, 0.1690047266392679, 0.19035057806478542, 0.20443294007529889, 0.20948214108472782];
const WG = [0.1294849661688697, 0.27970539148927664, 0.3818300505051189, 0.4179591836734694];

interface Segment {
  lo: number;
  hi: number;
  /** ∫ w·g and ∫ w over the segment (Kronrod), and their error estimates (|Kronrod - Gauss|). */
  ig: number;
  iw: number;
  eg: number;
  ew: number;
}

/** QUADPACK's error estimate of one Kronrod/Gauss pair (qk15): |K - G| scaled by the integrand's variation. */
function qkError(k: number, gauss: number, resasc: number, resabs: number, h: number): number {
  let err = Math.abs((k - gauss) * h);
  const asc = resasc * h;
  if (asc !== 0 && err !== 0) err = asc * Math.min(1, Math.pow((200 * err) / asc, 1.5));
  return Math.max(err, 50 * EPS * resabs * h);
}

/** Gauss–Kronrod 15 of two integrands sharing the weight: f(y) fills [w(y)·g(y), w(y)]. */
function gk15(f: (y: number, out: Float64Array) => void, lo: number, hi: number, buf: Float64Array): Segment {
  const c = (lo + hi) / 2;
  const h = (hi - lo) / 2;
  const fg = new Float64Array(15);
  const fw = new Float64Array(15);
  const w = new Float64Array(15);
  for (let j = 0, i = 0; j < 8; j++) {
    const pts = j === 7 ? [c] : [c - h * XGK[j]!, c + h * XGK[j]!];
    for (const y of pts) {
      f(y, buf);
      fg[i] = buf[0]!;
      fw[i] = buf[1]!;
      w[i++] = j;
    }
  }
  let kg = 0;
  let kw = 0;
  let gg = 0;
  let gw = 0;
  let absG = 0;
  for (let i = 0; i < 15; i++) {
    const j = w[i]!;
    kg += WGK[j]! * fg[i]!;
    kw += WGK[j]! * fw[i]!;
    absG += WGK[j]! * Math.abs(fg[i]!);
    if (j % 2 === 1) {
      gg += WG[(j - 1) / 2]! * fg[i]!;
      gw += WG[(j - 1) / 2]! * fw[i]!;
    }
  }
  let ascG = 0;
  let ascW = 0;
  for (let i = 0; i < 15; i++) {
    const j = w[i]!;
    ascG += WGK[j]! * Math.abs(fg[i]! - kg / 2);
    ascW += WGK[j]! * Math.abs(fw[i]! - kw / 2);
  }
  return { lo, hi, ig: kg * h, iw: kw * h, eg: qkError(kg, gg, ascG, absG, h), ew: qkError(kw, gw, ascW, kw, h) };
}

const softplus = (y: number): number => (y > 0 ? y + Math.log1p(Math.exp(-y)) : Math.log1p(Math.exp(y)));

/** The integrand g(p) = (1 - (1+ps)^{-k}) / p, accurate for tiny p (g(0) = k·s). */
function g(p: number, k: number, s: number): number {
  if (p === 0) return k * s;
  return -Math.expm1(-k * Math.log1p(p * s)) / p;
}

/** N(k, a, β, s) by quadrature of the Beta integral (see the header). NaN if the tolerance is not met. */
export function purchasesIfAliveByQuadrature(k: number, a: number, beta: number, s: number): number {
  // Tails: below p0 and above p1 = 1 - e1, g is constant to ~1e-12 relative; their Beta masses come from betainc.
  const p0 = Math.min(1e-3, 2e-12 / ((k + 1) * s + 1e-300));
  const p1 = 1 - 1e-12;
  const e1 = 1 - p1; // exactly 1 - p1 in floating point (not 1e-12): the tail mass is sensitive to it
  const massLo = betainc(p0, a, beta, true, false);
  const massHi = betainc(p1, a, beta, true, true);
  const gLo = (g(0, k, s) + g(p0, k, s)) / 2;
  const gHi = (g(1, k, s) + g(p1, k, s)) / 2;
  const massMid = 1 - massLo - massHi;
  if (!Number.isFinite(massLo) || !Number.isFinite(massHi)) return Number.NaN;
  const tails = massLo * gLo + massHi * gHi;
  if (massMid <= 1e-15) return tails + Math.max(0, massMid) * gLo;
  // Middle, in y = logit p: the Beta(a, β) density there is ∝ exp(a ln p + β ln(1-p)) (dp = p(1-p) dy),
  // unimodal at y* = ln(a/β) with width σ ≈ sqrt(1/a + 1/β). Normalised numerically (∫w over the middle)
  // and scaled to massMid, so ln B(a, β) never enters.
  const y0 = Math.log(p0) - Math.log1p(-p0);
  const y1 = Math.log1p(-e1) - Math.log(e1);
  const mode = Math.min(y1, Math.max(y0, Math.log(a) - Math.log(beta)));
  const lpMode = -softplus(-mode);
  const lqMode = -softplus(mode);
  const f = (y: number, out: Float64Array): void => {
    const lp = -softplus(-y);
    const lq = -softplus(y);
    const w = Math.exp(a * (lp - lpMode) + beta * (lq - lqMode));
    out[0] = w * g(Math.exp(lp), k, s);
    out[1] = w;
  };
  const sigma = Math.sqrt(1 / a + 1 / beta);
  const breaks = new Set<number>([y0, y1]);
  for (const m of [-64, -16, -4, -1, 0, 1, 4, 16, 64]) {
    const y = mode + m * sigma;
    if (y > y0 && y < y1) breaks.add(y);
  }
  // The scale on which g changes: p ≈ 1/s.
  const yS = -Math.log(Math.max(s, 1e-300));
  if (yS > y0 && yS < y1) breaks.add(yS);
  const edges = [...breaks].sort((p, q) => p - q);
  const buf = new Float64Array(2);
  let segs: Segment[] = [];
  for (let i = 1; i < edges.length; i++) segs.push(gk15(f, edges[i - 1]!, edges[i]!, buf));
  for (let round = 0; round < 60; round++) {
    let ig = 0;
    let iw = 0;
    for (const sg of segs) {
      ig += sg.ig;
      iw += sg.iw;
    }
    if (!(iw > 0) || !Number.isFinite(ig)) return Number.NaN;
    const tolG = QUAD_TOLERANCE * Math.abs(ig);
    const tolW = QUAD_TOLERANCE * iw;
    let eg = 0;
    let ew = 0;
    for (const sg of segs) {
      eg += sg.eg;
      ew += sg.ew;
    }
    if (eg <= tolG && ew <= tolW) return tails + massMid * (ig / iw);
    // Bisect every segment whose error is a noticeable share of the allowance.
    const next: Segment[] = [];
    for (const sg of segs) {
      if (sg.eg > tolG / segs.length || sg.ew > tolW / segs.length) {
        const mid = (sg.lo + sg.hi) / 2;
        next.push(gk15(f, sg.lo, mid, buf), gk15(f, mid, sg.hi, buf));
      } else next.push(sg);
    }
    segs = next;
    if (segs.length > 4000) return Number.NaN;
  }
  return Number.NaN;
}

/**
 * N(k, a, β, s) = E[(1 - (1+ps)^{-k}) / p] for p ~ Beta(a, β): expected purchases in the next t of a
 * customer known to be alive, s = t/(α+T). NaN only when neither method reaches its accuracy.
 */
export function purchasesIfAlive(k: number, a: number, beta: number, s: number): number {
  if (!(s > 0)) return 0;
  if (!(k > 0 && a > 0 && beta > 0) || !Number.isFinite(s)) return Number.NaN;
  const c = a + beta - 1;
  if (c > 0 && Math.abs(a - 1) > 1e-6) {
    const z = s / (1 + s);
    const lnOneMinusZ = -Math.log1p(s);
    const direct = seriesOneMinusH(k, beta, c, z, k, lnOneMinusZ);
    const euler = direct.error <= SERIES_TOLERANCE * 1e-3 ? direct : seriesOneMinusH(c - k, a - 1, c, z, a - 1, lnOneMinusZ);
    const best = euler.error < direct.error ? euler : direct;
    // a - 1 and a + β - 1 carry the rounding of a and β, amplified when they are small.
    const inputError = 2 * EPS * (Math.abs(a) / Math.abs(a - 1) + (a + beta) / c);
    if (best.error + inputError <= SERIES_TOLERANCE) {
      const n = (c / (a - 1)) * best.oneMinusH;
      if (Number.isFinite(n) && n >= 0) return n;
    }
  }
  return purchasesIfAliveByQuadrature(k, a, beta, s);
}
