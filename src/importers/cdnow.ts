// CDNOW transaction log (data/cdnow in this repository): whitespace columns
//   master: customer_id yyyymmdd cds dollars          (an optional header line)
//   sample: customer_id sample_index yyyymmdd cds dollars
// Read in chunks (read-lines.ts). One row = one order: id `<customer>-<line>`, placed 00:00 UTC that day, one line item
// 'cdnow-cd' with quantity = CDs, netMinor = dollars in cents from the string (no float), USD.
import type { NormalizedOrder } from '../segments/types.ts';
import { assertReadable, CustomerGrouper, ImportError } from './import-result.ts';
import { parseMinorUnits } from '../money.ts';
import type { BadRow, ImportOptions, ImportResult, OrderStreamOptions } from './import-result.ts';
import { readLineBatches } from './read-lines.ts';

/** The one product key of every CDNOW line: the log names no products (insights treat it as none). */
export const CDNOW_PRODUCT = 'cdnow-cd';

const dayCache = new Map<string, number | null>();

function parseDay(text: string): number | null {
  let t = dayCache.get(text);
  if (t === undefined) {
    t = parseDayUncached(text);
    if (dayCache.size < 100_000) dayCache.set(text, t);
  }
  return t;
}

function parseDayUncached(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (m === null) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const check = new Date(t);
  return check.getUTCFullYear() === y && check.getUTCMonth() === mo - 1 && check.getUTCDate() === d ? t : null;
}

const DIGITS = /^\d+$/;

export type CdnowRow = { ok: true; order: NormalizedOrder } | { ok: false; reason: string };

/** Parses one data line (already split); `line` makes the order id unique. */
export function parseCdnowFields(fields: string[], line: number): CdnowRow {
  if (fields.length !== 4 && fields.length !== 5) return { ok: false, reason: `expected 4 or 5 columns, got ${fields.length}` };
  const k = fields.length - 4; // the sample has a sample-index column after the customer id
  const customer = fields[0]!;
  const dateText = fields[1 + k]!;
  const cdsText = fields[2 + k]!;
  const valueText = fields[3 + k]!;
  if (!DIGITS.test(customer)) return { ok: false, reason: `bad customer id "${customer}"` };
  const at = parseDay(dateText);
  if (at === null) return { ok: false, reason: `bad date "${dateText}" (want yyyymmdd)` };
  if (!DIGITS.test(cdsText)) return { ok: false, reason: `bad number of CDs "${cdsText}"` };
  const minor = parseMinorUnits(valueText);
  if (minor === null || minor < 0) return { ok: false, reason: `bad dollar value "${valueText}"` };
  const customerId = customer; // kept as written ("00001"): ids are strings
  return {
    ok: true,
    order: {
      id: `${customerId}-${line}`,
      customerId,
      createdAt: at,
      processedAt: at,
      cancelledAt: null,
      updatedAt: at,
      test: false,
      financialStatus: 'paid',
      netMinor: minor,
      grossMinor: minor,
      currency: 'USD',
      discountCodes: [],
      sourceName: 'web',
      tags: [],
      b2b: false,
      lineItems: [{ productId: CDNOW_PRODUCT, variantId: null, sku: null, quantity: Number(cdsText) }],
    },
  };
}

/** Streams the file, yielding the orders of each chunk read; bad rows go to options.onBadRow. */
export async function* streamCdnowOrderBatches(path: string, options: OrderStreamOptions = {}): AsyncGenerator<NormalizedOrder[]> {
  await assertReadable(path);
  const every = options.progressEvery ?? 100_000;
  const stats = options.stats ?? { rows: 0 };
  let lineNo = 0;
  let sawData = false;
  for await (const batch of readLineBatches(path)) {
    const orders: NormalizedOrder[] = [];
    for (const raw of batch) {
      lineNo++;
      const text = raw.trim();
      if (text === '') continue;
      const fields = text.split(/\s+/);
      if (!sawData && !/^\d/.test(fields[0]!)) {
        if (/customer/i.test(text)) continue; // header line
        throw new ImportError('unknown-format', `${path}:${lineNo}: not a CDNOW log (expected "customer_id yyyymmdd cds dollars", got "${text.slice(0, 60)}")`);
      }
      const row = parseCdnowFields(fields, lineNo);
      if (!sawData && !row.ok) throw new ImportError('unknown-format', `${path}:${lineNo}: not a CDNOW log: ${row.reason}`);
      sawData = true;
      stats.rows++;
      if (row.ok) orders.push(row.order);
      else options.onBadRow?.({ line: lineNo, reason: row.reason });
      if (options.onProgress && stats.rows % every === 0) options.onProgress(stats.rows);
    }
    if (orders.length) yield orders;
  }
  if (!sawData) throw new ImportError('unknown-format', `${path}: no CDNOW rows found`);
}

/** Streams the orders one by one (for backfills and the simulator). */
export async function* streamCdnowOrders(path: string, options: OrderStreamOptions = {}): AsyncGenerator<NormalizedOrder> {
  for await (const batch of streamCdnowOrderBatches(path, options)) yield* batch;
}

/** Reads the whole log and groups the orders by customer (the file need not be sorted). */
export async function importCdnow(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const grouper = new CustomerGrouper();
  const badRows: BadRow[] = [];
  const stats = { rows: 0 };
  for await (const batch of streamCdnowOrderBatches(path, { ...options, stats, onBadRow: (b) => badRows.push(b) })) for (const o of batch) grouper.add(o);
  return { customers: grouper.customers(), rows: stats.rows, orders: grouper.orders, badRows, ordersWithoutCustomer: 0, firstOrderAt: grouper.first, lastOrderAt: grouper.last };
}
