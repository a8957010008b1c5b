// Shopify's orders export CSV (Admin → Orders → Export): one row per line item; order-level columns
// (Email, Financial Status, Total, …) are filled on the order's first row only. Rows are grouped by
// Name (#1001). The customer is the email or, without one, the phone number (Phone, then Billing
// Phone, then Shipping Phone), hashed at once to a pseudonymous id (customer-identity.ts): neither is
// ever kept. The export carries no product ids, so line items are keyed by SKU, or by
// "title:<Lineitem name>" when the SKU is empty.
// Columns are found by name, whatever their order, case or spacing, so the export's variants over the
// years read alike (older ones lack Outstanding Balance, Employee, Location, Device ID, Phone…); the
// separator is read from the header line (spreadsheets re-save with ';' in some locales, and then
// write amounts with a decimal comma).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import type { FinancialStatus, NormalizedOrder } from '../segments/types.ts';
import { assertReadable, CustomerGrouper, ImportError } from './import-result.ts';
import { customerIdFromEmail, customerIdFromPhone, IdentityLinker, normalizePhone } from './customer-identity.ts';
import type { OrderIdentities } from './customer-identity.ts';
import { currencyExponent, parseMinorUnits } from '../money.ts';
import type { BadRow, ImportOptions, ImportResult, OrderStreamOptions } from './import-result.ts';

export { customerIdFromEmail, customerIdFromPhone } from './customer-identity.ts';

const REQUIRED = ['Name', 'Email', 'Financial Status', 'Created at', 'Total'] as const;
const FINANCIAL: ReadonlySet<string> = new Set(['pending', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded', 'voided', 'expired']);
/**
 * A phone number seen with more e-mail addresses than this is shared (the shop's own, a courier's, a
 * placeholder typed at the counter): it links nobody, or it would merge strangers into one customer.
 * A household of a few people sharing one number is linked.
 */
export const MAX_EMAILS_PER_PHONE = 3;
/** Spellings of one column seen in different years' exports → the name this importer asks for. */
const ALIASES: Readonly<Record<string, string>> = { 'canceled at': 'cancelled at' };
/** Where each phone column is read, and the country that reads a number without a country prefix. */
const PHONES = [
  ['Phone', 'Billing Country', 'Shipping Country'],
  ['Billing Phone', 'Billing Country', 'Shipping Country'],
  ['Shipping Phone', 'Shipping Country', 'Billing Country'],
] as const;

/** A header cell → its lookup key: case, spacing, '-'/'_' and a byte-order mark do not matter. */
function columnKey(header: string): string {
  const key = header
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
  return ALIASES[key] ?? key;
}

/** The separator of the header line: the most frequent of , ; and tab outside quotes (',' on a tie). */
export function detectDelimiter(headerLine: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  return counts[';'] > counts[','] && counts[';'] >= counts['\t'] ? ';' : counts['\t'] > counts[','] ? '\t' : ',';
}

async function readHeaderLine(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const end = text.search(/\r?\n/);
    return end === -1 ? text : text.slice(0, end);
  } finally {
    await handle.close();
  }
}

/** An order as read, with the hashed identities that name its customer. */
export interface ShopifyOrderRecord {
  order: NormalizedOrder;
  identities: OrderIdentities;
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
 * Each order's customerId is its own e-mail id, else its phone id: linking the two across orders
 * needs the whole file (importShopifyOrdersCsv).
 */
export async function* streamShopifyOrders(path: string, options: OrderStreamOptions = {}): AsyncGenerator<NormalizedOrder> {
  for await (const { order } of streamShopifyOrderRecords(path, options)) yield order;
}

/** streamShopifyOrders with each order's identities (hashed e-mail and phone) beside it. */
export async function* streamShopifyOrderRecords(path: string, options: OrderStreamOptions = {}): AsyncGenerator<ShopifyOrderRecord> {
  await assertReadable(path);
  const delimiter = detectDelimiter(await readHeaderLine(path));
  const decimalComma = delimiter === ';';
  const parser = createReadStream(path).pipe(parse({ bom: true, delimiter, info: true, raw: true, relax_column_count: true, skip_empty_lines: true, trim: false }));
  const bad = (b: BadRow): void => options.onBadRow?.(b);
  const stats = options.stats ?? { rows: 0 };
  const every = options.progressEvery ?? 100_000;
  let col: Record<string, number> | null = null;
  let current: { name: string; record: ShopifyOrderRecord } | null = null;
  const finished = new Set<string>();
  const keys = new Map<string, string>(); // name → columnKey(name): get() runs ~20 times a row
  const get = (rec: string[], name: string): string => {
    let key = keys.get(name);
    if (key === undefined) keys.set(name, (key = columnKey(name)));
    const i = col![key];
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
        col = {};
        // The first column of a name wins (a re-saved file may repeat a header).
        for (const [i, h] of record.entries()) col[columnKey(h)] ??= i;
        const missing = REQUIRED.filter((r) => col![columnKey(r)] === undefined);
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
      if (current === null || current.name !== name) {
        if (finished.has(name)) {
          bad({ line, reason: `row of order ${name} after other orders (an order's rows must be together)` });
          continue;
        }
        const parsed = parseOrderRow(record, get, decimalComma);
        if (typeof parsed === 'string') {
          bad({ line, reason: parsed });
          continue;
        }
        if (current !== null) {
          finished.add(current.name);
          yield current.record;
        }
        current = { name, record: parsed };
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
        current.record.order.lineItems.push({ productId: sku === '' && title !== '' ? `title:${title}` : null, variantId: null, sku: sku === '' ? null : sku, quantity });
      }
    }
  } catch (err) {
    if (err instanceof ImportError) throw err;
    const e = err as Error & { lines?: number };
    throw new ImportError('unknown-format', `${path}${e.lines ? `:${e.lines}` : ''}: not a readable CSV (${e.message})`);
  }
  if (col === null) throw new ImportError('unknown-format', `${path}: empty file, expected a Shopify orders export`);
  if (current !== null) yield current.record;
}

/**
 * Reads the whole export and groups the orders by customer: e-mail and phone ids linked through the
 * orders that carry both (one person, one customer), named by an e-mail id whenever they have one.
 */
export async function importShopifyOrdersCsv(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const linker = new IdentityLinker();
  const records: ShopifyOrderRecord[] = [];
  const badRows: BadRow[] = [];
  const stats = { rows: 0 };
  const emailsByPhone = new Map<string, Set<string>>();
  for await (const record of streamShopifyOrderRecords(path, { ...options, stats, onBadRow: (b) => badRows.push(b) })) {
    const { email, phone } = record.identities;
    if (email !== null && phone !== null) {
      const emails = emailsByPhone.get(phone);
      if (emails === undefined) emailsByPhone.set(phone, new Set([email]));
      else if (emails.size <= MAX_EMAILS_PER_PHONE) emails.add(email);
    }
    records.push(record);
  }
  for (const { identities } of records) {
    const shared = identities.email !== null && identities.phone !== null && emailsByPhone.get(identities.phone)!.size > MAX_EMAILS_PER_PHONE;
    linker.add(shared ? { email: identities.email, phone: null } : identities);
  }
  const grouper = new CustomerGrouper();
  for (const { order, identities } of records) grouper.add({ ...order, customerId: linker.customerId(identities) });
  return {
    customers: grouper.customers(),
    rows: stats.rows,
    orders: grouper.orders,
    badRows,
    ordersWithoutCustomer: grouper.withoutCustomer,
    identifiedBy: linker.counts(),
    firstOrderAt: grouper.first,
    lastOrderAt: grouper.last,
  };
}

/** The order's hashed e-mail, and its first phone column holding a valid number (E.164, hashed). */
function identitiesOf(rec: string[], get: (rec: string[], name: string) => string): OrderIdentities {
  const email = get(rec, 'Email');
  let phone: string | null = null;
  for (const [column, country, otherCountry] of PHONES) {
    const text = get(rec, column);
    if (text === '') continue;
    const e164 = normalizePhone(text, get(rec, country) || get(rec, otherCountry));
    if (e164 !== null) {
      phone = customerIdFromPhone(e164);
      break;
    }
  }
  return { email: email === '' ? null : customerIdFromEmail(email), phone };
}

/** "1.250,50" → "1250.50" (amounts of a file re-saved with ';' in a decimal-comma locale). */
function fromDecimalComma(text: string): string {
  return /^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$/.test(text) ? text.replace(/\./g, '').replace(',', '.') : text;
}

function parseOrderRow(rec: string[], get: (rec: string[], name: string) => string, decimalComma: boolean): ShopifyOrderRecord | string {
  const amount = (name: string): string => (decimalComma ? fromDecimalComma(get(rec, name)) : get(rec, name));
  const createdText = get(rec, 'Created at');
  const created = parseShopifyTime(createdText);
  if (created === null) return `bad Created at "${createdText}"`;
  const currency = get(rec, 'Currency') || 'USD';
  const digits = currencyExponent(currency);
  const totalText = amount('Total');
  const total = parseMinorUnits(totalText, digits);
  if (total === null) return `bad Total "${totalText}"`;
  const refundedText = amount('Refunded Amount');
  const refunded = refundedText === '' ? 0 : parseMinorUnits(refundedText, digits);
  if (refunded === null) return `bad Refunded Amount "${refundedText}"`;
  const cancelledText = get(rec, 'Cancelled at');
  const cancelled = cancelledText === '' ? null : parseShopifyTime(cancelledText);
  if (cancelledText !== '' && cancelled === null) return `bad Cancelled at "${cancelledText}"`;
  const status = get(rec, 'Financial Status').toLowerCase();
  const identities = identitiesOf(rec, get);
  const id = get(rec, 'Id') || get(rec, 'Name');
  const order: NormalizedOrder = {
    id,
    customerId: identities.email ?? identities.phone,
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
  return { order, identities };
}
