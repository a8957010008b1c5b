import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { importCdnow } from '../../src/importers/cdnow.ts';
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import { BgNbdDataBuilder, bgnbdExpectedPurchases, bgnbdLogLikelihood, bgnbdProbabilityAlive, bgnbdProbabilityNoPurchase, fitBgNbd } from '../../src/segments/bgnbd.ts';
import { calibrateShop } from '../../src/segments/calibrate-shop.ts';
import type { Calibration } from '../../src/segments/calibrate-shop.ts';
import type { BgNbdData, BgNbdParams } from '../../src/segments/bgnbd.ts';
import { seededRng } from '../../tools/seeded-random.ts';
import { simulateBgNbdPurchases } from '../../tools/synthetic-shop.ts';
import { CDNOW_CALIBRATION_END, CDNOW_SAMPLE } from '../../tools/cdnow-data.ts';
import { settingsWith } from './fixtures.ts';

const within = (actual: number, expected: number, rel: number, what: string): void =>
  assert.ok(Math.abs(actual / expected - 1) <= rel, `${what}: ${actual} not within ${rel * 100}% of ${expected}`);

// Fader, Hardie & Lee (2005), table/figures for the CDNOW 1/10 sample, 39-week calibration period.
const PUBLISHED = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('BG/NBD on CDNOW (the paper’s data)', () => {
  let cal: Calibration;
  before(async () => {
    const { customers } = await importCdnow(CDNOW_SAMPLE);
    // The sample has a few $0 purchases; the paper counts them, so keep zero-value orders here.
    cal = calibrateShop(customers, settingsWith({ orderExclusions: { zeroValue: false } }), CDNOW_CALIBRATION_END);
  });

  it('recovers the published estimates r, alpha, a, b (weeks) and log-likelihood', () => {
    const fit = cal.models.bgnbd!;
    assert.equal(fit.model, 'bgnbd');
    assert.equal(fit.timeUnit, 'weeks');
    assert.equal(fit.converged, true);
    assert.equal(fit.n, 2357);
    within(fit.r, PUBLISHED.r, 0.01, 'r');
    within(fit.alpha, PUBLISHED.alpha, 0.01, 'alpha');
    within(fit.a, PUBLISHED.a, 0.01, 'a');
    within(fit.b, PUBLISHED.b, 0.01, 'b');
    within(fit.logLikelihood, -9582.4, 0.0005, 'log-likelihood');
  });

  it('reproduces the paper’s conditional expectation example: x=2, t_x=30.43, T=38.86 → 1.226 in 39 weeks', () => {
    within(bgnbdExpectedPurchases(PUBLISHED, 39, 2, 30.43, 38.86), 1.226, 0.005, 'E[Y(39)]');
  });

  it('recovers the published Gamma-Gamma estimates p, q, gamma (dollars)', () => {
    const gg = cal.models.gammaGamma!;
    assert.equal(gg.n, 946);
    within(gg.p, 6.25, 0.01, 'p');
    within(gg.q, 3.74, 0.01, 'q');
    within(gg.gamma / 100, 15.44, 0.01, 'gamma');
  });
});

describe('BG/NBD by simulation', () => {
  it('recovers known parameters from 20,000 simulated customers', () => {
    const truth = { r: 0.8, alpha: 40, a: 0.7, b: 3 }; // days
    const rng = seededRng(20251124);
    const builder = new BgNbdDataBuilder();
    for (let i = 0; i < 20_000; i++) {
      const T = 200 + Math.floor(rng.next() * 165);
      const days = [...new Set(simulateBgNbdPurchases(rng, truth, T).map(Math.floor))];
      builder.add(days.length - 1, days[days.length - 1]!, T);
    }
    const data = builder.build();
    const fit = fitBgNbd(data, 'days');
    assert.equal(fit.converged, true);
    within(fit.r, truth.r, 0.1, 'r');
    within(fit.alpha, truth.alpha, 0.12, 'alpha');
    within(fit.a, truth.a, 0.25, 'a');
    within(fit.b, truth.b, 0.3, 'b');
    // The maximum likelihood estimate is at least as likely as the truth.
    assert.ok(fit.logLikelihood >= bgnbdLogLikelihood(truth, data, 'days'));
  });

  it('gives the same r, a, b in days or weeks, and alpha scaled by 7', () => {
    const rng = seededRng(5);
    const builder = new BgNbdDataBuilder();
    for (let i = 0; i < 3000; i++) {
      const T = 100 + Math.floor(rng.next() * 200);
      const days = [...new Set(simulateBgNbdPurchases(rng, { r: 1, alpha: 30, a: 1, b: 3 }, T).map(Math.floor))];
      builder.add(days.length - 1, days[days.length - 1]!, T);
    }
    const data = builder.build();
    const d = fitBgNbd(data, 'days');
    const w = fitBgNbd(data, 'weeks');
    within(w.r, d.r, 0.01, 'r');
    within(w.alpha * 7, d.alpha, 0.01, 'alpha');
    within(w.a, d.a, 0.02, 'a');
    within(w.b, d.b, 0.02, 'b');
  });
});

/** The same likelihood straight from the paper with @stdlib's ln Γ and ln B (reference for tests). */
function bgnbdLogLikelihoodReference(p: BgNbdParams, data: BgNbdData, unit: 'days' | 'weeks'): number {
  const { r, alpha, a, b } = p;
  const u = unit === 'weeks' ? 7 : 1;
  let ll = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!;
    const tx = data.txDays[i]! / u;
    const T = data.tDays[i]! / u;
    const a1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
    const a2 = betaln(a, b + x) - betaln(a, b);
    const a3 = -(r + x) * Math.log(alpha + T);
    const a4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : Number.NEGATIVE_INFINITY;
    const m = Math.max(a3, a4);
    ll += data.weight[i]! * (a1 + a2 + m + Math.log(Math.exp(a3 - m) + Math.exp(a4 - m)));
  }
  return ll;
}

describe('BG/NBD likelihood', () => {
  it('equals the paper’s formula evaluated with @stdlib ln Γ and ln B', () => {
    const rng = seededRng(3);
    const builder = new BgNbdDataBuilder();
    for (let i = 0; i < 500; i++) {
      const T = 30 + Math.floor(rng.next() * 300);
      const days = [...new Set(simulateBgNbdPurchases(rng, { r: 2, alpha: 10, a: 0.5, b: 2 }, T).map(Math.floor))];
      builder.add(days.length - 1, days[days.length - 1]!, T);
    }
    const data = builder.build();
    assert.ok(data.maxX > 20);
    for (const p of [PUBLISHED, { r: 2, alpha: 10, a: 0.5, b: 2 }, { r: 0.05, alpha: 300, a: 3, b: 0.2 }]) {
      for (const unit of ['days', 'weeks'] as const) {
        const fast = bgnbdLogLikelihood(p, data, unit);
        const ref = bgnbdLogLikelihoodReference(p, data, unit);
        assert.ok(Math.abs(fast - ref) < 1e-8 * Math.abs(ref), `${fast} vs ${ref}`);
      }
    }
  });
});

describe('BG/NBD customer quantities', () => {
  const p = PUBLISHED;
  it('says one-time buyers are alive (a property of the model) and decays P(alive) with silence', () => {
    assert.equal(bgnbdProbabilityAlive(p, 0, 0, 30), 1);
    const recent = bgnbdProbabilityAlive(p, 4, 30, 32);
    const silent = bgnbdProbabilityAlive(p, 4, 5, 32);
    assert.ok(recent > silent && recent <= 1 && silent > 0, `${recent} ${silent}`);
  });

  it('makes the probability of no purchase grow with silence and shrink with the horizon', () => {
    assert.ok(bgnbdProbabilityNoPurchase(p, 26, 3, 10, 40) > bgnbdProbabilityNoPurchase(p, 26, 3, 10, 20));
    assert.ok(bgnbdProbabilityNoPurchase(p, 52, 3, 10, 20) < bgnbdProbabilityNoPurchase(p, 4, 3, 10, 20));
  });

  it('expects more purchases from frequent, recent buyers', () => {
    assert.ok(bgnbdExpectedPurchases(p, 13, 6, 38, 39) > bgnbdExpectedPurchases(p, 13, 1, 38, 39));
    assert.ok(bgnbdExpectedPurchases(p, 13, 6, 38, 39) > bgnbdExpectedPurchases(p, 13, 6, 5, 39));
    assert.equal(bgnbdExpectedPurchases(p, 0, 6, 38, 39), 0);
  });
});
