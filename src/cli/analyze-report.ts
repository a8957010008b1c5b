// Output of `segments analyze`: the JSON object (stable field names, see docs/segments.md)
// and the readable tables.
import type { ImportResult } from '../importers/import-result.ts';
import { formatDay, SEGMENT_DEFINITIONS } from '../segments/index.ts';
import { formatMoney } from '../segments/explain.ts';
import type { ShopAnalysis, ShopSettings } from '../segments/index.ts';
import type { ScoreScale } from '../segments/rfm-scores.ts';

export interface AnalyzeReport {
  file: string;
  format: 'shopify' | 'cdnow';
  imported: ImportResult;
  analysis: ShopAnalysis;
  settings: ShopSettings;
  timings: { readMs: number; analyzeMs: number; totalMs: number };
}

export function analysisJson(r: AnalyzeReport) {
  const c = r.analysis.calibration;
  const bg = c.models.bgnbd;
  const mbg = c.models.mbgnbd ?? null;
  const gg = c.models.gammaGamma;
  const fitJson = (f: typeof bg) => f && { r: f.r, alpha: f.alpha, a: f.a, b: f.b, logLikelihood: f.logLikelihood, timeUnit: f.timeUnit, converged: f.converged, n: f.n };
  return {
    asOf: formatDay(Math.floor(c.asOf / 86_400_000)),
    file: r.file,
    format: r.format,
    customers: c.buyers,
    prospects: c.prospects,
    orders: c.orders,
    ignoredOrders: c.ignoredOrders,
    ordersAfterAsOf: c.laterOrders,
    rows: r.imported.rows,
    badRows: { count: r.imported.badRows.length, first: r.imported.badRows.slice(0, 20) },
    ordersWithoutCustomer: r.imported.ordersWithoutCustomer,
    identifiedBy: r.imported.identifiedBy ?? null,
    segments: r.analysis.counts,
    thresholds: {
      date: c.date,
      loyalty: c.loyalty,
      rfm: c.rfm,
      bigSpender: c.bigSpender,
      valueTiers: c.valueTiers,
      replenishment: c.replenishment.products,
    },
    models: {
      method: c.models.method,
      fallbackReason: c.models.fallbackReason,
      typicalIntervalDays: c.models.typicalIntervalDays,
      bgnbd: fitJson(bg),
      mbgnbd: fitJson(mbg),
      fitProblems: c.models.fitProblems ?? {},
      selection: c.models.selection ? { reason: c.models.selection.reason, backtest: c.models.selection.backtest && { split: c.models.selection.backtest.split, until: c.models.selection.backtest.until, selected: c.models.selection.backtest.selected } } : null,
      gammaGamma: gg && { p: gg.p, q: gg.q, gamma: gg.gamma, valueUnit: gg.valueUnit, logLikelihood: gg.logLikelihood, converged: gg.converged, n: gg.n },
      gammaGammaFallbackReason: c.models.gammaGammaFallbackReason,
    },
    timings: { readMs: Math.round(r.timings.readMs), analyzeMs: Math.round(r.timings.analyzeMs), totalMs: Math.round(r.timings.totalMs) },
  };
}

const fmt = (n: number, digits = 3): string => (Number.isInteger(n) ? String(n) : n.toPrecision(digits));
const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const percent = (share: number): string => `${(100 * share).toFixed(0)}%`;

/** "5 up to 29 days, 4 up to 41 days, …, 1 beyond that" from a score scale (group i: cuts[i-1] < v ≤ cuts[i]). */
function scaleInWords(scale: ScoreScale, unit: (v: number) => string): string {
  const parts = scale.cuts.map((cut, i) => `${scale.scores[i]} up to ${unit(cut)}`);
  parts.push(`${scale.scores[scale.cuts.length]} beyond that`);
  return parts.join(', ');
}

/** The calibrated thresholds and settings as sentences a store owner can read. */
export function thresholdsInWords(r: AnalyzeReport, money: (minor: number) => string): string[] {
  const c = r.analysis.calibration;
  const s = r.settings;
  const l = c.loyalty;
  const days = (d: number): string => plural(d, 'day');
  const out = [
    `A buyer with one counted order is a One Time Buyer, with two a Loyal Customer, with ${l.frequentMinOrders} or more a Frequent Buyer.`,
    `A VIP has placed ${l.vipMinOrders} or more orders and spent ${money(l.vipMinSpendMinor)} or more in total.`,
    `RFM recency scores by days since the last order: ${scaleInWords(c.rfm.recencyDays, days)}.`,
    `RFM frequency scores by orders: ${scaleInWords(c.rfm.frequency, (n) => plural(n, 'order'))}.`,
    `RFM monetary scores by total spend: ${scaleInWords(c.rfm.monetaryMinor, money)}.`,
    `A Big Spender's average order is ${money(c.bigSpender.minAovMinor)} or more (the top ${percent(s.behaviour.bigSpenderTopShare)} of buyers).`,
    `High value means a predicted 12-month value of ${money(c.valueTiers.highMinClvMinor)} or more, medium value ${money(c.valueTiers.mediumMinClvMinor)} or more.`,
    c.models.method !== 'cadence-fallback'
      ? `Churn risk is the modelled chance of no order in the next ${days(s.churn.horizonDays)}: high from ${percent(s.churn.highAtLeast)}, medium from ${percent(s.churn.mediumAtLeast)}.`
      : `Churn risk counts the time since the last order in typical reorder intervals (${days(Math.round(c.models.typicalIntervalDays))} here, too little data for the model): medium after ${s.churn.fallbackMediumAfterIntervals}, high after ${s.churn.fallbackHighAfterIntervals}.`,
    `Dormant: no order for ${days(s.behaviour.dormantDays)}; New: a first order within ${days(s.behaviour.newCustomerDays)}; Coupon Customer: a discount code on more than ${percent(s.behaviour.couponMinShare)} of at least ${plural(s.behaviour.couponMinOrders, 'order')}.`,
  ];
  const products = c.replenishment.products;
  if (products.length === 0) out.push('No product is bought again often enough to learn a reorder interval, so nobody is due for replenishment.');
  else {
    out.push(`${plural(products.length, 'product is', 'products are')} reordered at a regular interval:`);
    const width = Math.max(...products.slice(0, 10).map((p) => p.product.length));
    for (const p of products.slice(0, 10)) out.push(`  ${p.product.padEnd(width)}  every ${days(p.intervalDays)} (learned from ${plural(p.customers, 'customer')})`);
    if (products.length > 10) out.push(`  … and ${products.length - 10} more (--json lists them all)`);
  }
  return out;
}

/** How the customers of a Shopify export were recognised (the CDNOW log has ids of its own). */
export function identityInWords(imported: ImportResult): string | null {
  const by = imported.identifiedBy;
  if (by === undefined) return null;
  const linked = by.emailAndPhone ? ` (${by.emailAndPhone.toLocaleString('en-US')} of them also by a phone number on some order)` : '';
  return `Customers recognised by e-mail: ${by.email.toLocaleString('en-US')}${linked}; by phone number only: ${by.phone.toLocaleString('en-US')}; orders with neither: ${imported.ordersWithoutCustomer.toLocaleString('en-US')}.`;
}

export function analysisTable(r: AnalyzeReport): string {
  const c = r.analysis.calibration;
  const out: string[] = [];
  out.push(`${r.file} (${r.format}) as of ${c.date}`);
  out.push(`${c.buyers} customers with orders, ${c.prospects} without; ${c.orders} orders counted, ${c.ignoredOrders} excluded, ${c.laterOrders} after the as-of date; ${r.imported.badRows.length} bad rows skipped`);
  const identity = identityInWords(r.imported);
  if (identity !== null) out.push(identity);
  out.push('');
  const labelWidth = Math.max(...SEGMENT_DEFINITIONS.map((d) => d.label.length));
  const countWidth = Math.max(9, c.customers.toLocaleString('en-US').length);
  out.push(`${'SEGMENT'.padEnd(labelWidth + 2)} ${'CUSTOMERS'.padStart(countWidth)}  ${'SHARE'.padStart(6)}  TAG`);
  for (const [family, segs] of Object.entries(r.analysis.counts)) {
    const defs = SEGMENT_DEFINITIONS.filter((d) => d.family === family);
    if (!defs.some((d) => segs[d.segment])) continue;
    out.push(family.toUpperCase());
    for (const d of defs) {
      const n = segs[d.segment] ?? 0;
      const share = c.customers ? ((100 * n) / c.customers).toFixed(1) : '0.0';
      out.push(`  ${d.label.padEnd(labelWidth)} ${n.toLocaleString('en-US').padStart(countWidth)}  ${share.padStart(5)}%  ${r.settings.tagPrefix}${d.tagSuffix}`);
    }
    out.push('');
  }
  const money = (m: number): string => formatMoney(m, r.settings.currency);
  out.push(`THRESHOLDS, learned from this file as of ${c.date}`);
  for (const line of thresholdsInWords(r, money)) out.push(`  ${line}`);
  out.push('');
  out.push('MODELS');
  const fits = [['BG/NBD', c.models.bgnbd] as const, ['MBG/NBD', c.models.mbgnbd ?? null] as const];
  for (const [name, f] of fits) {
    if (f) out.push(`  ${name} (${f.timeUnit}): r=${fmt(f.r)} alpha=${fmt(f.alpha)} a=${fmt(f.a)} b=${fmt(f.b)} log-likelihood=${f.logLikelihood.toFixed(1)} converged=${f.converged} n=${f.n}`);
  }
  if (c.models.method === 'cadence-fallback') out.push(`  cadence fallback: ${c.models.fallbackReason} (typical interval ${c.models.typicalIntervalDays.toFixed(1)} days)`);
  else out.push(`  in use: ${c.models.selection?.reason ?? c.models.method}`);
  const gg = c.models.gammaGamma;
  if (gg) out.push(`  Gamma-Gamma: p=${fmt(gg.p)} q=${fmt(gg.q)} gamma=${fmt(gg.gamma)} (minor units: ${money(gg.gamma)}) log-likelihood=${gg.logLikelihood.toFixed(1)} converged=${gg.converged} n=${gg.n}`);
  else out.push(`  Gamma-Gamma: ${c.models.gammaGammaFallbackReason}`);
  out.push('');
  out.push(`read ${Math.round(r.timings.readMs)} ms, analysed ${Math.round(r.timings.analyzeMs)} ms`);
  return out.join('\n') + '\n';
}
