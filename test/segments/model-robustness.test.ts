// MBG/NBD against published values, and fits that never go silently wrong: degenerate or non-converged fits
// fall back to the cadence rule with a reason, and no random shop ever gets a non-finite prediction.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import { importCdnow } from '../../src/importers/cdnow.ts';
import { analyzeShop } from '../../src/segments/analyze-shop.ts';
import { BgNbdDataBuilder, countModelFitProblem, countModelLogLikelihood, countModelProbabilityAlive } from '../../src/segments/bgnbd.ts';
import type { BgNbdData, BgNbdFit, BgNbdParams } from '../../src/segments/bgnbd.ts';
import { calibrateShop } from '../../src/segments/calibrate-shop.ts';
import { segmentCustomer } from '../../src/segments/segment-customer.ts';
import type { Calibration } from '../../src/segments/calibrate-shop.ts';
import { gammaGammaProblem } from '../../src/segments/fit-models.ts';
import type { CustomerInput } from '../../src/segments/types.ts';
import { seededRng } from '../../tools/seeded-random.ts';
import { simulateBgNbdPurchases } from '../../tools/synthetic-shop.ts';
import { CDNOW_CALIBRATION_END, CDNOW_SAMPLE } from '../../tools/cdnow-data.ts';
import { AS_OF, customer, defaultShopSettings, settingsWith } from './fixtures.ts';

const within = (actual: number, expected: number, rel: number, what: string): void =>
  assert.ok(Math.abs(actual / expected - 1) <= rel, `${what}: ${actual} not within ${rel * 100}% of ${expected}`);

describe('MBG/NBD on CDNOW', () => {
  let cal: Calibration;
  before(async () => {
    const { customers } = await importCdnow(CDNOW_SAMPLE);
    cal = calibrateShop(customers, settingsWith({ orderExclusions: { zeroValue: false } }), CDNOW_CALIBRATION_END);
  });

  it('recovers the published estimates r = 0.525, alpha = 6.183, a = 0.891, b = 1.614 (weeks)', () => {
    // BTYDplus's mbgcnbd estimates on the CDNOW sample, as asserted by lifetimes' test_params_out_is_close_to_BTYDplus.
    const fit = cal.models.mbgnbd!;
    assert.equal(fit.model, 'mbgnbd');
    assert.equal(fit.converged, true);
    within(fit.r, 0.525, 0.005, 'r');
    within(fit.alpha, 6.183, 0.005, 'alpha');
    within(fit.a, 0.891, 0.005, 'a');
    within(fit.b, 1.614, 0.005, 'b');
  });

  it('keeps the BG/NBD fit alongside and records how the model was chosen (backtest on the last 90 days)', () => {
    within(cal.models.bgnbd!.r, 0.243, 0.01, 'BG/NBD r');
    const bt = cal.models.selection!.backtest!;
    assert.equal(bt.split, '1997-07-02');
    assert.equal(bt.until, '1997-09-30');
    assert.ok(bt.models.bgnbd && bt.models.mbgnbd);
    assert.equal(cal.models.method, bt.selected);
    assert.match(cal.models.selection!.reason, /came closest to what customers actually did after 1997-07-02/);
  });

  it('cites the chosen model and its backtest in churn explanations', async () => {
    const { customers } = await importCdnow(CDNOW_SAMPLE);
    const p = segmentCustomer(customers[0]!, cal, settingsWith({ orderExclusions: { zeroValue: false } }), CDNOW_CALIBRATION_END);
    const churn = p.memberships.find((m) => m.family === 'churn')!.explanation;
    assert.match(churn, /\((BG|MBG)\/NBD, chosen by the backtest of 1997-07-02–1997-09-30: repeat orders predicted (\d+% (low|high)|on target)\)$/);
  });

  it('says one-time buyers may be dead (dropout at time 0), unlike BG/NBD', () => {
    const p = cal.models.mbgnbd!;
    const alive = countModelProbabilityAlive(p, 0, 0, 30);
    assert.ok(alive < 1 && alive > 0, String(alive));
  });
});

/** MBG/NBD likelihood straight from Batislam et al. (2007) eq. 7 with @stdlib ln Γ and ln B. */
function mbgReference(p: BgNbdParams, data: BgNbdData): number {
  const { r, alpha, a, b } = p;
  let ll = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i]!;
    const tx = data.txDays[i]! / 7;
    const T = data.tDays[i]! / 7;
    const a1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
    const first = a1 + betaln(a, b + x + 1) - betaln(a, b) - (r + x) * Math.log(alpha + T);
    const second = a1 + betaln(a + 1, b + x) - betaln(a, b) - (r + x) * Math.log(alpha + tx);
    const m = Math.max(first, second);
    ll += data.weight[i]! * (m + Math.log(Math.exp(first - m) + Math.exp(second - m)));
  }
  return ll;
}

describe('MBG/NBD likelihood', () => {
  it('equals the paper’s formula evaluated with @stdlib ln Γ and ln B', () => {
    const rng = seededRng(11);
    const builder = new BgNbdDataBuilder();
    for (let i = 0; i < 400; i++) {
      const T = 30 + Math.floor(rng.next() * 300);
      const days = [...new Set(simulateBgNbdPurchases(rng, { r: 2, alpha: 10, a: 0.5, b: 2 }, T).map(Math.floor))];
      builder.add(days.length - 1, days[days.length - 1]!, T);
    }
    const data = builder.build();
    for (const p of [{ r: 0.525, alpha: 6.183, a: 0.891, b: 1.614 }, { r: 2, alpha: 10, a: 0.5, b: 2 }, { r: 0.05, alpha: 300, a: 3, b: 0.2 }]) {
      const fast = countModelLogLikelihood('mbgnbd', p, data, 'weeks');
      const ref = mbgReference(p, data);
      assert.ok(Math.abs(fast - ref) < 1e-8 * Math.abs(ref), `${fast} vs ${ref}`);
    }
  });
});

/** The shop: 601 buyers, 60 of whom bought once more 7–30 days after their first order. */
function soonOrNeverShop(seed = 601): CustomerInput[] {
  const rng = seededRng(seed);
  const out: CustomerInput[] = [];
  for (let i = 0; i < 601; i++) {
    const first = 40 + Math.floor(rng.next() * 500);
    const days = [first];
    if (i < 60) days.push(first - (7 + Math.floor(rng.next() * 24)));
    out.push(customer(`c${i}`, days, 3000 + Math.floor(rng.next() * 5000)));
  }
  return out;
}

const finite = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

describe('fits that never go silently wrong', () => {
  it('the 601-buyer "second order soon or never" shop falls back to the cadence rule with a readable reason', () => {
    const a = analyzeShop(soonOrNeverShop(), defaultShopSettings, AS_OF);
    const m = a.calibration.models;
    assert.equal(m.method, 'cadence-fallback');
    // The BG/NBD optimum runs off to a → ∞ (b → 0); neither model is used.
    assert.ok(m.bgnbd !== null && m.bgnbd.a > 1e6, `a = ${m.bgnbd?.a}`);
    assert.match(m.fallbackReason!, /^the prediction models do not fit your order history \(BG\/NBD: the fit (ran to the edge of its range|is degenerate)/);
    assert.ok(!/NaN|Infinity|undefined/.test(m.fallbackReason!), m.fallbackReason!);
    assert.ok(finite(a.calibration.valueTiers.highMinClvMinor) && finite(a.calibration.valueTiers.mediumMinClvMinor));
    let n = 0;
    for (const p of a.profiles) {
      n++;
      const pr = p.predictions!;
      assert.equal(pr.method, 'cadence-fallback');
      assert.ok(finite(pr.expectedOrders90d) && finite(pr.clv12mMinor) && finite(pr.expectedAovMinor));
      const churn = p.memberships.find((x) => x.family === 'churn')!.explanation;
      assert.match(churn, /\(cadence rule; the prediction models do not fit your order history/);
      for (const mem of p.memberships) assert.ok(!/NaN|Infinity|undefined|null/.test(mem.explanation), mem.explanation);
    }
    assert.equal(n, 601);
  });

  it('declares a fit at the optimiser’s bound, at a degenerate corner or with non-finite numbers unusable', () => {
    const data = new BgNbdDataBuilder();
    data.add(0, 0, 100);
    data.add(2, 50, 100);
    const d = data.build();
    const fit = (over: Partial<BgNbdFit>): BgNbdFit => ({ model: 'bgnbd', r: 0.5, alpha: 5, a: 0.8, b: 2.4, logLikelihood: -10, timeUnit: 'weeks', converged: true, n: 2, iterations: 10, ...over });
    assert.equal(countModelFitProblem(fit({}), d, [90, 365]), null);
    assert.match(countModelFitProblem(fit({ converged: false }), d, [90])!, /did not settle/);
    assert.match(countModelFitProblem(fit({ a: Math.exp(24) }), d, [90])!, /edge of its range \(a = /);
    assert.match(countModelFitProblem(fit({ a: 7.7e5, b: 1.8e-9 }), d, [90])!, /degenerate.*stop buying after their next order/);
    assert.match(countModelFitProblem(fit({ logLikelihood: Number.NaN }), d, [90])!, /no finite likelihood/);
  });

  it('names the actual cause when a Gamma-Gamma fit is unusable', () => {
    const base = { p: 6, q: 3.7, gamma: 1500, logLikelihood: -100, valueUnit: 'minor' as const, converged: true, n: 100, iterations: 10 };
    assert.equal(gammaGammaProblem(base), null);
    // The issue: a non-converged fit with q = 9.71e8 was reported as "q must be > 1".
    const drifting = gammaGammaProblem({ ...base, q: 9.71e8, converged: false })!;
    assert.match(drifting, /did not settle on a best estimate/);
    assert.ok(!/must be > 1/.test(drifting));
    assert.match(gammaGammaProblem({ ...base, q: 0.8 })!, /q = 0\.800 ≤ 1.*unbounded average order value/);
    assert.match(gammaGammaProblem({ ...base, gamma: Math.exp(29) })!, /edge of its range \(gamma = /);
  });

  it('random shops (seeded) never yield NaN/Infinity predictions or explanations containing "NaN"', () => {
    const settings = settingsWith({ models: { minBuyers: 10, minRepeatBuyers: 5, minHistoryDays: 30, minGammaGammaCustomers: 5 } });
    const shop = fc.record({
      buyers: fc.integer({ min: 12, max: 120 }),
      repeatShare: fc.double({ min: 0, max: 1, noNaN: true }),
      maxGap: fc.integer({ min: 1, max: 400 }),
      maxOrders: fc.integer({ min: 2, max: 40 }),
      span: fc.integer({ min: 31, max: 1500 }),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      // Half the shops buy as BG/NBD says (so the model path is exercised), half at random gaps.
      truth: fc.option(fc.record({ r: fc.double({ min: 0.05, max: 5, noNaN: true }), alpha: fc.double({ min: 1, max: 200, noNaN: true }), a: fc.double({ min: 0.05, max: 5, noNaN: true }), b: fc.double({ min: 0.05, max: 20, noNaN: true }) }), { freq: 2 }),
    });
    let modelShops = 0;
    fc.assert(
      fc.property(shop, (o) => {
        const rng = seededRng(o.seed);
        const customers: CustomerInput[] = [];
        for (let i = 0; i < o.buyers; i++) {
          let day = Math.floor(rng.next() * o.span);
          const days = [day];
          if (o.truth) {
            const bought = [...new Set(simulateBgNbdPurchases(rng, o.truth, day).map(Math.floor))];
            customers.push(customer(`c${i}`, bought.map((d) => day - d), 100 + Math.floor(rng.next() * 20000)));
            continue;
          }
          if (rng.next() < o.repeatShare) {
            const extra = 1 + Math.floor(rng.next() * (o.maxOrders - 1));
            for (let k = 0; k < extra && day > 0; k++) {
              day = Math.max(0, day - 1 - Math.floor(rng.next() * o.maxGap));
              days.push(day);
            }
          }
          customers.push(customer(`c${i}`, days, 100 + Math.floor(rng.next() * 20000)));
        }
        const a = analyzeShop(customers, settings, AS_OF);
        if (a.calibration.models.method !== 'cadence-fallback') modelShops++;
        const v = a.calibration.valueTiers;
        assert.ok(finite(v.highMinClvMinor) && finite(v.mediumMinClvMinor), JSON.stringify(v));
        for (const p of a.profiles) {
          const pr = p.predictions!;
          for (const k of ['expectedOrders90d', 'clv12mMinor', 'expectedAovMinor'] as const) assert.ok(finite(pr[k]), `${k} = ${pr[k]}`);
          if (pr.method !== 'cadence-fallback') assert.ok(finite(pr.pAlive) && finite(pr.churnProbability), JSON.stringify(pr));
          assert.ok(pr.predictedNextOrderAt === null || finite(pr.predictedNextOrderAt));
          for (const m of p.memberships) assert.ok(!/NaN|Infinity/.test(m.explanation), m.explanation);
        }
      }),
      { seed: 1402, numRuns: 60 },
    );
    assert.ok(modelShops > 10, `${modelShops} of 60 shops used a model`);
  });
});
