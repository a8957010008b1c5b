import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitGammaGamma, gammaGammaExpectedValue, gammaGammaLogLikelihood } from '../../src/segments/gamma-gamma.ts';
import { gamma, seededRng, uniformInt } from '../../tools/seeded-random.ts';

describe('Gamma-Gamma by simulation', () => {
  it('recovers known p, q, gamma from 30,000 simulated repeat buyers', () => {
    const truth = { p: 5, q: 4, gamma: 2000 };
    const rng = seededRng(77);
    const x: number[] = [];
    const m: number[] = [];
    for (let i = 0; i < 30_000; i++) {
      const nu = gamma(rng, truth.q, truth.gamma);
      const n = uniformInt(rng, 1, 12);
      let sum = 0;
      for (let k = 0; k < n; k++) sum += gamma(rng, truth.p, nu);
      x.push(n);
      m.push(sum / n);
    }
    const data = { x: Float64Array.from(x), meanValue: Float64Array.from(m) };
    const fit = fitGammaGamma(data);
    assert.equal(fit.converged, true);
    // p and gamma trade off against each other (slow to pin down); the population mean is sharp.
    for (const k of ['p', 'q', 'gamma'] as const) assert.ok(Math.abs(fit[k] / truth[k] - 1) < 0.1, `${k}: ${fit[k]} vs ${truth[k]}`);
    const mean = (g: { p: number; q: number; gamma: number }): number => (g.p * g.gamma) / (g.q - 1);
    assert.ok(Math.abs(mean(fit) / mean(truth) - 1) < 0.03, `population mean ${mean(fit)} vs ${mean(truth)}`);
    assert.ok(fit.logLikelihood >= gammaGammaLogLikelihood(truth, data));
  });

  it('shrinks a customer’s mean towards the population mean, less so with more purchases', () => {
    const g = { p: 6.25, q: 3.74, gamma: 1544 };
    const population = (g.p * g.gamma) / (g.q - 1);
    assert.ok(Math.abs(gammaGammaExpectedValue(g, 0, 0) - population) < 1e-9);
    const one = gammaGammaExpectedValue(g, 1, 10_000);
    const ten = gammaGammaExpectedValue(g, 10, 10_000);
    assert.ok(population < one && one < ten && ten < 10_000);
  });
});
