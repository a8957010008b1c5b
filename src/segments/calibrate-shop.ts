// Shop-level calibration: everything that depends on the whole customer base (adaptive thresholds,
// RFM cut points, model fits, reorder intervals). Plain JSON; the pipeline stores it with its date
// and keeps the history. Computed once per recalibration, then customers are segmented one by one.
import { MODEL_NAMES } from './bgnbd.ts';
import type { CountModelKind } from './bgnbd.ts';
import { backtestWindow, runBacktest } from './backtest.ts';
import { dayOf, formatDay } from './calendar.ts';
import { summarizeAll } from './customer-summary.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { describeProblemsMsg, fitAllModels, noModelReasonMsg, usableModels } from './fit-models.ts';
import { explanationText, message, type ExplanationMsg } from './explanation.ts';
import { adaptiveLoyaltyThresholds } from './loyalty-thresholds.ts';
import type { LoyaltyThresholds } from './loyalty-thresholds.ts';
import { topShareThreshold } from './percentiles.ts';
import { predictClv } from './predictions.ts';
import type { ModelCalibration } from './predictions.ts';
import { ReplenishmentLearner } from './replenishment.ts';
import type { ReplenishmentCalibration } from './replenishment.ts';
import { quintileScale } from './rfm-scores.ts';
import type { RfmBreakpoints } from './rfm-scores.ts';
import type { ShopSettings } from './settings.ts';
import { calibrateSignals, type SignalCalibration } from './intent-segments.ts';
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
  /** Items-per-order cut points and product launch days (intent-segments.ts); absent in calibrations stored before them. */
  signals?: SignalCalibration;
  /** Thresholds that moved since the previous calibration (empty without one). */
  changes: ThresholdChange[];
}

function chooseModel(summaries: readonly CustomerSummary[], buyers: readonly CustomerSummary[], settings: ShopSettings, asOfDay: number): ModelCalibration {
  const fitted = fitAllModels(buyers, settings, asOfDay);
  const usable = usableModels(fitted);
  const models: ModelCalibration = {
    method: 'cadence-fallback',
    fallbackReason: null,
    bgnbd: fitted.fits.bgnbd ?? null,
    mbgnbd: fitted.fits.mbgnbd ?? null,
    fitProblems: fitted.problems,
    selection: null,
    gammaGamma: fitted.gammaGamma,
    gammaGammaFallbackReason: fitted.gammaGammaFallbackReason,
    typicalIntervalDays: fitted.typicalIntervalDays,
  };
  const fallBack = (msg: ExplanationMsg): void => {
    Object.assign(models, { fallbackReason: explanationText(msg), fallbackReasonMsg: msg });
  };
  if (usable.length === 0) {
    fallBack(noModelReasonMsg(fitted));
    return models;
  }
  const choice = settings.models.choice;
  const window = backtestWindow(summaries, settings, asOfDay);
  const backtest = 'splitDay' in window ? runBacktest(summaries, settings, window.splitDay, window.untilDay, choice === 'backtest' ? usable : usable.filter((k) => k === choice)) : null;
  let method: CountModelKind;
  let reason: ExplanationMsg;
  if (choice !== 'backtest') {
    if (!usable.includes(choice)) {
      const problem = fitted.problemMsgs[choice];
      fallBack(message('models.settingsAsk', { model: MODEL_NAMES[choice], problem: { msg: problem ?? message('models.notFitted') } }));
      models.selection = { reason: models.fallbackReason!, reasonMsg: models.fallbackReasonMsg!, backtest };
      return models;
    }
    method = choice;
    reason = message('models.chosenInSettings', { model: MODEL_NAMES[choice] });
  } else if (backtest !== null && backtest.selected !== null && usable.includes(backtest.selected)) {
    method = backtest.selected;
    reason = backtest.reasonMsg!;
  } else {
    method = usable[0]!;
    const why = backtest === null ? (window as { reasonMsg: ExplanationMsg }).reasonMsg : backtest.reasonMsg!;
    reason = usable.length > 1
      ? message('models.defaultChoice', { model: MODEL_NAMES[method], why: { msg: why } })
      : message('models.onlyFits', { model: MODEL_NAMES[method], problems: describeProblemsMsg(fitted.problemMsgs) });
  }
  models.method = method;
  models.selection = { reason: explanationText(reason), reasonMsg: reason, backtest };
  return models;
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
  const models = chooseModel(summaries, buyers, settings, asOfDay);
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
    signals: calibrateSignals(buyers, settings),
  };
  return { ...cal, changes: diff(previous, cal) };
}

export function calibrateShop(customers: Iterable<CustomerInput>, settings: ShopSettings, asOf: number, previous?: Calibration): Calibration {
  return calibrateFromSummaries(summarizeAll(customers, settings, asOf), settings, asOf, previous);
}
