// The backtest: fit every model on the history up to a split day, predict each customer's repeat purchases
// (purchase days, as the models count them), churn and spend from the split to a later day, and compare
// with what happened — the calibration/holdout comparison of Fader, Hardie & Lee (2005, figs. 4–5) and
// Batislam et al. (2007). Used by `segments backtest` and by every shop calibration to choose its model.
// Pure: the history is replayed from each customer's purchase-day list (CustomerSummary.dayList).
import { COUNT_MODELS, countModelExpectedPurchases, countModelProbabilityNoPurchase, MODEL_NAMES, unitDays } from './bgnbd.ts';
import type { BgNbdFit, CountModelKind } from './bgnbd.ts';
import { formatDay } from './calendar.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { fitAllModels, noModelReasonMsg, usableModels } from './fit-models.ts';
import { count as countOf, explanationText, message, nested, type ExplanationMsg, type ExplanationParam } from './explanation.ts';
import type { FittedModels, ModelSummary } from './fit-models.ts';
import { gammaGammaExpectedValue } from './gamma-gamma.ts';
import type { ShopSettings } from './settings.ts';

export interface BacktestFigures {
  parameters: { r: number; alpha: number; a: number; b: number; timeUnit: 'days' | 'weeks' };
  logLikelihood: number;
  /** Repeat purchases (purchase days) predicted / made by the calibration-period customers in the holdout. */
  predicted: number;
  actual: number;
  /** (predicted - actual) / actual × 100: negative = predicted too low. */
  errorPct: number;
  /** By repeat purchases in the calibration period (0…6, "7+"): mean predicted and actual holdout repeat purchases per customer. */
  byFrequency: Array<{ x: number | '7+'; customers: number; predicted: number; actual: number }>;
  /** P(no purchase in the holdout) against what happened: Brier score and calibration by tenths. */
  churn: { brier: number; calibration: Array<{ bucket: string; customers: number; predicted: number; actual: number }> };
  spend: { predictedMinor: number; actualMinor: number };
}

export interface BacktestResult {
  /** Last day of the calibration period and of the holdout (YYYY-MM-DD). */
  split: string;
  until: string;
  holdoutDays: number;
  /** Customers with a purchase by the split: the ones predicted. */
  customers: number;
  models: Partial<Record<CountModelKind, BacktestFigures>>;
  /** Usable model closest to what happened (lowest mean absolute error by frequency), or null. */
  selected: CountModelKind | null;
  /** Why each model could not be backtested (fit unusable on the calibration period). */
  problems: Partial<Record<CountModelKind, string>>;
  /** Why `selected`, in words (or why nothing could be selected). */
  reason: string;
  /** The same as a message (absent in calibrations stored before it). */
  reasonMsg?: ExplanationMsg;
}

/** A customer's history replayed as of a day: the model summary then, and the purchases after it. */
interface Replay {
  summary: ModelSummary;
  holdoutPurchases: number;
  holdoutSpendMinor: number;
}

function replay(s: CustomerSummary, splitDay: number, untilDay: number): Replay | null {
  const days = s.dayList;
  if (days.length === 0 || days[0]! > splitDay) return null;
  let n = 0;
  let spend = 0;
  let repeatSpend = 0;
  while (n < days.length && days[n]! <= splitDay) {
    spend += s.daySpendMinor[n]!;
    if (n > 0) repeatSpend += s.daySpendMinor[n]!;
    n++;
  }
  let holdout = 0;
  let holdoutSpend = 0;
  for (let i = n; i < days.length && days[i]! <= untilDay; i++) {
    holdout++;
    holdoutSpend += s.daySpendMinor[i]!;
  }
  return {
    summary: { customerId: s.customerId, purchaseDays: n, firstDay: days[0]!, lastDay: days[n - 1]!, repeatSpendMinor: repeatSpend, spendMinor: spend },
    holdoutPurchases: holdout,
    holdoutSpendMinor: holdoutSpend,
  };
}

const FREQUENCY_GROUPS = 8; // 0…6 and 7+

function figures(fit: BgNbdFit, fitted: FittedModels, rows: readonly Replay[], splitDay: number, holdoutDays: number): BacktestFigures {
  const u = unitDays(fit.timeUnit);
  const t = holdoutDays / u;
  const groups = Array.from({ length: FREQUENCY_GROUPS }, () => ({ customers: 0, predicted: 0, actual: 0 }));
  const buckets = Array.from({ length: 10 }, () => ({ customers: 0, predicted: 0, actual: 0 }));
  let predicted = 0;
  let actual = 0;
  let brier = 0;
  let spendPredicted = 0;
  let spendActual = 0;
  for (const r of rows) {
    const s = r.summary;
    const x = s.purchaseDays - 1;
    const tx = (s.lastDay - s.firstDay) / u;
    const T = (splitDay - s.firstDay) / u;
    const e = countModelExpectedPurchases(fit, t, x, tx, T);
    const none = countModelProbabilityNoPurchase(fit, t, x, tx, T);
    predicted += e;
    actual += r.holdoutPurchases;
    const g = groups[Math.min(x, FREQUENCY_GROUPS - 1)]!;
    g.customers++;
    g.predicted += e;
    g.actual += r.holdoutPurchases;
    const died = r.holdoutPurchases === 0 ? 1 : 0;
    brier += (none - died) ** 2;
    const b = buckets[Math.min(9, Math.floor(none * 10))]!;
    b.customers++;
    b.predicted += none;
    b.actual += died;
    const gg = fitted.gammaGamma;
    const aov = gg !== null ? gammaGammaExpectedValue(gg, x, x > 0 ? s.repeatSpendMinor / x : 0) : s.spendMinor / Math.max(1, s.purchaseDays);
    spendPredicted += e * aov;
    spendActual += r.holdoutSpendMinor;
  }
  const mean = (sum: number, n: number): number => (n > 0 ? sum / n : 0);
  return {
    parameters: { r: fit.r, alpha: fit.alpha, a: fit.a, b: fit.b, timeUnit: fit.timeUnit },
    logLikelihood: fit.logLikelihood,
    predicted,
    actual,
    errorPct: actual > 0 ? ((predicted - actual) / actual) * 100 : 0,
    byFrequency: groups.map((g, i) => ({ x: i === FREQUENCY_GROUPS - 1 ? ('7+' as const) : i, customers: g.customers, predicted: mean(g.predicted, g.customers), actual: mean(g.actual, g.customers) })),
    churn: {
      brier: mean(brier, rows.length),
      calibration: buckets.flatMap((b, i) => (b.customers ? [{ bucket: `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`, customers: b.customers, predicted: b.predicted / b.customers, actual: b.actual / b.customers }] : [])),
    },
    spend: { predictedMinor: Math.round(spendPredicted), actualMinor: spendActual },
  };
}

/** Mean absolute error per customer of the by-frequency comparison: the selection criterion. */
export function frequencyError(f: BacktestFigures): number {
  let n = 0;
  let err = 0;
  for (const g of f.byFrequency) {
    n += g.customers;
    err += g.customers * Math.abs(g.predicted - g.actual);
  }
  return n > 0 ? err / n : 0;
}

const weeks = (days: number): string => (days % 7 === 0 ? `${days / 7} weeks` : `${days} days`);
const count = (v: number): string => Math.round(v).toLocaleString('en-US');

/** "on your last 26 weeks, predicted 1,210 repeat orders, actual 1,302: 7% low" */
export function backtestSentence(r: BacktestResult, kind: CountModelKind): string {
  const f = r.models[kind];
  if (!f) return '';
  const pct = Math.round(Math.abs(f.errorPct));
  const direction = pct === 0 ? 'on target' : `${pct}% ${f.errorPct < 0 ? 'low' : 'high'}`;
  return `on your last ${weeks(r.holdoutDays)} (${r.split} to ${r.until}), ${MODEL_NAMES[kind]} predicted ${count(f.predicted)} repeat orders, actual ${count(f.actual)}: ${direction}`;
}

/** The backtest sentence as a message (the Model check card renders it per language; numbers and dates in the viewer's format). */
export function backtestSentenceMsg(r: BacktestResult, kind: CountModelKind): ExplanationMsg | null {
  const f = r.models[kind];
  if (!f) return null;
  const pct = Math.round(Math.abs(f.errorPct));
  const direction = pct === 0 ? nested('churn.onTarget') : nested(f.errorPct < 0 ? 'churn.low' : 'churn.high', { error: { percent: pct / 100 } });
  const span = r.holdoutDays % 7 === 0 ? countOf(r.holdoutDays / 7, 'week') : countOf(r.holdoutDays, 'day');
  return message('models.sentence', { span, split: { date: r.split }, until: { date: r.until }, model: MODEL_NAMES[kind], predicted: Math.round(f.predicted), actual: Math.round(f.actual), direction });
}

/**
 * Backtest on `summaries` (as of untilDay or later: orders after untilDay are ignored): fit on purchases up
 * to splitDay, predict splitDay+1 … untilDay. `kinds` limits the models tried.
 */
export function runBacktest(summaries: readonly CustomerSummary[], settings: ShopSettings, splitDay: number, untilDay: number, kinds: readonly CountModelKind[] = COUNT_MODELS): BacktestResult {
  const rows: Replay[] = [];
  for (const s of summaries) {
    const r = replay(s, splitDay, untilDay);
    if (r !== null) rows.push(r);
  }
  rows.sort((p, q) => (p.summary.customerId < q.summary.customerId ? -1 : p.summary.customerId > q.summary.customerId ? 1 : 0)); // input-order independent sums
  const holdoutDays = untilDay - splitDay;
  const fitted = fitAllModels(rows.map((r) => r.summary), settings, splitDay, kinds);
  const usable = usableModels(fitted).filter((k) => kinds.includes(k));
  const result: BacktestResult = { split: formatDay(splitDay), until: formatDay(untilDay), holdoutDays, customers: rows.length, models: {}, selected: null, problems: { ...fitted.problems }, reason: '' };
  for (const k of usable) result.models[k] = figures(fitted.fits[k]!, fitted, rows, splitDay, holdoutDays);
  const settle = (msg: ExplanationMsg): BacktestResult => Object.assign(result, { reason: explanationText(msg), reasonMsg: msg });
  if (usable.length === 0) return settle(message('models.noneFitted', { split: result.split, why: { msg: noModelReasonMsg(fitted) } }));
  const ranked = [...usable].sort((p, q) => frequencyError(result.models[p]!) - frequencyError(result.models[q]!) || COUNT_MODELS.indexOf(p) - COUNT_MODELS.indexOf(q));
  const best = ranked[0]!;
  result.selected = best;
  const err = (k: CountModelKind): ExplanationParam => ({ fixed: frequencyError(result.models[k]!), digits: 3 });
  return settle(
    ranked.length > 1
      ? message('models.closest', { model: MODEL_NAMES[best], split: result.split, error: err(best), others: { list: ranked.slice(1).map((k) => nested('models.closestOther', { error: err(k), model: MODEL_NAMES[k] })) } })
      : message('models.onlyFitted', { model: MODEL_NAMES[best], split: result.split }),
  );
}

/** The backtest window for a calibration: hold out the most recent part of the history when there is enough. */
export function backtestWindow(summaries: readonly CustomerSummary[], settings: ShopSettings, asOfDay: number): { splitDay: number; untilDay: number } | { reason: string; reasonMsg: ExplanationMsg } {
  let earliest = asOfDay;
  for (const s of summaries) if (s.orders > 0) earliest = Math.min(earliest, s.firstDay);
  const history = asOfDay - earliest;
  const holdout = Math.min(settings.models.backtestHoldoutDays, Math.floor(history / 3));
  if (holdout < 28) {
    const reasonMsg = message('models.shortHistory', { days: history });
    return { reason: explanationText(reasonMsg), reasonMsg };
  }
  return { splitDay: asOfDay - holdout, untilDay: asOfDay };
}
