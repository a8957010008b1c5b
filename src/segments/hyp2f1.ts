// Gauss hypergeometric function 2F1(a, b; c; z) for 0 <= z < 1 by its power series.
// @stdlib has no hyp2f1 package; BG/NBD only needs z in [0, 1) and the caller (bgnbd.ts) applies
// Euler's transformation first so the series it hands us converges quickly even for heavy buyers.

export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = 100_000): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1 series needs 0 <= z < 1, got ${z}`);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
    if (term === 0 || Math.abs(term) <= 1e-15 * Math.abs(sum)) return sum;
  }
  return sum;
}
