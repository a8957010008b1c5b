// Orders as the engine needs them (NormalizedOrder, no personal data), stored as one "order book" per
// customer plus a small owner record per order. Every hot-path read and write is a point operation on
// `_id` — the only filter FerretDB 1.x pushes down to its SQLite backend (any other filter scans the
// whole collection) and the cheapest lookup on MongoDB too:
//
//   order_books  {_id: "shop/customerId", shop, customerId, orders: {o<orderId>: "<version>|<json>"}}
//   order_owners {_id: "shop/orderId", shop, customerId: [ids that ever held it], ver: "<version>"}
//
// Webhooks arrive duplicated, out of order and late. A version is the order's updatedAt as a
// fixed-width string, and every write is `$max` on "<version>|<payload>": the newest version wins
// whatever the arrival order, a replay rewrites nothing, and no read-modify-write race exists —
// without transactions and with `_id`-only filters. A deleted order gets a tombstone version above any
// real one; an order that moved to another customer leaves a "moved" entry of the new version in the
// old customer's book. The owner record answers "whose order is this?" (orders/delete and
// refunds/create carry only the order id) and names every book that may hold the order. Its array is
// called `customerId` so that the generic erasure ({shop, customerId} in every collection) covers it.
import { Schema, type Connection, type Model } from 'mongoose';
import { upsertRetrying } from './upsert-retrying.ts';
import type { DocLocks } from './doc-locks.ts';
import type { CustomerInput, FinancialStatus, NormalizedOrder, OrderLineItem } from '../segments/types.ts';
import { shopScope } from './shard-keys.ts';
import { createMissingIndexes } from './missing-indexes.ts';
import { insertReturningDuplicates } from './insert-ignoring-duplicates.ts';

export interface OrderBookDoc {
  _id: string;
  shop: string;
  customerId: string;
  /** o<orderId> → "<version>|<json of StoredOrder>" | "<version>|moved" | "<version>|deleted". */
  orders: Record<string, string>;
}

export interface OrderOwnerDoc {
  _id: string;
  shop: string;
  /** Every customer whose book may hold this order (normally one). */
  customerId: string[];
  ver: string;
}

/** What a book keeps of an order (the engine's NormalizedOrder minus nothing, in compact JSON). */
interface StoredOrder {
  id: string;
  c: string | null;
  ca: number;
  pa: number;
  xa: number | null;
  ua: number;
  t: boolean;
  fs: FinancialStatus;
  n: number;
  g: number;
  cur: string;
  dc: string[];
  sn: string | null;
  tg: string[];
  b2b: boolean;
  li: OrderLineItem[];
}

const bookSchema = new Schema<OrderBookDoc>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    customerId: { type: String, required: true },
    orders: { type: Schema.Types.Mixed, default: {} },
  },
  { collection: 'order_books', versionKey: false, minimize: false },
);
// Point access is by _id; whole-shop reads stream a shop's books in one unsorted scan.
bookSchema.index({ shop: 1, customerId: 1 });

const ownerSchema = new Schema<OrderOwnerDoc>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    customerId: { type: [String], default: [] },
    ver: { type: String, required: true },
  },
  { collection: 'order_owners', versionKey: false },
);
ownerSchema.index({ shop: 1 });

export function orderBookModel(conn: Connection): Model<OrderBookDoc> {
  return (conn.models.OrderBook as Model<OrderBookDoc> | undefined) ?? conn.model<OrderBookDoc>('OrderBook', bookSchema);
}

export function orderOwnerModel(conn: Connection): Model<OrderOwnerDoc> {
  return (conn.models.OrderOwner as Model<OrderOwnerDoc> | undefined) ?? conn.model<OrderOwnerDoc>('OrderOwner', ownerSchema);
}

export type UpsertOutcome = 'written' | 'stale';

/** Fixed width (year 9999 in epoch ms has 15 digits), so string order = time order. */
const versionOf = (updatedAt: number): string => String(Math.max(0, Math.trunc(updatedAt))).padStart(15, '0');
/** Above every real version: a deleted order can never come back through a late webhook. */
const TOMBSTONE = '999999999999999';
const MOVED = 'moved';
const DELETED = 'deleted';

export const bookId = (shop: string, customerId: string): string => `${shop}/${customerId}`;
export const ownerId = (shop: string, orderId: string): string => `${shop}/${orderId}`;
/** Field names may not contain '.' or start with '$' (FerretDB, MongoDB): escape them, and prefix. */
const fieldOf = (orderId: string): string => `o${orderId.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/\$/g, '%24')}`;

function encode(o: NormalizedOrder): string {
  const s: StoredOrder = {
    id: o.id, c: o.customerId, ca: o.createdAt, pa: o.processedAt, xa: o.cancelledAt, ua: o.updatedAt, t: o.test,
    fs: o.financialStatus, n: o.netMinor, g: o.grossMinor, cur: o.currency, dc: o.discountCodes, sn: o.sourceName,
    tg: o.tags, b2b: o.b2b, li: o.lineItems,
  };
  return `${versionOf(o.updatedAt)}|${JSON.stringify(s)}`;
}

/** The live order an entry holds, or null for a tombstone / moved marker. */
function decode(entry: string): NormalizedOrder | null {
  const payload = entry.slice(entry.indexOf('|') + 1);
  if (!payload.startsWith('{')) return null;
  const s = JSON.parse(payload) as StoredOrder;
  return {
    id: s.id, customerId: s.c, createdAt: s.ca, processedAt: s.pa, cancelledAt: s.xa, updatedAt: s.ua, test: s.t,
    financialStatus: s.fs, netMinor: s.n, grossMinor: s.g, currency: s.cur, discountCodes: s.dc, sourceName: s.sn,
    tags: s.tg, b2b: s.b2b,
    lineItems: s.li.map((li) => ({ productId: li.productId ?? null, variantId: li.variantId ?? null, sku: li.sku ?? null, quantity: li.quantity })),
  };
}

const byProcessedAt = (a: NormalizedOrder, b: NormalizedOrder): number => a.processedAt - b.processedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A book's live orders, oldest first. */
export function ordersOfBook(book: Pick<OrderBookDoc, 'orders'> | null): NormalizedOrder[] {
  if (!book?.orders) return [];
  const out: NormalizedOrder[] = [];
  for (const entry of Object.values(book.orders)) {
    const o = decode(entry);
    if (o) out.push(o);
  }
  return out.sort(byProcessedAt);
}

/** Point reads are cheaper than one `$in` up to about this many ids (FerretDB scans for `$in`). */
const POINT_READS_UP_TO = 64;

interface BookEntry {
  customerId: string;
  /** "<version>|<payload>", '' when the book has none. */
  entry: string;
}

/** The entry with the newest version (versions are fixed-width, so the string order is theirs); first wins a tie. */
function newestEntry(entries: readonly BookEntry[], where: (entry: string) => boolean = () => true): BookEntry | null {
  let best: BookEntry | null = null;
  for (const e of entries) if (e.entry && where(e.entry) && (!best || e.entry > best.entry)) best = e;
  return best;
}

export class OrderStore {
  readonly books: Model<OrderBookDoc>;
  readonly owners: Model<OrderOwnerDoc>;
  private readonly locks: DocLocks | null;

  /** `locks`: serialise updates per document (needed on FerretDB, see doc-locks.ts; harmless on MongoDB). */
  constructor(conn: Connection, locks: DocLocks | null = null) {
    this.books = orderBookModel(conn);
    this.owners = orderOwnerModel(conn);
    this.locks = locks;
  }

  /** Runs fn holding the locks of the shop's documents `keys` (one shop per call: one slot on a Redis Cluster). */
  private locked<T>(shop: string, keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    return this.locks ? this.locks.with(shop, keys, fn) : fn();
  }

  private updateBook(shop: string, customerId: string, update: Record<string, unknown>, upsert = false): Promise<unknown> {
    const _id = bookId(shop, customerId);
    return this.locked(shop, [`order_books/${_id}`], () => upsertRetrying(() => this.books.collection.updateOne({ _id } as never, update, { upsert })));
  }

  async init(): Promise<void> {
    await Promise.all([createMissingIndexes(this.books), createMissingIndexes(this.owners)]);
  }

  /**
   * Writes the order unless a strictly newer version is stored (then 'stale'). Two point writes: the
   * owner record ($max version, add customer; returns what was there) and the customer's book ($max
   * entry). previousCustomerId is a different customer that held the order before, if any.
   */
  async upsert(shop: string, order: NormalizedOrder): Promise<{ outcome: UpsertOutcome; previousCustomerId: string | null }> {
    const ver = versionOf(order.updatedAt);
    const oid = ownerId(shop, order.id);
    const before = await this.locked(shop, [`order_owners/${oid}`], () => upsertRetrying(() => this.owners.collection.findOneAndUpdate(
      { _id: oid } as never,
      {
        $max: { ver },
        $setOnInsert: { shop },
        ...(order.customerId ? { $addToSet: { customerId: order.customerId } } : {}),
      },
      { upsert: true, returnDocument: 'before' },
    ))) as unknown as Pick<OrderOwnerDoc, 'ver' | 'customerId'> | null;
    if (before && before.ver > ver) return { outcome: 'stale', previousCustomerId: null };
    const others = (before?.customerId ?? []).filter((c) => c !== order.customerId);
    const field = fieldOf(order.id);
    // The order left these customers' books. Upserted: a backfill may have stored the owner record and
    // not yet the book (upsertMany writes the books after the owners) — its later write of the older
    // entry then loses to this marker ($max), where a marker that found no book left the order live there.
    await Promise.all(others.map((c) => this.updateBook(shop, c, { $max: { [`orders.${field}`]: `${ver}|${MOVED}` }, $setOnInsert: { shop, customerId: c } }, true)));
    if (order.customerId) {
      await this.updateBook(shop, order.customerId, { $max: { [`orders.${field}`]: encode(order) }, $setOnInsert: { shop, customerId: order.customerId } }, true);
    }
    return { outcome: 'written', previousCustomerId: others[0] ?? null };
  }

  /**
   * Batch form for the backfill: one bulk write for the owners, one for the books (one update per
   * customer carrying all its orders of the batch). Same $max semantics as upsert(), so it is
   * idempotent and never overwrites a newer webhook version; a re-run writes nothing. Orders that moved
   * between customers are fixed by reconcileMoves() once the whole backfill has been written: only an
   * order whose owner record existed already can have moved (`existing`, its ids).
   */
  async upsertMany(shop: string, orders: readonly NormalizedOrder[]): Promise<{ written: number; stale: number; existing: string[] }> {
    if (orders.length === 0) return { written: 0, stale: 0, existing: [] };
    // Insert first (a first backfill finds no document: one insert each, no lock needed — an insert is
    // atomic, and a clash with a concurrent webhook is a duplicate key); only the documents that exist
    // already are updated with $max under their locks, as upsert() does.
    const ownerDocs = orders.map((o) => ({ _id: ownerId(shop, o.id), shop, customerId: o.customerId ? [o.customerId] : [], ver: versionOf(o.updatedAt) }));
    // The very documents refused (an order twice in one batch: its second version is one of them).
    const clashed = new Set(await insertReturningDuplicates(this.owners, ownerDocs));
    const existing = orders.filter((_, i) => clashed.has(ownerDocs[i]!));
    let updated = 0;
    if (existing.length) {
      const owned = await this.locked(shop, existing.map((o) => `order_owners/${ownerId(shop, o.id)}`), () => upsertRetrying(() => this.owners.collection.bulkWrite(
        existing.map((o) => ({
          updateOne: {
            filter: { _id: ownerId(shop, o.id) } as never,
            update: { $max: { ver: versionOf(o.updatedAt) }, $setOnInsert: { shop }, ...(o.customerId ? { $addToSet: { customerId: o.customerId } } : {}) },
            upsert: true,
          },
        })),
        { ordered: false },
      )));
      updated = owned.upsertedCount + owned.modifiedCount;
    }
    await this.writeBooks(shop, orders);
    const written = Math.min(orders.length, orders.length - existing.length + updated);
    return { written, stale: orders.length - written, existing: existing.map((o) => o.id) };
  }

  /** The books' side of upsertMany: one document per customer with all its orders of the batch. */
  private async writeBooks(shop: string, orders: readonly NormalizedOrder[]): Promise<void> {
    const perCustomer = new Map<string, Record<string, string>>();
    for (const o of orders) {
      if (!o.customerId) continue;
      let fields = perCustomer.get(o.customerId);
      if (!fields) perCustomer.set(o.customerId, (fields = {}));
      const f = fieldOf(o.id);
      const e = encode(o);
      if (!(f in fields) || fields[f]! < e) fields[f] = e;
    }
    if (!perCustomer.size) return;
    const clashed = await insertReturningDuplicates(this.books, [...perCustomer].map(([customerId, fields]) => ({ _id: bookId(shop, customerId), shop, customerId, orders: fields })));
    if (!clashed.length) return;
    await this.locked(shop, clashed.map((d) => `order_books/${d._id}`), () => upsertRetrying(() => this.books.collection.bulkWrite(
      clashed.map(({ _id, customerId, orders: fields }) => ({
        updateOne: {
          filter: { _id } as never,
          update: { $max: Object.fromEntries(Object.entries(fields).map(([f, e]) => [`orders.${f}`, e])), $setOnInsert: { shop, customerId } },
          upsert: true,
        },
      })),
      { ordered: false },
    )));
  }

  /**
   * Records customers that have no order (yet): an empty book, so a resync segments them too (Prospects:
   * a customer record with no counted order). Never touches a book that exists.
   */
  async registerCustomers(shop: string, customerIds: readonly string[]): Promise<void> {
    if (customerIds.length === 0) return;
    // Inserts, not no-op upserts: FerretDB 1.24 hangs on a batch of `$setOnInsert` upserts that match
    // existing documents (seen on a second backfill), and an insert never rewrites an existing book.
    try {
      await this.books.collection.insertMany(customerIds.map((customerId) => ({ _id: bookId(shop, customerId), shop, customerId, orders: {} })) as never[], { ordered: false });
    } catch (err) {
      const errors = (err as { writeErrors?: Array<{ code?: number }> | { code?: number } }).writeErrors;
      const list = Array.isArray(errors) ? errors : errors ? [errors] : [];
      if (list.length === 0 || !list.every((e) => e.code === 11000)) throw err; // only "exists already" is expected
    }
  }

  /**
   * After a backfill: orders whose owner names more than one customer moved at some point. For each,
   * the book entry with the newest version is the truth; the other books get a "moved" marker of that
   * version. `candidates`: the only orders that can have moved (upsertMany's `existing`: a first
   * install has almost none), read by point reads; without them, a scan of the shop's owner records
   * (no index serves `customerId.1`: at a million customers 4.9 million documents, minutes on FerretDB).
   */
  async reconcileMoves(shop: string, candidates?: readonly string[]): Promise<number> {
    const moved = candidates
      ? await this.movedAmong(shop, candidates)
      : await this.owners.find({ ...shopScope('order_owners', shop), 'customerId.1': { $exists: true } }).lean<OrderOwnerDoc[]>();
    let fixed = 0;
    for (const owner of moved) {
      const orderId = owner._id.slice(shop.length + 1);
      const entries = await this.entriesOf(shop, orderId, owner.customerId);
      const newest = newestEntry(entries)?.entry;
      if (!newest) continue;
      const ver = newest.slice(0, newest.indexOf('|'));
      for (const { customerId, entry } of entries) {
        if (entry === newest || !entry) continue;
        await this.updateBook(shop, customerId, { $max: { [`orders.${fieldOf(orderId)}`]: `${ver}|${MOVED}` } });
        fixed += 1;
      }
    }
    return fixed;
  }

  /** The owner records of these orders that name more than one customer (point reads by `_id`, 64 at a time). */
  private async movedAmong(shop: string, orderIds: readonly string[]): Promise<OrderOwnerDoc[]> {
    const out: OrderOwnerDoc[] = [];
    for (let i = 0; i < orderIds.length; i += 64) {
      const owners = await Promise.all(orderIds.slice(i, i + 64).map((id) => this.owners.findOne({ _id: ownerId(shop, id) }).lean<OrderOwnerDoc>()));
      for (const o of owners) if (o && o.customerId.length > 1) out.push(o);
    }
    return out;
  }

  /** Tombstones the order everywhere it may be; returns the customer it belonged to (if known). Idempotent. */
  async markDeleted(shop: string, orderId: string): Promise<{ customerId: string | null }> {
    const oid = ownerId(shop, orderId);
    const before = await this.locked(shop, [`order_owners/${oid}`], () => upsertRetrying(() => this.owners.collection.findOneAndUpdate(
      { _id: oid } as never,
      { $max: { ver: TOMBSTONE }, $setOnInsert: { shop, customerId: [] } },
      { upsert: true, returnDocument: 'before' },
    ))) as unknown as Pick<OrderOwnerDoc, 'customerId'> | null;
    const customers = before?.customerId ?? [];
    const owner = (await this.currentOwnerAmong(shop, orderId, customers)) ?? customers[0] ?? null;
    const field = `orders.${fieldOf(orderId)}`;
    // Upserted for the same reason as upsert()'s moved marker: a backfill's book write may still be coming.
    await Promise.all(customers.map((c) => this.updateBook(shop, c, { $max: { [field]: `${TOMBSTONE}|${DELETED}` }, $setOnInsert: { shop, customerId: c } }, true)));
    return { customerId: owner };
  }

  /** Of the books that may hold the order, the one whose entry is the newest live version. */
  private async currentOwnerAmong(shop: string, orderId: string, customers: readonly string[]): Promise<string | null> {
    if (customers.length <= 1) return customers[0] ?? null;
    const live = (entry: string) => entry.slice(entry.indexOf('|') + 1).startsWith('{');
    return newestEntry(await this.entriesOf(shop, orderId, customers), live)?.customerId ?? null;
  }

  /** The order's entry in each of these customers' books ('' where a book has none). */
  private async entriesOf(shop: string, orderId: string, customers: readonly string[]): Promise<BookEntry[]> {
    const field = fieldOf(orderId);
    const books = await Promise.all(customers.map((c) => this.books.findOne({ _id: bookId(shop, c) }, { [`orders.${field}`]: 1 }).lean<OrderBookDoc>()));
    return customers.map((customerId, i) => ({ customerId, entry: books[i]?.orders?.[field] ?? '' }));
  }

  /** The order as stored (null if unknown or deleted). */
  async get(shop: string, orderId: string): Promise<NormalizedOrder | null> {
    const owner = await this.owners.findOne({ _id: ownerId(shop, orderId) }).lean<OrderOwnerDoc>();
    if (!owner || owner.ver === TOMBSTONE) return null;
    const best = newestEntry(await this.entriesOf(shop, orderId, owner.customerId));
    return best ? decode(best.entry) : null;
  }

  /** The customer the order belongs to now (refunds/create carries only the order id). */
  async customerIdOf(shop: string, orderId: string): Promise<string | null> {
    const owner = await this.owners.findOne({ _id: ownerId(shop, orderId) }).lean<OrderOwnerDoc>();
    if (!owner) return null;
    return this.currentOwnerAmong(shop, orderId, owner.customerId);
  }

  /** The customer's live orders, oldest first: the engine's input. One point read. */
  async listForCustomer(shop: string, customerId: string): Promise<NormalizedOrder[]> {
    return ordersOfBook(await this.books.findOne({ _id: bookId(shop, customerId) }).lean<OrderBookDoc>());
  }

  async forCustomers(shop: string, customerIds: readonly string[]): Promise<Map<string, NormalizedOrder[]>> {
    const out = new Map<string, NormalizedOrder[]>(customerIds.map((id) => [id, []]));
    if (customerIds.length === 0) return out;
    const books = customerIds.length <= POINT_READS_UP_TO
      ? await Promise.all(customerIds.map((id) => this.books.findOne({ _id: bookId(shop, id) }).lean<OrderBookDoc>()))
      : await this.books.find({ _id: { $in: customerIds.map((id) => bookId(shop, id)) } }).lean<OrderBookDoc[]>();
    for (const b of books) if (b) out.set(b.customerId, ordersOfBook(b));
    return out;
  }

  /**
   * Every customer the shop's books know, with its live orders oldest first (none for a customer
   * registered without orders, or whose orders were all deleted), in no particular order: one streamed
   * scan. Sorted by customer id, FerretDB 1.24 (no sort pushdown) held and sorted every book of the shop
   * in its own memory before the first one came back (6 GB at a million customers, bench:scale); a
   * reader that needs an order sorts what it keeps (shop-snapshot.ts sorts the calibration's summaries).
   */
  async *customersOf(shop: string): AsyncGenerator<CustomerInput> {
    const cursor = this.books.find(shopScope('order_books', shop)).lean<OrderBookDoc[]>().cursor({ batchSize: 1000 });
    try {
      for await (const raw of cursor) {
        const b = raw as OrderBookDoc;
        yield { customerId: b.customerId, orders: ordersOfBook(b) };
      }
    } finally {
      // A reader that stops early releases the server's cursor now, not at its idle timeout (mongoose's
      // cursor has no return() for the loop to call).
      await cursor.close();
    }
  }

  /** Live orders of a shop (a scan: whole-shop reports only). */
  async countOrders(shop: string): Promise<number> {
    let n = 0;
    for await (const c of this.customersOf(shop)) n += c.orders.length;
    return n;
  }

  /** Erases orders (customers/redact's orders_to_redact): entries and owner records go. */
  async deleteByIds(shop: string, orderIds: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const orderId of orderIds) {
      const owner = await this.owners.findOne({ _id: ownerId(shop, orderId) }).lean<OrderOwnerDoc>();
      if (!owner) continue;
      const field = `orders.${fieldOf(orderId)}`;
      await Promise.all(owner.customerId.map((c) => this.updateBook(shop, c, { $unset: { [field]: '' } })));
      deleted += (await this.owners.deleteOne({ _id: owner._id })).deletedCount;
    }
    return deleted;
  }
}
