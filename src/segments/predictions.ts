// Per-customer predictions: BG/NBD + Gamma-Gamma when the shop's fit is usable, otherwise the
// documented cadence rule. Used by calibration (to place value-tier thresholds) and segmentation.
import { bgnbdExpectedPurchases, bgnbdMedianTimeToNext, bgnbdProbabilityAlive, bgnbdProbabilityNoPurchase, unitDays } from './bgnbd.ts';
import type { BgNbdFit } from './bgnbd.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { gammaGammaExpectedValue } from './gamma-gamma.ts';
import type { GammaGammaFit } from './gamma-gamma.ts';
import type { ShopSettings } from './settings.ts';

export type ChurnRisk = 'high' | 'medium' | 'low';
export type PredictionMethod = 'bgnbd' | 'cadence-fallback';

export interface ModelCalibration {
  method: PredictionMethod;
  /** Why the cadence fallback is used (null with BG/NBD). */
  fallbackReason: string | null;
  bgnbd: BgNbdFit | null;
  /** null when there were too few repeat buyers: expected AOV is then the customer's own AOV. */
  gammaGamma: GammaGammaFit | null;
  gammaGammaFallbackReason: string | null;
  /** Cadence rule: median of repeat buyers' mean days between purchase days. */
  typicalIntervalDays: number;
}

export interface Predictions {
  method: PredictionMethod;
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

export function predictCustomer(s: CustomerSummary, m: ModelCalibration, settings: ShopSettings, asOfDay: number, dayMs: (day: number) => number): Predictions {
  const aov = expectedAov(s, m);
  if (m.method === 'bgnbd' && m.bgnbd !== null) {
    const p = m.bgnbd;
    const u = unitDays(p.timeUnit);
    const { x, txDays, tDays } = modelInputs(s, asOfDay);
    const tx = txDays / u;
    const T = tDays / u;
    const pAlive = bgnbdProbabilityAlive(p, x, tx, T);
    const pNo = bgnbdProbabilityNoPurchase(p, settings.churn.horizonDays / u, x, tx, T);
    const e90 = bgnbdExpectedPurchases(p, 90 / u, x, tx, T);
    const e365 = bgnbdExpectedPurchases(p, 365 / u, x, tx, T);
    const median = bgnbdMedianTimeToNext(p, x, tx, T);
    const nextDays = median === null ? null : median * u;
    return {
      method: 'bgnbd',
      pAlive,
      churnProbability: pNo,
      churnRisk: churnLevel(pNo, settings),
      expectedOrders90d: e90,
      predictedNextOrderAt: nextDays === null || nextDays > 3650 ? null : dayMs(asOfDay + Math.max(0, Math.round(nextDays))),
      expectedAovMinor: Math.round(aov),
      clv12mMinor: Math.round(e365 * aov),
      intervalsSinceLastOrder: null,
      intervalDays: null,
    };
  }
  const interval = Math.max(1, cadenceInterval(s, m));
  const since = asOfDay - s.lastDay;
  const intervals = since / interval;
  const level = cadenceChurnLevel(intervals, settings);
  const active = level !== 'high';
  return {
    method: 'cadence-fallback',
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

/** Just the 12-month value (what calibration needs for the value-tier thresholds); equals predictCustomer(...).clv12mMinor. */
export function predictClv(s: CustomerSummary, m: ModelCalibration, settings: ShopSettings, asOfDay: number): number {
  const aov = expectedAov(s, m);
  if (m.method === 'bgnbd' && m.bgnbd !== null) {
    const u = unitDays(m.bgnbd.timeUnit);
    const { x, txDays, tDays } = modelInputs(s, asOfDay);
    return Math.round(bgnbdExpectedPurchases(m.bgnbd, 365 / u, x, txDays / u, tDays / u) * aov);
  }
  const interval = Math.max(1, cadenceInterval(s, m));
  const active = cadenceChurnLevel((asOfDay - s.lastDay) / interval, settings) !== 'high';
  return active ? Math.round((365 / interval) * aov) : 0;
}

/** First day after asOfDay on which the churn level changes with no new order, or null within 10 years. */
export function nextChurnChangeDay(s: CustomerSummary, m: ModelCalibration, settings: ShopSettings, asOfDay: number, current: ChurnRisk): number | null {
  if (current === 'high') return null; // risk only grows without orders
  if (m.method === 'cadence-fallback' || m.bgnbd === null) {
    const interval = Math.max(1, cadenceInterval(s, m));
    const mult = current === 'low' ? settings.churn.fallbackMediumAfterIntervals : settings.churn.fallbackHighAfterIntervals;
    return Math.max(asOfDay + 1, s.lastDay + Math.ceil(interval * mult));
  }
  const p = m.bgnbd;
  const u = unitDays(p.timeUnit);
  const { x, txDays } = modelInputs(s, asOfDay);
  const levelAt = (day: number): ChurnRisk =>
    churnLevel(bgnbdProbabilityNoPurchase(p, settings.churn.horizonDays / u, x, txDays / u, (day - s.firstDay) / u), settings);
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
