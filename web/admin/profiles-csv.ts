// CSV export of a shop's profiles, streamed row by row from a cursor (never the whole shop in memory),
// honouring back-pressure. Ids and numbers only: profiles hold no personal data.
import type { Response } from 'express';
import type { CustomerProfileStore } from '../../src/profiles/customer-profile-store.ts';
import { FAMILIES } from '../../src/segments/tags.ts';
import { dashboardMetrics, parseMetricsJson } from './profile-metrics.ts';

export const CSV_COLUMNS = ['customer_id', 'orders', 'spend_minor', 'r', 'f', 'm', ...FAMILIES.map((f) => `segments_${f}`), 'tags_applied', 'tags_pending', 'computed_at'];

/**
 * A text field starting with = + - @ (or a tab or carriage return, which some spreadsheets skip before
 * reading the formula) is defused so spreadsheets never run it as a formula (OWASP CSV injection).
 */
export const defuseFormula = (s: string): string => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

export function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const safe = typeof v === 'string' ? defuseFormula(v) : String(v);
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export async function streamProfilesCsv(profiles: CustomerProfileStore, shop: string, res: Response): Promise<number> {
  res.status(200);
  res.set('Content-Type', 'text/csv; charset=utf-8');
  res.set('Content-Disposition', `attachment; filename="segments-${shop.replace(/[^a-z0-9.-]/g, '')}.csv"`);
  res.set('Cache-Control', 'no-store');
  const write = async (line: string) => {
    if (!res.write(line)) await new Promise<void>((resolve) => res.once('drain', resolve));
  };
  await write(CSV_COLUMNS.join(',') + '\n');
  let rows = 0;
  for await (const p of profiles.iterateShop(shop)) {
    if (res.destroyed) break;
    const m = dashboardMetrics(parseMetricsJson(p.metricsJson));
    const byFamily = FAMILIES.map((f) => p.memberships.filter((x) => x.family === f).map((x) => x.segment).join(';'));
    const fields = [p.customerId, m.orders, m.spendMinor, m.scores?.r ?? null, m.scores?.f ?? null, m.scores?.m ?? null, ...byFamily, p.tagsApplied.join(';'), p.tagsPending, p.computedAt ? new Date(p.computedAt).toISOString() : null];
    await write(fields.map(csvField).join(',') + '\n');
    rows++;
  }
  res.end();
  return rows;
}
