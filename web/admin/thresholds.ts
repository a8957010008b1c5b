// The Thresholds page: the shop's current adaptive thresholds in plain words, and their history
// (one row per recalibration), from the calibrations the pipeline keeps. GET /thresholds.
import express, { type Router } from 'express';
import type { CalibrationRecord } from '../../src/profiles/calibration-store.ts';
import type { Calibration } from '../../src/segments/calibrate-shop.ts';
import type { ScoreScale } from '../../src/segments/rfm-scores.ts';
import { formatMoney, plural } from '../../src/segments/explain.ts';
import { calibrationReasonMsg, explanationText, message, nested, reasonParam, type ExplanationMsg, type ExplanationParam } from '../../src/segments/explanation.ts';
import type { DashboardPorts } from '../ports.ts';
import { shopOf } from './session-token.ts';
import { MODEL_NAMES } from '../../src/segments/bgnbd.ts';
import { modelCheckView } from './model-check.ts';

export interface ThresholdLine {
  /** Which threshold: the dashboard's catalogue key (thresholds.lines.<key>). */
  key: 'frequent' | 'vip' | 'bigSpender' | 'valueHigh' | 'valueMedium' | 'model';
  /** English, for API readers; the dashboard renders valueMsg and meaningMsg in the viewer's language. */
  name: string;
  value: string;
  meaning: string;
  valueMsg: ExplanationMsg;
  meaningMsg: ExplanationMsg;
}

export interface ThresholdsView {
  current: null | {
    date: string;
    calibratedAt: string;
    reason: string;
    /** The reason as a message (templates `explanations.calibration.*`). */
    reasonMsg: ExplanationMsg;
    buyers: number;
    lines: ThresholdLine[];
    rfm: Array<{ dimension: 'recency' | 'frequency' | 'monetary'; bands: ScoreBand[] }>;
    changes: Array<{ name: string; label: string; from: number; to: number; fromText: string; toText: string }>;
  };
  history: Array<{ date: string; calibratedAt: string; reason: string; reasonMsg: ExplanationMsg; buyers: number; frequentMinOrders: number | null; vipMinOrders: number | null; vipMinSpendMinor: number | null }>;
}

/** One score's range: English (`range`), and the same as a message (templates `explanations.bands.*`). */
export interface ScoreBand { score: number; range: string; rangeMsg: ExplanationMsg }

/** Score bands of one RFM scale, e.g. [{score: 5, range: 'last order up to 14 days ago'}]. */
export function scoreBands(scale: ScoreScale, dimension: 'recency' | 'frequency' | 'monetary', value: (v: number) => ExplanationParam, integer = false): ScoreBand[] {
  const bands: ScoreBand[] = [];
  scale.scores.forEach((score, i) => {
    const lo = i === 0 ? null : scale.cuts[i - 1]!;
    const hi = i < scale.cuts.length ? scale.cuts[i]! : null;
    const range =
      lo === null && hi === null ? nested('bands.any')
      : lo === null ? nested('bands.upTo', { hi: value(hi!) })
      : hi === null ? nested('bands.moreThan', { lo: value(lo) })
      : integer && hi - lo === 1 ? nested('bands.exactly', { hi: value(hi) })
      : nested('bands.between', { lo: value(lo), hi: value(hi) });
    const rangeMsg = message(`bands.${dimension}`, { range });
    bands.push({ score, range: explanationText(rangeMsg), rangeMsg });
  });
  return bands.sort((a, b) => b.score - a.score);
}

const CHANGE_LABELS: Record<string, string> = {
  'loyalty.frequentMinOrders': 'Frequent Buyer: minimum orders',
  'loyalty.vipMinOrders': 'VIP: minimum orders',
  'loyalty.vipMinSpendMinor': 'VIP: minimum spend',
  'bigSpender.minAovMinor': 'Big Spender: minimum average order',
  'valueTiers.highMinClvMinor': 'Value high: minimum 12-month value',
  'valueTiers.mediumMinClvMinor': 'Value medium: minimum 12-month value',
};

/** The plain-word lines of the current thresholds: English text, and the same as messages (templates `thresholds.lines.*`). */
function thresholdLines(c: Calibration, currency: string, money: (m: number) => string): ThresholdLine[] {
  const l = c.loyalty;
  const cur = (minor: number): ExplanationParam => ({ money: minor, currency });
  const msg = (id: string, params: Record<string, ExplanationParam> = {}): ExplanationMsg => ({ id: `lines.${id}`, params });
  const orders = (n: number): ExplanationParam => ({ count: n, unit: 'order' });
  const model = c.models.method === 'cadence-fallback' ? null : MODEL_NAMES[c.models.method];
  return [
    { key: 'frequent', name: 'Frequent Buyer', value: `${l.frequentMinOrders}+ orders`, meaning: `A repeat buyer with at least ${plural(l.frequentMinOrders, 'order')} is a Frequent Buyer (${l.repeatBuyers} of ${l.buyers} buyers have ordered more than once).`,
      valueMsg: msg('frequent.value', { min: l.frequentMinOrders }), meaningMsg: msg('frequent.meaning', { orders: orders(l.frequentMinOrders), repeat: l.repeatBuyers, buyers: l.buyers }) },
    { key: 'vip', name: 'VIP', value: `${l.vipMinOrders}+ orders and ${money(l.vipMinSpendMinor)}+`, meaning: `VIPs have at least ${plural(l.vipMinOrders, 'order')} and spent at least ${money(l.vipMinSpendMinor)} in total.`,
      valueMsg: msg('vip.value', { min: l.vipMinOrders, spend: cur(l.vipMinSpendMinor) }), meaningMsg: msg('vip.meaning', { orders: orders(l.vipMinOrders), spend: cur(l.vipMinSpendMinor) }) },
    { key: 'bigSpender', name: 'Big Spender', value: `${money(c.bigSpender.minAovMinor)}+ per order`, meaning: `Customers whose average order is at least ${money(c.bigSpender.minAovMinor)} are Big Spenders.`,
      valueMsg: msg('bigSpender.value', { aov: cur(c.bigSpender.minAovMinor) }), meaningMsg: msg('bigSpender.meaning', { aov: cur(c.bigSpender.minAovMinor) }) },
    { key: 'valueHigh', name: 'Value: high', value: `${money(c.valueTiers.highMinClvMinor)}+ in 12 months`, meaning: `Predicted to spend at least ${money(c.valueTiers.highMinClvMinor)} over the next 12 months.`,
      valueMsg: msg('value.value', { clv: cur(c.valueTiers.highMinClvMinor) }), meaningMsg: msg('value.meaning', { clv: cur(c.valueTiers.highMinClvMinor) }) },
    { key: 'valueMedium', name: 'Value: medium', value: `${money(c.valueTiers.mediumMinClvMinor)}+ in 12 months`, meaning: `Predicted to spend at least ${money(c.valueTiers.mediumMinClvMinor)} over the next 12 months.`,
      valueMsg: msg('value.value', { clv: cur(c.valueTiers.mediumMinClvMinor) }), meaningMsg: msg('value.meaning', { clv: cur(c.valueTiers.mediumMinClvMinor) }) },
    {
      key: 'model',
      name: 'Prediction model',
      value: model ?? 'cadence rule',
      meaning: model
        ? `Churn and next-order predictions come from a ${model} model fitted on ${c.buyers} buyers${c.models.selection ? ` (${c.models.selection.reason})` : ''}.`
        : `Too little data for a statistical model (${c.models.fallbackReason ?? 'see settings'}): a customer is at risk after about ${Math.round(c.models.typicalIntervalDays)} quiet days (the shop's typical gap between orders).`,
      // The selection and fallback reasons are messages (calibrations stored before them: their English).
      valueMsg: model ? msg('model.value', { name: model }) : msg('model.cadence'),
      meaningMsg: model
        ? msg('model.meaning', { name: model, buyers: c.buyers, why: c.models.selection ? nested('lines.model.why', { reason: reasonParam(c.models.selection.reasonMsg, c.models.selection.reason) }) : '' })
        : msg('model.cadenceMeaning', { reason: reasonParam(c.models.fallbackReasonMsg, c.models.fallbackReason ?? ''), days: Math.round(c.models.typicalIntervalDays) }),
    },
  ];
}

function isCalibration(c: unknown): c is Calibration {
  return typeof c === 'object' && c !== null && 'loyalty' in c && 'rfm' in c;
}

export function describeCalibration(rec: CalibrationRecord, currency: string): ThresholdsView['current'] {
  const c = rec.calibration;
  const base = { date: rec.asOf.toISOString().slice(0, 10), calibratedAt: rec.createdAt.toISOString(), reason: rec.reason, reasonMsg: calibrationReasonMsg(rec.reason), buyers: rec.buyers };
  if (!isCalibration(c)) return { ...base, lines: [], rfm: [], changes: [] };
  const money = (m: number) => formatMoney(m, currency);
  const lines = thresholdLines(c, currency, money);
  const rfm = [
    { dimension: 'recency' as const, bands: scoreBands(c.rfm.recencyDays, 'recency', (v) => ({ count: Math.round(v), unit: 'day' })) },
    { dimension: 'frequency' as const, bands: scoreBands(c.rfm.frequency, 'frequency', (v) => ({ count: v, unit: 'order' }), true) },
    { dimension: 'monetary' as const, bands: scoreBands(c.rfm.monetaryMinor, 'monetary', (v) => ({ money: v, currency })) },
  ];
  const show = (name: string, v: number) => (name.endsWith('Minor') ? money(v) : String(v));
  const changes = (c.changes ?? []).map((ch) => ({ ...ch, label: CHANGE_LABELS[ch.name] ?? ch.name, fromText: show(ch.name, ch.from), toText: show(ch.name, ch.to) }));
  return { ...base, date: c.date ?? base.date, lines, rfm, changes };
}

export function thresholdsView(current: CalibrationRecord | null, history: CalibrationRecord[], currency: string): ThresholdsView {
  return {
    current: current ? describeCalibration(current, currency) : null,
    history: history.map((h) => {
      const c = h.calibration;
      const l = isCalibration(c) ? c.loyalty : null;
      return {
        date: isCalibration(c) ? c.date : h.asOf.toISOString().slice(0, 10),
        calibratedAt: h.createdAt.toISOString(),
        reason: h.reason,
        reasonMsg: calibrationReasonMsg(h.reason),
        buyers: h.buyers,
        frequentMinOrders: l?.frequentMinOrders ?? null,
        vipMinOrders: l?.vipMinOrders ?? null,
        vipMinSpendMinor: l?.vipMinSpendMinor ?? null,
      };
    }),
  };
}

export function thresholdsRouter(ports: Pick<DashboardPorts, 'shops' | 'calibrations'>): Router {
  const r = express.Router();
  r.get('/thresholds', async (_req, res) => {
    const shop = shopOf(res);
    const [{ settings }, current, history] = await Promise.all([ports.shops.effective(shop), ports.calibrations.current(shop), ports.calibrations.history(shop, 100)]);
    res.json({ currency: settings.currency, ...thresholdsView(current, history, settings.currency) });
  });
  // The Model check card: the current calibration's backtest and model choice (web/admin/model-check.ts).
  r.get('/model-check', async (_req, res) => {
    res.json(modelCheckView(await ports.calibrations.current(shopOf(res))));
  });
  return r;
}
