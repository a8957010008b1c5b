// CSV export of a shop's profiles, streamed row by row from a cursor (never the whole shop in memory),
// honouring back-pressure. Ids and numbers only: profiles hold no personal data.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { stringify, type Options } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import type { CustomerProfile, CustomerProfileStore } from '../../src/profiles/customer-profile-store.ts';
import { FAMILIES } from '../../src/segments/tags.ts';
import { dashboardMetrics, parseMetricsJson } from './profile-metrics.ts';

export const CSV_COLUMNS = ['customer_id', 'orders', 'spend_minor', 'r', 'f', 'm', ...FAMILIES.map((f) => `segments_${f}`), 'tags_applied', 'tags_pending', 'computed_at'];

type Field = string | number | boolean | null;

/**
 * A text field starting with = + - @ (or a tab or carriage return, which some spreadsheets skip before
 * reading the formula) is defused so spreadsheets never run it as a formula (OWASP CSV injection).
 * The segment browser's export casts its text fields with it.
 */
export const defuseFormula = (s: string): string => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

// csv-stringify quotes where needed and, with escape_formulas, defuses a leading = + - @ (or a tab or
// carriage return, which some spreadsheets skip before reading the formula) so spreadsheets never run
// it as a formula (OWASP CSV injection); numbers stay numbers.
const CSV_OPTIONS = { escape_formulas: true, cast: { boolean: (b: boolean) => String(b) } } satisfies Options;

/** One field as it appears in the export (the same options as the stream). */
export function csvField(v: Field): string {
  return stringifySync([[v]], CSV_OPTIONS).slice(0, -1);
}

export async function streamProfilesCsv(profiles: CustomerProfileStore, shop: string, res: Response): Promise<number> {
  res.status(200);
  res.set('Content-Type', 'text/csv; charset=utf-8');
  res.set('Content-Disposition', `attachment; filename="segments-${shop.replace(/[^a-z0-9.-]/g, '')}.csv"`);
  res.set('Cache-Control', 'no-store');
  let rows = 0;
  async function* records(): AsyncGenerator<Field[]> {
    for await (const p of profiles.iterateShop(shop)) {
      yield profileRow(p);
      rows++;
    }
  }
  // pipeline() honours back-pressure, and closes the cursor when the browser goes away.
  await pipeline(Readable.from(records()), stringify({ ...CSV_OPTIONS, header: true, columns: CSV_COLUMNS }), res).catch((err: unknown) => {
    if (!res.destroyed) throw err;
  });
  return rows;
}

function profileRow(p: CustomerProfile): Field[] {
  const m = dashboardMetrics(parseMetricsJson(p.metricsJson));
  const byFamily = FAMILIES.map((f) => p.memberships.filter((x) => x.family === f).map((x) => x.segment).join(';'));
  return [p.customerId, m.orders, m.spendMinor, m.scores?.r ?? null, m.scores?.f ?? null, m.scores?.m ?? null, ...byFamily, p.tagsApplied.join(';'), p.tagsPending, p.computedAt ? new Date(p.computedAt).toISOString() : null];
}
