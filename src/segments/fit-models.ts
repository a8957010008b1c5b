// Fits every count model (BG/NBD, MBG/NBD) and Gamma-Gamma on a set of buyers as of a day, and says why a
// fit is unusable. Shared by the shop calibration and the backtest (which fits on the history up to a split).
import { BgNbdDataBuilder, COUNT_MODELS, countModelFitProblemMsg, fitCountModel, MODEL_NAMES } from './bgnbd.ts';
import { explanationText, message, nested, type ExplanationMsg, type ExplanationParam } from './explanation.ts';
import type { BgNbdFit, CountModelKind } from './bgnbd.ts';
import { fitGammaGamma } from './gamma-gamma.ts';
import type { GammaGammaFit } from './gamma-gamma.ts';
import { medianOfSorted, sortedAscending } from './percentiles.ts';
import type { ShopSettings } from './settings.ts';

/** What model fitting needs of a customer (a CustomerSummary, or its replay as of an earlier day). */
export interface ModelSummary {
  customerId: string;
  purchaseDays: number;
  firstDay: number;
  lastDay: number;
  repeatSpendMinor: number;
  spendMinor: number;
}

export interface FittedModels {
  typicalIntervalDays: number;
  /** Why no count model was even tried (too little data), or null. */
  gateReason: string | null;
  /** The same as a message (the dashboard renders it per language). */
  gateReasonMsg: ExplanationMsg | null;
  fits: Partial<Record<CountModelKind, BgNbdFit>>;
  /** Why a fitted model is unusable; usable models have no entry. */
  problems: Partial<Record<CountModelKind, string>>;
  problemMsgs: Partial<Record<CountModelKind, ExplanationMsg>>;
  gammaGamma: GammaGammaFit | null;
  gammaGammaFallbackReason: string | null;
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

/** Horizons (days) the app predicts at: a fit must give finite numbers at each for every fitted customer. */
export function predictionHorizons(settings: ShopSettings): number[] {
  return [90, 365, settings.churn.horizonDays];
}

/** Why a Gamma-Gamma fit cannot be used, naming the actual cause, or null. */
export function gammaGammaProblem(fit: GammaGammaFit): string | null {
  if (![fit.p, fit.q, fit.gamma, fit.logLikelihood].every(Number.isFinite)) return 'Gamma-Gamma fit failed (no finite likelihood)';
  const logs = { p: fit.p, q: fit.q, gamma: fit.gamma };
  const edge = Object.entries(logs).find(([, v]) => Math.abs(Math.log(v)) >= 28);
  if (edge) {
    const why = edge[0] === 'p' ? 'order values within a customer barely vary' : 'average order values barely differ between customers';
    return `Gamma-Gamma fit ran to the edge of its range (${edge[0]} = ${edge[1].toPrecision(3)}: ${why})`;
  }
  if (!fit.converged) return `Gamma-Gamma fit did not settle on a best estimate (log-likelihood ${fit.logLikelihood.toFixed(1)})`;
  if (!(fit.q > 1)) return `Gamma-Gamma fit has q = ${fit.q.toPrecision(3)} ≤ 1, which means an unbounded average order value`;
  return null;
}

export function fitAllModels(buyers: readonly ModelSummary[], settings: ShopSettings, asOfDay: number, kinds: readonly CountModelKind[] = COUNT_MODELS): FittedModels {
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
  const out: FittedModels = { typicalIntervalDays, gateReason: null, gateReasonMsg: null, fits: {}, problems: {}, problemMsgs: {}, gammaGamma: null, gammaGammaFallbackReason: null };
  const sampleShare = Math.min(1, ms.maxFitCustomers / Math.max(1, buyers.length));
  const inSample = (s: ModelSummary): boolean => sampleShare >= 1 || hashUnit(s.customerId) < sampleShare;

  const history = asOfDay - earliest;
  if (buyers.length < ms.minBuyers) out.gateReasonMsg = message('models.gateBuyers', { n: buyers.length, min: ms.minBuyers });
  else if (repeat < ms.minRepeatBuyers) out.gateReasonMsg = message('models.gateRepeat', { n: repeat, min: ms.minRepeatBuyers });
  else if (history < ms.minHistoryDays) out.gateReasonMsg = message('models.gateHistory', { n: history, min: ms.minHistoryDays });
  out.gateReason = out.gateReasonMsg && explanationText(out.gateReasonMsg);
  if (out.gateReason === null) {
    const builder = new BgNbdDataBuilder();
    for (const s of buyers) if (inSample(s)) builder.add(s.purchaseDays - 1, s.lastDay - s.firstDay, asOfDay - s.firstDay);
    const data = builder.build();
    for (const kind of kinds) {
      const fit = fitCountModel(kind, data, ms.timeUnit);
      out.fits[kind] = fit;
      const problem = countModelFitProblemMsg(fit, data, predictionHorizons(settings));
      if (problem !== null) {
        out.problemMsgs[kind] = problem;
        out.problems[kind] = explanationText(problem);
      }
    }
  }

  const gg: Array<[number, number]> = [];
  for (const s of buyers) {
    const x = s.purchaseDays - 1;
    if (x > 0 && s.repeatSpendMinor > 0 && inSample(s)) gg.push([x, s.repeatSpendMinor / x]);
  }
  gg.sort((p, q) => p[0] - q[0] || p[1] - q[1]); // input-order independent float sums
  if (gg.length < ms.minGammaGammaCustomers) {
    out.gammaGammaFallbackReason = `too few repeat buyers for Gamma-Gamma: ${gg.length} < ${ms.minGammaGammaCustomers}; expected order value = own average`;
  } else {
    const fit = fitGammaGamma({ x: Float64Array.from(gg, (r) => r[0]), meanValue: Float64Array.from(gg, (r) => r[1]) });
    const problem = gammaGammaProblem(fit);
    if (problem !== null) out.gammaGammaFallbackReason = `${problem}; expected order value = own average`;
    else out.gammaGamma = fit;
  }
  return out;
}

/** Usable models, in the order of COUNT_MODELS. */
export function usableModels(f: FittedModels): CountModelKind[] {
  return COUNT_MODELS.filter((k) => f.fits[k] !== undefined && f.problems[k] === undefined);
}

/** The cadence rule's reason when no model is usable. */
export function noModelReasonMsg(f: FittedModels): ExplanationMsg {
  return f.gateReasonMsg ?? message('models.noFit', { problems: describeProblemsMsg(f.problemMsgs) });
}

/** "BG/NBD: the fit ran to the edge of its range (a = 3.7e+10); MBG/NBD: …" as one parameter. */
export function describeProblemsMsg(problems: Partial<Record<CountModelKind, ExplanationMsg>>): ExplanationParam {
  const parts = COUNT_MODELS.filter((k) => problems[k] !== undefined).map((k) => nested('models.problem', { model: MODEL_NAMES[k], problem: { msg: problems[k]! } }));
  return parts.reduceRight<ExplanationParam>((rest, first) => (rest === '' ? first : nested('models.problems', { first, rest })), '');
}
