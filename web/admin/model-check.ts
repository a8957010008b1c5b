// The Model check card: how well the shop's predictions did on its own held-out recent history (the
// backtest the worker runs at every recalibration, src/segments/backtest.ts), which model is in use and why.
import type { CalibrationRecord } from '../../src/profiles/calibration-store.ts';
import { backtestSentence, backtestSentenceMsg, MODEL_NAMES } from '../../src/segments/index.ts';
import { explanationText, message, reasonParam, type ExplanationMsg } from '../../src/segments/explanation.ts';
import type { BacktestFigures, Calibration, CountModelKind } from '../../src/segments/index.ts';

export interface ModelCheckView {
  /** Date of the calibration this describes (null before the first one). */
  date: string | null;
  /** 'BG/NBD', 'MBG/NBD' or 'cadence rule'. */
  model: string;
  /** Why this model: the selection reason, or why the cadence rule is used. */
  reason: string;
  /** The same as a message (templates `explanations.models.*`): the dashboard renders it per language. */
  reasonMsg: ExplanationMsg;
  /** "on your last 26 weeks (…), BG/NBD predicted 1,210 repeat orders, actual 1,302: 7% low", or null without a backtest. */
  sentence: string | null;
  sentenceMsg: ExplanationMsg | null;
  backtest: null | {
    split: string;
    until: string;
    holdoutDays: number;
    customers: number;
    selected: string | null;
    figures: BacktestFigures;
  };
}

export function modelCheckView(rec: CalibrationRecord | null): ModelCheckView {
  const c = rec?.calibration as Calibration | undefined;
  if (!c || typeof c !== 'object' || !('models' in c)) {
    const none = message('models.noCalibration');
    return { date: null, model: 'none yet', reason: explanationText(none), reasonMsg: none, sentence: null, sentenceMsg: null, backtest: null };
  }
  const m = c.models;
  const inUse = m.method === 'cadence-fallback' ? null : (m.method as CountModelKind);
  const bt = m.selection?.backtest ?? null;
  const shown = inUse ?? bt?.selected ?? null;
  const figures = bt && shown ? bt.models[shown] : undefined;
  return {
    date: c.date,
    model: inUse ? MODEL_NAMES[inUse] : 'cadence rule',
    reason: inUse ? (m.selection?.reason ?? MODEL_NAMES[inUse]) : `Predictions use the cadence rule: ${m.fallbackReason ?? 'no model fitted'}.`,
    reasonMsg: inUse
      ? (m.selection?.reasonMsg ?? message('models.stored', { reason: m.selection?.reason ?? MODEL_NAMES[inUse] }))
      : message('models.cadenceUsed', { reason: m.fallbackReason === null ? { msg: message('models.noModel') } : reasonParam(m.fallbackReasonMsg, m.fallbackReason) }),
    sentence: bt && shown && figures ? backtestSentence(bt, shown) : null,
    sentenceMsg: bt && shown && figures ? backtestSentenceMsg(bt, shown) : null,
    backtest: bt && figures ? { split: bt.split, until: bt.until, holdoutDays: bt.holdoutDays, customers: bt.customers, selected: bt.selected, figures } : null,
  };
}
