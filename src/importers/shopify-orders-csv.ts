// Shopify's orders export CSV (Admin → Orders → Export): one row per line item; order-level columns
// (Email, Financial Status, Total, …) are filled on the order's first row only. Rows are grouped by
// Name (#1001). The customer is the email, hashed at once to a pseudonymous id: the email itself is
// never kept. The export carries no product ids, so line items are keyed by SKU, or by
// "title:<Lineitem name>" when the SKU is empty.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { FinancialStatus, NormalizedOrder } from '../segments/types.ts';
import { assertReadable, CustomerGrouper, ImportError } from './import-result.ts';
import { currencyExponent, parseMinorUnits } from '../money.ts';
import type { BadRow, ImportOptions, ImportResult, OrderStreamOptions } from './import-result.ts';

const REQUIRED = ['Name', 'Email', 'Financial Status', 'Created at', 'Total'] as const;
const FINANCIAL: ReadonlySet<string> = new Set(['pending', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded', 'voided', 'expired']);

/** Stable pseudonymous customer id from an email (lower-cased, trimmed). */
export function customerIdFromEmail(email: string): string {
  return 'email-' + createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 24);
}

/** "2024-03-15 10:22:01 +0100" (the export's format) or ISO 8601 → epoch ms; null if unparsable. */
export function parseShopifyTime(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  let t = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls impossible fields over (month 13, day 45, 99:99): reject them instead.
  const check = new Date(t);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  const tz = m[7];
  if (tz && tz !== 'Z' && tz !== 'UTC') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return Number.isFinite(t) ? t : null;
}

/**
 * Streams the orders of an export one by one: an order is complete when a row of another order
 * starts (Shopify writes an order's line-item rows together). Bad rows go to options.onBadRow.
 */
export async function* streamShopifyOrders(path: string, options: OrderStreamOptions = {}): AsyncGenerator<NormalizedOrder> {
  await assertReadable(path);
  const parser = createReadStream(path).pipe(parse({ bom: true, info: true, raw: true, relax_column_count: true, skip_empty_lines: true, trim: false }));
  const bad = (b: BadRow): void => options.onBadRow?.(b);
  const stats = options.stats ?? { rows: 0 };
  const every = options.progressEvery ?? 100_000;
  let col: Record<string, number> | null = null;
  let open: { name: string; order: NormalizedOrder } | null = null;
  const finished = new Set<string>();
  const get = (rec: string[], name: string): string => {
    const i = col![name];
    return i === undefined ? '' : (rec[i] ?? '').trim();
  };
  try {
    // csv-parse counts a CR LF inside a quoted field as two lines; subtract those so line numbers
    // match what an editor shows (the record's last line).
    let overCounted = 0;
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number }; raw: string }>) {
      const { record, info } = item;
      overCounted += item.raw.match(/\r\n/g)?.length ?? 0;
      const line = info.lines - overCounted;
      if (col === null) {
        col = Object.fromEntries(record.map((h, i) => [h.trim(), i]));
        const missing = REQUIRED.filter((r) => col![r] === undefined);
        if (missing.length) throw new ImportError('unknown-format', `${path}: not a Shopify orders export (missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')})`);
        continue;
      }
      stats.rows++;
      if (options.onProgress && stats.rows % every === 0) options.onProgress(stats.rows);
      const name = get(record, 'Name');
      if (name === '') {
        bad({ line, reason: 'empty Name (order number)' });
        continue;
      }
      if (open === null || open.name !== name) {
        if (finished.has(name)) {
          bad({ line, reason: `row of order ${name} after other orders (an order's rows must be together)` });
          continue;
        }
        const parsed = parseOrderRow(record, get);
        if (typeof parsed === 'string') {
          bad({ line, reason: parsed });
          continue;
        }
        if (open !== null) {
          finished.add(open.name);
          yield open.order;
        }
        open = { name, order: parsed };
      }
      const qtyText = get(record, 'Lineitem quantity');
      if (qtyText !== '') {
        const quantity = Number(qtyText);
        if (!Number.isInteger(quantity) || quantity < 0) {
          bad({ line, reason: `bad Lineitem quantity "${qtyText}"` });
          continue;
        }
        const sku = get(record, 'Lineitem sku');
        const title = get(record, 'Lineitem name');
        open.order.lineItems.push({ productId: sku === '' && title !== '' ? `title:${title}` : null, variantId: null, sku: sku === '' ? null : sku, quantity });
      }
    }
  } catch (err) {
    if (err instanceof ImportError) throw err;
    const e = err as Error & { lines?: number };
    throw new ImportError('unknown-format', `${path}${e.lines ? `:${e.lines}` : ''}: not a readable CSV (${e.message})`);
  }
  if (col === null) throw new ImportError('unknown-format', `${path}: empty file, expected a Shopify orders export`);
  if (open !== null) yield open.order;
}

/** Reads the whole export and groups the orders by customer (hashed email). */
export async function importShopifyOrdersCsv(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const grouper = new CustomerGrouper();
  const badRows: BadRow[] = [];
  const stats = { rows: 0 };
  for await (const order of streamShopifyOrders(path, { ...options, stats, onBadRow: (b) => badRows.push(b) })) grouper.add(order);
  return { customers: grouper.customers(), rows: stats.rows, orders: grouper.orders, badRows, ordersWithoutCustomer: grouper.withoutCustomer, firstOrderAt: grouper.first, lastOrderAt: grouper.last };
}

function parseOrderRow(rec: string[], get: (rec: string[], name: string) => string): NormalizedOrder | string {
  const createdText = get(rec, 'Created at');
  const created = parseShopifyTime(createdText);
  if (created === null) return `bad Created at "${createdText}"`;
  const currency = get(rec, 'Currency') || 'USD';
  const digits = currencyExponent(currency);
  const totalText = get(rec, 'Total');
  const total = parseMinorUnits(totalText, digits);
  if (total === null) return `bad Total "${totalText}"`;
  const refundedText = get(rec, 'Refunded Amount');
  const refunded = refundedText === '' ? 0 : parseMinorUnits(refundedText, digits);
  if (refunded === null) return `bad Refunded Amount "${refundedText}"`;
  const cancelledText = get(rec, 'Cancelled at');
  const cancelled = cancelledText === '' ? null : parseShopifyTime(cancelledText);
  if (cancelledText !== '' && cancelled === null) return `bad Cancelled at "${cancelledText}"`;
  const status = get(rec, 'Financial Status').toLowerCase();
  const email = get(rec, 'Email');
  const id = get(rec, 'Id') || get(rec, 'Name');
  return {
    id,
    customerId: email === '' ? null : customerIdFromEmail(email),
    createdAt: created,
    processedAt: created,
    cancelledAt: cancelled,
    updatedAt: created,
    test: false,
    financialStatus: (FINANCIAL.has(status) ? status : 'unknown') as FinancialStatus,
    netMinor: total - refunded,
    grossMinor: total,
    currency,
    discountCodes: get(rec, 'Discount Code')
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== ''),
    sourceName: get(rec, 'Source') || null,
    tags: get(rec, 'Tags')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
    b2b: false,
    lineItems: [],
  };
}
