// Per-customer predictions: the shop's selected count model (BG/NBD or MBG/NBD) + Gamma-Gamma when its
// fit is usable, otherwise the documented cadence rule. Used by calibration (to place value-tier
// thresholds) and segmentation. A model prediction that is not finite for a customer falls back to the
// cadence rule for that customer, with the reason: no NaN ever reaches a profile or an explanation.
import { countModelExpectedPurchases, countModelMedianTimeToNext, countModelProbabilityAlive, countModelProbabilityNoPurchase, unitDays } from './bgnbd.ts';
import type { BgNbdFit, CountModelKind } from './bgnbd.ts';
import type { BacktestResult } from './backtest.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { gammaGammaExpectedValue } from './gamma-gamma.ts';
import type { GammaGammaFit } from './gamma-gamma.ts';
import type { ShopSettings } from './settings.ts';
import { explanationText, message, type ExplanationMsg } from './explanation.ts';

export type ChurnRisk = 'high' | 'medium' | 'low';
export type PredictionMethod = CountModelKind | 'cadence-fallback';

export interface ModelCalibration {
  method: PredictionMethod;
  /** Why the cadence fallback is used (null with a model). */
  fallbackReason: string | null;
  /** The same as a message (absent in calibrations stored before it). */
  fallbackReasonMsg?: ExplanationMsg | null;
  bgnbd: BgNbdFit | null;
  /** Absent in calibrations stored before MBG/NBD. */
  mbgnbd?: BgNbdFit | null;
  /** Why each fitted model is unusable (absent = usable or not fitted). */
  fitProblems?: Partial<Record<CountModelKind, string>>;
  /** How the model was chosen: the backtest on the shop's most recent history, when there was enough. */
  selection?: ModelSelection | null;
  /** null when there were too few repeat buyers: expected AOV is then the customer's own AOV. */
  gammaGamma: GammaGammaFit | null;
  gammaGammaFallbackReason: string | null;
  /** Cadence rule: median of repeat buyers' mean days between purchase days. */
  typicalIntervalDays: number;
}

export interface ModelSelection {
  /** Why this model (or the cadence rule): a sentence a store owner can read. */
  reason: string;
  /** The same as a message (absent in calibrations stored before it). */
  reasonMsg?: ExplanationMsg;
  /** The backtest that chose it, null when there was not enough history to hold out. */
  backtest: BacktestResult | null;
}

/** The fit predictions use, or null under the cadence rule. */
export function activeFit(m: ModelCalibration): BgNbdFit | null {
  if (m.method === 'mbgnbd') return m.mbgnbd ?? null;
  if (m.method === 'bgnbd') return m.bgnbd;
  return null;
}

export interface Predictions {
  method: PredictionMethod;
  /** Why the cadence rule was used for this customer (null with a model). */
  fallbackReason: string | null;
  /** The same as a message (null with a model, or under a calibration stored before messages). */
  fallbackReasonMsg: ExplanationMsg | null;
  /** BG/NBD P(alive); null under the cadence fallback. 1 for one-time buyers (a property of the model). */
  pAlive: number | null;
  /** Probability of no order within settings.churn.horizonDays (null under the cadence fallback). */
  churnProbability: number | null;
  churnRisk: ChurnRisk;
  expectedOrders90d: number;
  /** Median time to the next order (BG/NBD) or last order + typical interval (cadence); null if unlikely. */
  predictedNextOrderAt: number | null;
  expectedAovMinor: number;
  clv12mMinor: number;
  /** Days since last order / interval, cadence fallback only. */
  intervalsSinceLastOrder: number | null;
  intervalDays: number | null;
}

/** Inputs in the model's own units, from whole days. */
export function modelInputs(s: CustomerSummary, asOfDay: number) {
  return { x: s.purchaseDays - 1, txDays: s.lastDay - s.firstDay, tDays: asOfDay - s.firstDay };
}

export function churnLevel(pNoOrder: number, settings: ShopSettings): ChurnRisk {
  return pNoOrder >= settings.churn.highAtLeast ? 'high' : pNoOrder >= settings.churn.mediumAtLeast ? 'medium' : 'low';
}

export function cadenceInterval(s: CustomerSummary, m: ModelCalibration): number {
  // Two or more gaps of their own: use them; otherwise the shop's typical interval.
  return s.purchaseDays >= 3 ? (s.lastDay - s.firstDay) / (s.purchaseDays - 1) : m.typicalIntervalDays;
}

export function cadenceChurnLevel(intervals: number, settings: ShopSettings): ChurnRisk {
  const c = settings.churn;
  return intervals >= c.fallbackHighAfterIntervals ? 'high' : intervals >= c.fallbackMediumAfterIntervals ? 'medium' : 'low';
}

export function expectedAov(s: CustomerSummary, m: ModelCalibration): number {
  const x = s.purchaseDays - 1;
  if (m.gammaGamma !== null) return gammaGammaExpectedValue(m.gammaGamma, x, x > 0 ? s.repeatSpendMinor / x : 0);
  // Own value per purchase day, consistent with BG/NBD counting purchase days.
  return s.spendMinor / Math.max(1, s.purchaseDays);
}

function cadencePredictions(s: CustomerSummary, m: ModelCalibration, settings: ShopSettings, asOfDay: number, dayMs: (day: number) => number, aov: number, reasonMsg: ExplanationMsg | null, reason = reasonMsg && explanationText(reasonMsg)): Predictions {
  const interval = Math.max(1, cadenceInterval(s, m));
  const since = asOfDay - s.lastDay;
  const intervals = since / interval;
  const level = cadenceChurnLevel(intervals, settings);
  const active = level !== 'high';
  return {
    method: 'cadence-fallback',
    fallbackReason: reason,
    fallbackReasonMsg: reasonMsg,
    pAlive: null,
    churnProbability: null,
    churnRisk: level,
    expectedOrders90d: active ? 90 / interval : 0,
    predictedNextOrderAt: active ? dayMs(Math.max(asOfDay, s.lastDay + Math.round(interval))) : null,
    expectedAovMinor: Math.round(aov),
    clv12mMinor: active ? Math.round((365 / interval) * aov) : 0,
    intervalsSinceLastOrder: intervals,
    intervalDays: interval,
  };
}

const UNPREDICTABLE = message('models.unpredictable');

export function predictCustomer(s: CustomerSummary, m: ModelCalibration, settings: ShopSettings, asOfDay: number, dayMs: (day: number) => number): Predictions {
  const aov = expectedAov(s, m);
  const p = activeFit(m);
  if (p !== null) {
    const u = unitDays(p.timeUnit);
    const { x, txDays, tDays } = modelInputs(s, asOfDay);
    const tx = txDays / u;
    const T = tDays / u;
    const pAlive = countModelProbabilityAlive(p, x, tx, T);
    const pNo = countModelProbabilityNoPurchase(p, settings.churn.horizonDays / u, x, tx, T);
    const e90 = countModelExpectedPurchases(p, 90 / u, x, tx, T);
    const e365 = countModelExpectedPurchases(p, 365 / u, x, tx, T);
    const median = countModelMedianTimeToNext(p, x, tx, T);
    const nextDays = median === null ? null : median * u;
    const clv = Math.round(e365 * aov);
    if ([pAlive, pNo, e90, clv].every(Number.isFinite) && (nextDays === null || Number.isFinite(nextDays))) {
      return {
        method: p.model ?? 'bgnbd',
        fallbackReason: null,
        fallbackReasonMsg: null,
        pAlive,
        churnProbability: pNo,
        churnRisk: churnLevel(pNo, settings),
        expectedOrders90d: e90,
        predictedNextOrderAt: nextDays === null || nextDays > 3650 ? null : dayMs(asOfDay + Math.max(0, Math.round(nextDays))),
        expectedAovMinor: Math.round(aov),
        clv12mMinor: clv,
        intervalsSinceLastOrder: null,
        intervalDays: null,
      };
    }
    return cadencePredictions(s, m, settings, asOfDay, dayMs, aov, UNPREDICTABLE);
  }
  return cadencePredictions(s, m, settings, asOfDay, dayMs, aov, m.fallbackReasonMsg ?? null, m.fallbackReason);
}

/** Just the 12-month value (what calibration needs for the value-tier thresholds); equals predictCustomer(...).clv12mMinor. */
export function predictClv(s: CustomerSummary, m: ModelCalibration, settings: ShopSettings, asOfDay: number): number {
  const aov = expectedAov(s, m);
  const p = activeFit(m);
  if (p !== null) {
    const u = unitDays(p.timeUnit);
    const { x, txDays, tDays } = modelInputs(s, asOfDay);
    const clv = Math.round(countModelExpectedPurchases(p, 365 / u, x, txDays / u, tDays / u) * aov);
    if (Number.isFinite(clv)) return clv;
  }
  const interval = Math.max(1, cadenceInterval(s, m));
  const active = cadenceChurnLevel((asOfDay - s.lastDay) / interval, settings) !== 'high';
  return active ? Math.round((365 / interval) * aov) : 0;
}

/** First day after asOfDay on which the churn level changes with no new order, or null within 10 years. */
export function nextChurnChangeDay(s: CustomerSummary, m: ModelCalibration, settings: ShopSettings, asOfDay: number, current: ChurnRisk): number | null {
  if (current === 'high') return null; // risk only grows without orders
  const p = activeFit(m);
  if (p === null) {
    const interval = Math.max(1, cadenceInterval(s, m));
    const mult = current === 'low' ? settings.churn.fallbackMediumAfterIntervals : settings.churn.fallbackHighAfterIntervals;
    return Math.max(asOfDay + 1, s.lastDay + Math.ceil(interval * mult));
  }
  const u = unitDays(p.timeUnit);
  const { x, txDays } = modelInputs(s, asOfDay);
  const levelAt = (day: number): ChurnRisk =>
    churnLevel(countModelProbabilityNoPurchase(p, settings.churn.horizonDays / u, x, txDays / u, (day - s.firstDay) / u), settings);
  let hi = 3650;
  if (levelAt(asOfDay + hi) === current) return null;
  let lo = 0; // levelAt(asOfDay + lo) === current, levelAt(asOfDay + hi) !== current (monotone in T)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (levelAt(asOfDay + mid) === current) lo = mid;
    else hi = mid;
  }
  return asOfDay + hi;
}
