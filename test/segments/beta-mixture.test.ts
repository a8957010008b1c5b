// The conditional expectation N(k, a, β, s) = E[(1 - (1+ps)^-k)/p], p ~ Beta(a, β), that BG/NBD and MBG/NBD
// predictions rest on. Reference values: test/segments/reference/beta-mixture-values.json, computed outside
// the project by test/segments/reference/beta_mixture_reference.py (python3 + mpmath at 40 digits, two
// independent methods — the Beta integral by mpmath.quad and the 2F1 power series — that must agree to 1e-20).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { purchasesIfAlive, purchasesIfAliveByQuadrature, seriesOneMinusH } from '../../src/segments/beta-mixture.ts';
import { bgnbdExpectedPurchases, countModelExpectedPurchases } from '../../src/segments/bgnbd.ts';

interface Ref {
  k: string;
  a: string;
  b: string;
  s: string;
  n: string;
  method: string;
}
const REFS = JSON.parse(readFileSync(new URL('./reference/beta-mixture-values.json', import.meta.url), 'utf8')) as Ref[];
const rel = (x: number, y: number): number => Math.abs(x - y) / Math.abs(y);

describe('N(k, a, β, s) against 40-digit reference values (mpmath, computed outside the project)', () => {
  it('has a reference grid spanning the optimiser’s reach: shapes 1e-9 … 1e6, s 1e-4 … 1e5, a ≈ 1', () => {
    assert.ok(REFS.length >= 150, `${REFS.length} reference values`);
    const as = REFS.map((r) => Number(r.a));
    const bs = REFS.map((r) => Number(r.b));
    const ss = REFS.map((r) => Number(r.s));
    assert.ok(Math.min(...bs) < 1e-8 && Math.max(...as) > 1e5 && Math.max(...ss) >= 1e5 && Math.min(...ss) <= 1e-4);
    assert.ok(as.some((a) => Math.abs(a - 1) < 1e-6));
  });

  it('purchasesIfAlive agrees to 1e-11 everywhere (series where it qualifies, quadrature elsewhere)', () => {
    const bad: string[] = [];
    for (const r of REFS) {
      const got = purchasesIfAlive(Number(r.k), Number(r.a), Number(r.b), Number(r.s));
      if (!(rel(got, Number(r.n)) <= 1e-11)) bad.push(`N(${r.k}, ${r.a}, ${r.b}, ${r.s}) = ${got}, reference ${r.n}`);
    }
    assert.deepEqual(bad, []);
  });

  it('the quadrature alone agrees to 1e-11 at every grid point (it must stand in wherever the series cannot)', () => {
    const bad: string[] = [];
    for (const r of REFS) {
      const got = purchasesIfAliveByQuadrature(Number(r.k), Number(r.a), Number(r.b), Number(r.s));
      if (!(rel(got, Number(r.n)) <= 1e-11)) bad.push(`quadrature N(${r.k}, ${r.a}, ${r.b}, ${r.s}) = ${got}, reference ${r.n}`);
    }
    assert.deepEqual(bad, []);
  });

  it('a series that claims its error bound meets it (no silent truncation)', () => {
    let used = 0;
    for (const r of REFS) {
      const [k, a, b, s] = [Number(r.k), Number(r.a), Number(r.b), Number(r.s)];
      const c = a + b - 1;
      if (!(c > 0)) continue;
      const z = s / (1 + s);
      for (const [A, B, e] of [[k, b, k], [c - k, a - 1, a - 1]] as const) {
        const res = seriesOneMinusH(A, B, c, z, e, -Math.log1p(s));
        const inputError = 2 * 2.220446049250313e-16 * (a / Math.abs(a - 1) + (a + b) / c); // rounding of a - 1, a + b - 1
        if (res.error + inputError > 1e-11) continue;
        used++;
        const n = (c / (a - 1)) * res.oneMinusH;
        assert.ok(rel(n, Number(r.n)) <= Math.max(1e-10, 10 * (res.error + inputError)), `series N(${r.k}, ${r.a}, ${r.b}, ${r.s}) = ${n}, reference ${r.n}, claimed error ${res.error}`);
      }
    }
    assert.ok(used > 50, `${used} series results checked`);
  });

  it('gives up (NaN) rather than returning a truncated series: 1,000 terms are not enough near z = 1', () => {
    const res = seriesOneMinusH(0.25, 2.426, 2.219, 1 - 1e-6, 0.25, Math.log(1e-6));
    assert.ok(Number.isNaN(res.oneMinusH) && res.error === Number.POSITIVE_INFINITY);
  });
});

describe('the issue’s failing case: r = 0.25, α = 4.4 weeks, a = 800, b = 3a, t = 52 weeks', () => {
  const p = { r: 0.25, alpha: 4.4, a: 800, b: 2400 };
  it('x = 0 and x = 3 give the reference values, not NaN / 0', () => {
    // T = 0: s = 52/4.4; x = 3, t_x = T (bought at the end): P(alive) from eq. 13, N from the reference grid.
    const ref = (k: string, b: string, T: string): number => Number(REFS.find((r) => r.k === k && r.b === b && Math.abs(Number(r.s) - 52 / (4.4 + Number(T))) < 1e-12)!.n);
    for (const T of ['0', '39']) {
      const e0 = bgnbdExpectedPurchases(p, 52, 0, 0, Number(T));
      assert.ok(rel(e0, ref('0.25', '2400', T)) < 1e-9, `x=0 T=${T}: ${e0}`);
      const alive3 = 1 / (1 + (800 / (2400 + 3 - 1)) * Math.pow(1, 3.25));
      const e3 = bgnbdExpectedPurchases(p, 52, 3, Number(T), Number(T));
      assert.ok(rel(e3, alive3 * ref('3.25', '2403', T)) < 1e-9, `x=3 T=${T}: ${e3}`);
    }
  });
});

describe('BG/NBD and MBG/NBD conditional expectations against independent 40-digit values', () => {
  // python3 + mpmath: N by the 2F1 series at 40 digits, divided by 1 + a/(b+x-1)·((α+T)/(α+t_x))^(r+x)
  // (BG/NBD; 1 for x = 0) or 1 + a/(b+x)·(…)^(r+x) (MBG/NBD).
  const BG = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
  const MBG = { model: 'mbgnbd' as const, r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 };
  const cases: Array<[typeof BG | typeof MBG, number, number, number, number, number]> = [
    [BG, 39, 2, 30.43, 38.86, 1.2260281747671444],
    [BG, 52, 0, 0, 10, 0.626437505157745],
    [BG, 52, 7, 35, 39, 5.486378297284923],
    [MBG, 39, 2, 30.43, 38.86, 1.2629606232673656],
    [MBG, 39, 0, 0, 38.86, 0.15401274667514667],
    [MBG, 52, 5, 20, 39, 1.262896768366059],
    [MBG, 13, 1, 2, 30, 0.11769180560193285],
  ];
  it('agree to 1e-10', () => {
    for (const [p, t, x, tx, T, want] of cases) {
      const got = countModelExpectedPurchases(p, t, x, tx, T);
      assert.ok(rel(got, want) < 1e-10, `${'model' in p ? 'MBG' : 'BG'} t=${t} x=${x}: ${got} vs ${want}`);
    }
  });
});
