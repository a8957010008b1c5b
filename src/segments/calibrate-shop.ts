// Shop-level calibration: everything that depends on the whole customer base (adaptive thresholds,
// RFM cut points, model fits, reorder intervals). Plain JSON; the pipeline stores it with its date
// and keeps the history. Computed once per recalibration, then customers are segmented one by one.
import { fitBgNbd, BgNbdDataBuilder } from './bgnbd.ts';
import { dayOf, formatDay } from './calendar.ts';
import { summarizeCustomer } from './customer-summary.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { fitGammaGamma } from './gamma-gamma.ts';
import { adaptiveLoyaltyThresholds } from './loyalty-thresholds.ts';
import type { LoyaltyThresholds } from './loyalty-thresholds.ts';
import { medianOfSorted, sortedAscending, topShareThreshold } from './percentiles.ts';
import { predictClv } from './predictions.ts';
import type { ModelCalibration } from './predictions.ts';
import { ReplenishmentLearner } from './replenishment.ts';
import type { ReplenishmentCalibration } from './replenishment.ts';
import { quintileScale } from './rfm-scores.ts';
import type { RfmBreakpoints } from './rfm-scores.ts';
import type { ShopSettings } from './settings.ts';
import type { CustomerInput } from './types.ts';

export interface ThresholdChange {
  name: string;
  from: number;
  to: number;
}

export interface Calibration {
  version: 1;
  asOf: number;
  /** YYYY-MM-DD of asOf in the shop's offset: the date explanations cite ("thresholds of …"). */
  date: string;
  customers: number;
  buyers: number;
  prospects: number;
  orders: number;
  /** Orders excluded by the rules. */
  ignoredOrders: number;
  /** Orders placed after asOf. */
  laterOrders: number;
  loyalty: LoyaltyThresholds;
  rfm: RfmBreakpoints;
  models: ModelCalibration;
  valueTiers: { highMinClvMinor: number; mediumMinClvMinor: number };
  bigSpender: { minAovMinor: number };
  replenishment: ReplenishmentCalibration;
  /** Thresholds that moved since the previous calibration (empty without one). */
  changes: ThresholdChange[];
}

/** FNV-1a: a stable hash of the customer id, so the fit sample never depends on input order. */
function hashUnit(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 4_294_967_296;
}

function fitModels(buyers: CustomerSummary[], settings: ShopSettings, asOfDay: number): ModelCalibration {
  const ms = settings.models;
  const gaps: number[] = [];
  let repeat = 0;
  let earliest = asOfDay;
  for (const s of buyers) {
    earliest = Math.min(earliest, s.firstDay);
    if (s.purchaseDays >= 2) {
      repeat++;
      gaps.push((s.lastDay - s.firstDay) / (s.purchaseDays - 1));
    }
  }
  const typicalIntervalDays = gaps.length ? Math.max(1, medianOfSorted(sortedAscending(gaps))) : settings.churn.fallbackDefaultIntervalDays;
  const base: ModelCalibration = { method: 'cadence-fallback', fallbackReason: null, bgnbd: null, gammaGamma: null, gammaGammaFallbackReason: null, typicalIntervalDays };
  const sampleShare = Math.min(1, ms.maxFitCustomers / Math.max(1, buyers.length));
  const inSample = (s: CustomerSummary): boolean => sampleShare >= 1 || hashUnit(s.customerId) < sampleShare;

  const history = asOfDay - earliest;
  let reason: string | null = null;
  if (buyers.length < ms.minBuyers) reason = `too little data for BG/NBD: ${buyers.length} buyers < ${ms.minBuyers}`;
  else if (repeat < ms.minRepeatBuyers) reason = `too little data for BG/NBD: ${repeat} repeat buyers < ${ms.minRepeatBuyers}`;
  else if (history < ms.minHistoryDays) reason = `too little data for BG/NBD: ${history} days of history < ${ms.minHistoryDays}`;
  if (reason === null) {
    const builder = new BgNbdDataBuilder();
    for (const s of buyers) if (inSample(s)) builder.add(s.purchaseDays - 1, s.lastDay - s.firstDay, asOfDay - s.firstDay);
    const fit = fitBgNbd(builder.build(), ms.timeUnit);
    const finite = [fit.r, fit.alpha, fit.a, fit.b, fit.logLikelihood].every(Number.isFinite);
    if (!fit.converged || !finite) reason = `BG/NBD fit did not converge (log-likelihood ${fit.logLikelihood.toFixed(1)})`;
    base.bgnbd = fit;
    if (reason === null) base.method = 'bgnbd';
  }
  base.fallbackReason = reason;

  const gg: Array<[number, number]> = [];
  for (const s of buyers) {
    const x = s.purchaseDays - 1;
    if (x > 0 && s.repeatSpendMinor > 0 && inSample(s)) gg.push([x, s.repeatSpendMinor / x]);
  }
  gg.sort((p, q) => p[0] - q[0] || p[1] - q[1]); // input-order independent float sums
  if (gg.length < ms.minGammaGammaCustomers) {
    base.gammaGammaFallbackReason = `too few repeat buyers for Gamma-Gamma: ${gg.length} < ${ms.minGammaGammaCustomers}; expected order value = own average`;
  } else {
    const fit = fitGammaGamma({ x: Float64Array.from(gg, (r) => r[0]), meanValue: Float64Array.from(gg, (r) => r[1]) });
    if (!fit.converged || !(fit.q > 1) || !Number.isFinite(fit.logLikelihood)) {
      base.gammaGammaFallbackReason = `Gamma-Gamma fit unusable (converged ${fit.converged}, q ${fit.q.toPrecision(3)} must be > 1); expected order value = own average`;
      base.gammaGamma = null;
    } else base.gammaGamma = fit;
  }
  return base;
}

function diff(prev: Calibration | undefined, next: Omit<Calibration, 'changes'>): ThresholdChange[] {
  if (prev === undefined) return [];
  const pairs: Array<[string, number, number]> = [
    ['loyalty.frequentMinOrders', prev.loyalty.frequentMinOrders, next.loyalty.frequentMinOrders],
    ['loyalty.vipMinOrders', prev.loyalty.vipMinOrders, next.loyalty.vipMinOrders],
    ['loyalty.vipMinSpendMinor', prev.loyalty.vipMinSpendMinor, next.loyalty.vipMinSpendMinor],
    ['bigSpender.minAovMinor', prev.bigSpender.minAovMinor, next.bigSpender.minAovMinor],
    ['valueTiers.highMinClvMinor', prev.valueTiers.highMinClvMinor, next.valueTiers.highMinClvMinor],
    ['valueTiers.mediumMinClvMinor', prev.valueTiers.mediumMinClvMinor, next.valueTiers.mediumMinClvMinor],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([name, from, to]) => ({ name, from, to }));
}

/** Calibrates from precomputed summaries (analyzeShop uses this to summarise each customer once). */
export function calibrateFromSummaries(summaries: readonly CustomerSummary[], settings: ShopSettings, asOf: number, previous?: Calibration): Calibration {
  const asOfDay = dayOf(asOf, settings);
  const buyers = summaries.filter((s) => s.orders > 0);
  const n = buyers.length;
  const orders = new Float64Array(n);
  const spend = new Float64Array(n);
  const recency = new Float64Array(n);
  const aov = new Float64Array(n);
  const learner = new ReplenishmentLearner();
  let orderTotal = 0;
  let ignored = 0;
  let later = 0;
  for (const s of summaries) {
    ignored += s.ignoredOrders;
    later += s.laterOrders;
  }
  let latestOrderDay = Number.NEGATIVE_INFINITY;
  for (const s of buyers) latestOrderDay = Math.max(latestOrderDay, s.lastDay);
  const referenceDay = settings.rfm.recencyReference === 'latest-order' && n > 0 ? latestOrderDay : null;
  buyers.forEach((s, i) => {
    orders[i] = s.orders;
    spend[i] = s.spendMinor;
    recency[i] = (referenceDay ?? asOfDay) - s.lastDay;
    aov[i] = s.spendMinor / s.orders;
    orderTotal += s.orders;
    learner.add(s);
  });
  orders.sort();
  spend.sort();
  recency.sort();
  aov.sort();
  const models = fitModels(buyers, settings, asOfDay);
  const clv = new Float64Array(n);
  buyers.forEach((s, i) => {
    clv[i] = predictClv(s, models, settings, asOfDay);
  });
  clv.sort();
  const vt = settings.valueTiers;
  const cal: Omit<Calibration, 'changes'> = {
    version: 1,
    asOf,
    date: formatDay(asOfDay),
    customers: summaries.length,
    buyers: n,
    prospects: summaries.length - n,
    orders: orderTotal,
    ignoredOrders: ignored,
    laterOrders: later,
    loyalty: adaptiveLoyaltyThresholds(orders, spend, settings, asOfDay),
    rfm: { recencyDays: quintileScale(recency, true), frequency: quintileScale(orders, false), monetaryMinor: quintileScale(spend, false), referenceDay },
    models,
    valueTiers: {
      highMinClvMinor: n ? topShareThreshold(clv, vt.highTopShare) : 0,
      mediumMinClvMinor: n ? topShareThreshold(clv, vt.mediumTopShare) : 0,
    },
    bigSpender: { minAovMinor: n ? topShareThreshold(aov, settings.behaviour.bigSpenderTopShare) : 0 },
    replenishment: learner.finish(settings),
  };
  return { ...cal, changes: diff(previous, cal) };
}

export function calibrateShop(customers: Iterable<CustomerInput>, settings: ShopSettings, asOf: number, previous?: Calibration): Calibration {
  const summaries: CustomerSummary[] = [];
  for (const c of customers) summaries.push(summarizeCustomer(c, settings, asOf));
  return calibrateFromSummaries(summaries, settings, asOf, previous);
}
