// Output of `segments insights`: the JSON object (field names in docs/segments.md, "Insights") and
// the readable tables.
import { formatMoney } from '../segments/explain.ts';
import type { ShopInsights, ShopSettings } from '../segments/index.ts';
import type { OrdersFormat } from './orders-input.ts';

export interface InsightsReport {
  file: string;
  format: OrdersFormat;
  insights: ShopInsights;
  settings: ShopSettings;
}

export function insightsJson(r: InsightsReport) {
  const { asOf: _asOf, date, ...rest } = r.insights;
  return { asOf: date, file: r.file, format: r.format, currency: r.settings.currency, ...rest };
}

const TOP = 20;
const pct = (p: number): string => `${(100 * p).toFixed(1)}%`;

function table(headers: string[], rows: string[][], total: number): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(headers), ...rows.map(line)];
  if (total > rows.length) out.push(`  … and ${total - rows.length} more (--json lists all)`);
  return out;
}

export function insightsTable(r: InsightsReport): string {
  const i = r.insights;
  const money = (m: number): string => formatMoney(m, r.settings.currency);
  const out: string[] = [];
  const sh = i.shop;
  out.push(`${r.file} (${r.format}) as of ${i.date}; window ${i.windowDays} days`);
  out.push(`${sh.buyers} buyers, ${sh.bestCustomers} of them VIPs or Champions; ${sh.products} products`);
  out.push(
    sh.repeatRate === null
      ? `SHOP: no customer observed for ${i.windowDays} days yet`
      : `SHOP: ${pct(sh.repeatRate)} of ${sh.customers} customers observed for ${i.windowDays} days ordered again within them (95% ${pct(sh.repeatRateCi![0])}–${pct(sh.repeatRateCi![1])}); mean predicted 12-month value ${money(sh.meanClv12mMinor!)}`,
  );
  out.push('');
  out.push(`GATEWAY PRODUCTS (in the first order of ≥ ${i.minCustomers} observed customers; ranked by the 95% lower bound)`);
  const g = i.gatewayProducts.slice(0, TOP);
  if (g.length) out.push(...table(['product', 'customers', 'repeat', '95% interval', '12-month value'], g.map((p) => [p.product, String(p.customers), pct(p.repeatRate), `${pct(p.repeatRateCi[0])}–${pct(p.repeatRateCi[1])}`, money(p.meanClv12mMinor)]), i.gatewayProducts.length));
  else out.push('  none');
  out.push('');
  out.push(`WHAT THE BEST BUY (VIPs and Champions against all buyers; ≥ ${i.minBestBuyers} best buyers)`);
  const b = i.bestCustomerProducts.slice(0, TOP);
  if (b.length) out.push(...table(['product', 'best buyers', 'buyers', 'best share', 'shop share', 'lift'], b.map((p) => [p.product, String(p.bestBuyers), String(p.buyers), pct(p.bestShare), pct(p.shopShare), `${p.lift.toFixed(2)}×`]), i.bestCustomerProducts.length));
  else out.push('  none');
  out.push('');
  out.push('REORDER RHYTHM (the interval replenishment learns; most supported first)');
  const o = i.reorder.slice(0, TOP);
  if (o.length) out.push(...table(['product', 'every (days)', 'q1–q3', 'reorderers', 'buyers', 'reorder rate'], o.map((p) => [p.product, String(p.intervalDays), `${p.q1}–${p.q3}`, String(p.customers), String(p.buyers), pct(p.reorderRate)]), i.reorder.length));
  else out.push('  none');
  if (i.notes.length) {
    out.push('');
    out.push('NOTES');
    for (const n of i.notes) out.push(`  ${n}`);
  }
  const top = i.gatewayProducts[0];
  if (top) {
    out.push('');
    out.push(top.explanation);
  }
  return out.join('\n') + '\n';
}
