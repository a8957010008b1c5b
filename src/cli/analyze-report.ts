// Output of `segments analyze`: the JSON object (stable field names, see docs/segments.md)
// and the readable tables.
import type { ImportResult } from '../importers/import-result.ts';
import { formatDay, SEGMENT_DEFINITIONS } from '../segments/index.ts';
import { formatMoney } from '../segments/explain.ts';
import type { ShopAnalysis, ShopSettings } from '../segments/index.ts';

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

export function analysisTable(r: AnalyzeReport): string {
  const c = r.analysis.calibration;
  const out: string[] = [];
  out.push(`${r.file} (${r.format}) as of ${c.date}`);
  out.push(`${c.buyers} customers with orders, ${c.prospects} without; ${c.orders} orders counted, ${c.ignoredOrders} excluded, ${c.laterOrders} after the as-of date; ${r.imported.badRows.length} bad rows skipped`);
  out.push('');
  const labelWidth = Math.max(...SEGMENT_DEFINITIONS.map((d) => d.label.length));
  for (const [family, segs] of Object.entries(r.analysis.counts)) {
    const defs = SEGMENT_DEFINITIONS.filter((d) => d.family === family);
    if (!defs.some((d) => segs[d.segment])) continue;
    out.push(family.toUpperCase());
    for (const d of defs) {
      const n = segs[d.segment] ?? 0;
      const share = c.customers ? ((100 * n) / c.customers).toFixed(1) : '0.0';
      out.push(`  ${d.label.padEnd(labelWidth)} ${String(n).padStart(9)}  ${share.padStart(5)}%  ${r.settings.tagPrefix}${d.tagSuffix}`);
    }
    out.push('');
  }
  const l = c.loyalty;
  const money = (m: number): string => formatMoney(m, r.settings.currency);
  out.push(`THRESHOLDS (of ${c.date})`);
  out.push(`  Frequent Buyer: ≥ ${l.frequentMinOrders} orders; VIP: ≥ ${l.vipMinOrders} orders and ≥ ${money(l.vipMinSpendMinor)} spent`);
  out.push(`  RFM scores 5→1 by days since the last order: ≤ ${c.rfm.recencyDays.cuts.join(' / ≤ ')} / more`);
  out.push(`  RFM scores 1→5 by orders: ≤ ${c.rfm.frequency.cuts.join(' / ≤ ')} / more; by spend: ≤ ${c.rfm.monetaryMinor.cuts.map(money).join(' / ≤ ')} / more`);
  out.push(`  Big Spender: average order ≥ ${money(c.bigSpender.minAovMinor)}; value tiers (12-month value): high ≥ ${money(c.valueTiers.highMinClvMinor)}, medium ≥ ${money(c.valueTiers.mediumMinClvMinor)}`);
  out.push(`  Replenishment: ${c.replenishment.products.length} consumable products`);
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
