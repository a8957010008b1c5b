// Per-shop aggregates the Overview reads in one point read instead of a scan of every profile:
// customers and revenue in total and per segment key ("family/segment", and the RFM grid's
// "rfm-cell/rXfY"). Rebuilt from the profiles at every whole-shop recompute; between recomputes each
// profile save or delete adds its difference (before → after) with one `$inc`. The difference is
// computed from the profile the writer replaced, so a retried job whose profile is already written
// adds nothing a second time. A shop without them (profiles written before they existed) gets them
// derived from a scan on first read (CustomerProfileStore.derivedState).
//
// Generations. The same document says which generation of the membership index (segment-member-index.ts)
// is live (`gen`) and which record of the shop's change log was applied last (`lastApplied`). The saves
// and the rebuild coordinate in Redis (derived-buffer.ts):
// - A save takes a writer lease before it writes the profile (refused while the gate is closed) and
//   gives it back after its write, in the same Redis call that appends its change (the keys of the
//   profile its write replaced → the keys it wrote) to the shop's log; a save that began while a
//   rebuild was running also adds its customer to `pending`. The applier (one per shop at a time)
//   applies the log in batches to the live generation and its counts.
// - A rebuild: (1) `rebuild` := its new generation, `pending` := {}; (2) waits until the leases held at
//   that moment are given back — so every save that began before it has written — and only then reads
//   its snapshot of the profiles; (3) builds its generation from the snapshot; (4) catches up: takes
//   `pending` and re-reads those customers' profiles, until it is empty; (5) closes the gate, waits for
//   the leases in flight, catches up once more, and — holding the applier's lock — checks in one Redis
//   call that `rebuild` is still its own, `pending` empty and no lease held, drops the log, and then
//   sets `gen` := the new generation with its counts (and `lastApplied` := none).
// So every save is either in the snapshot (it began before (1): waited for in (2)), or caught up in
// (4)/(5) (it began after (1): its customer is in `pending` before its lease is given back, and the
// switch cannot happen while a lease is held or `pending` is not empty); every record in the log at the
// switch belongs to one of those, so dropping it counts nothing twice and loses nothing. A lease whose
// holder died is ignored after WRITER_TTL_MS; a save slower than that could be lost to the new
// generation (it is logged), and a gate never stays closed longer than CLOSE_MS at a time.
import { Schema, type Connection, type Model } from 'mongoose';
import type { BrowserKeys } from './segment-browser-keys.ts';
import type { MemberChange } from './segment-member-index.ts';
import { upsertRetrying } from './upsert-retrying.ts';

const COLLECTION = 'shop_aggregates';

export interface ShopAggregates {
  customers: number;
  revenueMinor: number;
  /** Customers per segment key. */
  members: Record<string, number>;
  /** Summed spend (minor units) of the members per segment key. */
  revenue: Record<string, number>;
}
/** `chunksNamed`: the live generation was switched to by a version whose heads name all their chunks (segment-member-index.ts). */
type AggregatesRecord = ShopAggregates & { _id: string; shop: string; gen?: string; lastApplied?: string | null; chunksNamed?: boolean };

const schema = new Schema<AggregatesRecord>(
  { _id: String, shop: String, customers: Number, revenueMinor: Number, members: Schema.Types.Mixed, revenue: Schema.Types.Mixed, gen: String, lastApplied: { type: String, default: null }, chunksNamed: Boolean },
  { collection: COLLECTION, versionKey: false, minimize: false },
);

const spendOf = (k: BrowserKeys): number => (k.bySpend > 0 ? k.bySpend : 0);

/** Adds (sign 1) or removes (sign -1) one customer's share of the aggregates to `into`. */
function addShare(into: ShopAggregates, k: BrowserKeys | null, sign: 1 | -1): void {
  if (!k) return;
  into.customers += sign;
  into.revenueMinor += sign * spendOf(k);
  for (const seg of new Set(k.segmentKeys)) {
    into.members[seg] = (into.members[seg] ?? 0) + sign;
    into.revenue[seg] = (into.revenue[seg] ?? 0) + sign * spendOf(k);
  }
}

const empty = (): ShopAggregates => ({ customers: 0, revenueMinor: 0, members: {}, revenue: {} });

/** The aggregates of these customers, from scratch. */
export function deriveAggregates(members: Iterable<{ keys: BrowserKeys }>): ShopAggregates {
  const a = empty();
  for (const m of members) addShare(a, m.keys, 1);
  return a;
}

/** Adds these changes' difference (before → after) to `into`. */
export function applyChanges(into: ShopAggregates, changes: Iterable<MemberChange>): ShopAggregates {
  for (const c of changes) {
    addShare(into, c.before, -1);
    addShare(into, c.after, 1);
  }
  return into;
}

export class ShopAggregatesStore {
  readonly model: Model<AggregatesRecord>;

  constructor(conn: Connection) {
    this.model = (conn.models.ShopAggregates as Model<AggregatesRecord> | undefined) ?? conn.model<AggregatesRecord>('ShopAggregates', schema);
  }

  /** The live generation and the last log record applied to it (null before the first rebuild). */
  async head(shop: string): Promise<{ gen: string; lastApplied: string | null } | null> {
    const d = await this.model.findOne({ _id: shop }, { gen: 1, lastApplied: 1 }).lean<AggregatesRecord>();
    return d?.gen ? { gen: d.gen, lastApplied: d.lastApplied ?? null } : null;
  }

  /** The live aggregates; null until the first rebuild has made a generation live. */
  async get(shop: string): Promise<ShopAggregates | null> {
    const d = await this.model.findOne({ _id: shop }).lean<AggregatesRecord>();
    return d?.gen ? { customers: d.customers ?? 0, revenueMinor: d.revenueMinor ?? 0, members: d.members ?? {}, revenue: d.revenue ?? {} } : null;
  }

  /** The live generation of the membership index, null before the first rebuild. */
  async liveGen(shop: string): Promise<string | null> {
    return (await this.head(shop))?.gen ?? null;
  }

  /**
   * The live generation, and whether every chunk the shop's index may hold is named by a head: false
   * before the first switch by this version (a rebuild of an earlier one that died may have left chunks
   * without a head — found by a scan once).
   */
  async generations(shop: string): Promise<{ liveGen: string | null; chunksNamed: boolean }> {
    const d = await this.model.findOne({ _id: shop }, { gen: 1, chunksNamed: 1 }).lean<AggregatesRecord>();
    return { liveGen: d?.gen ?? null, chunksNamed: d?.chunksNamed === true };
  }

  /**
   * Adds a batch of log records' difference to generation `gen`'s counts and records its last record as
   * applied — only if `gen` is live and `previous` was the last applied (compare-and-set: a batch
   * retried after a crash, or applied by a second applier, counts once). False when it did not apply.
   */
  async applyBatch(shop: string, gen: string, previous: string | null, last: string, changes: Iterable<MemberChange>): Promise<boolean> {
    const inc = incOf(applyChanges(empty(), changes));
    const r = await this.model.collection.updateOne(
      { _id: shop, gen, lastApplied: previous } as never,
      { $set: { lastApplied: last }, ...(Object.keys(inc).length ? { $inc: inc } : {}) } as never,
    );
    return r.modifiedCount === 1;
  }

  /** Makes `gen` live with its aggregates (the rebuild's switch: the caller holds the applier's lock). */
  async switchTo(shop: string, gen: string, a: ShopAggregates): Promise<void> {
    await upsertRetrying(() => this.model.collection.updateOne(
      { _id: shop } as never,
      { $set: { shop, gen, chunksNamed: true, lastApplied: null, customers: a.customers, revenueMinor: a.revenueMinor, members: a.members, revenue: a.revenue } } as never,
      { upsert: true },
    ));
  }
}

/** The `$inc` of a difference (nothing for what cancels out). */
function incOf(d: ShopAggregates): Record<string, number> {
  const inc: Record<string, number> = {};
  if (d.customers) inc.customers = d.customers;
  if (d.revenueMinor) inc.revenueMinor = d.revenueMinor;
  for (const [seg, n] of Object.entries(d.members)) if (n) inc[`members.${seg}`] = n;
  for (const [seg, n] of Object.entries(d.revenue)) if (n) inc[`revenue.${seg}`] = n;
  return inc;
}
