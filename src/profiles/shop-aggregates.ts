// Per-shop aggregates the Overview reads in one point read instead of a scan of every profile:
// customers and revenue in total and per segment key ("family/segment", and the RFM grid's
// "rfm-cell/rXfY"). Rebuilt from the profiles at every whole-shop recompute; between recomputes each
// profile save or delete adds its difference (before → after) with one `$inc`. The difference is
// computed from the profile the writer replaced, so a retried job whose profile is already written
// adds nothing a second time. A shop without them (profiles written before they existed) gets them
// derived from a scan on first read (CustomerProfileStore.derivedState).
//
// Generations. The same document says which generation of the membership index (segment-member-index.ts)
// is live (`gen`), and coordinates a rebuild with the saves running beside it — with single-document
// atomic updates only (FerretDB 1.24 has no multi-document transactions):
// - A save takes a writer lease before it writes the profile (`writers` += token, refused while the
//   gate is closed) and gives it back after its index and aggregate upkeep, in the same update as its
//   `$inc`. A save that began while a rebuild was running also adds its customer to `pending`.
// - A rebuild: (1) `rebuild` := its new generation, `pending` := []; (2) waits until the leases held at
//   that moment are given back — so every save that began before it has written — and only then reads
//   its snapshot of the profiles; (3) builds its generation from the snapshot; (4) catches up: takes
//   `pending` and re-reads those customers' profiles, until it is empty; (5) closes the gate, waits for
//   the leases in flight, catches up once more, and switches in one update that requires `rebuild` to
//   still be its own, `pending` empty and no lease held: `gen` := the new generation, the new counts.
// So every save is either in the snapshot (it began before (1): waited for in (2)), or caught up in
// (4)/(5) (it began after (1): its customer is in `pending` before its lease is given back, and the
// switch cannot happen while a lease is held or `pending` is not empty); no save's upkeep lands in the
// new generation except through the catch-up, so nothing is counted twice. A lease whose holder died is
// ignored after WRITER_TTL_MS; a save slower than that could be lost to the new generation (it is
// logged), and a gate never stays closed longer than CLOSE_MS at a time.
import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { BrowserKeys } from './segment-browser-keys.ts';
import type { MemberChange } from './segment-member-index.ts';
import { upsertRetrying } from './upsert-retrying.ts';

const COLLECTION = 'shop_aggregates';
/** A writer lease not given back after this long belongs to a dead process (a save takes well under 1 s). */
const WRITER_TTL_MS = 60_000;
/** The longest a rebuild keeps the gate closed at a time (it waits for the saves in flight, then switches). */
export const CLOSE_MS = 10_000;
const POLL_MS = 15;

export interface ShopAggregates {
  customers: number;
  revenueMinor: number;
  /** Customers per segment key. */
  members: Record<string, number>;
  /** Summed spend (minor units) of the members per segment key. */
  revenue: Record<string, number>;
}
interface Control {
  /** The live generation of the membership index; absent until the first rebuild (nothing derived yet). */
  gen?: string;
  /** The generation a running rebuild builds, or null. */
  rebuild?: string | null;
  /** Customers saved since the running rebuild began (it re-reads them before it switches). */
  pending?: string[];
  /** Writer leases: "<expires at, epoch ms>:<random>". */
  writers?: string[];
  /** Saves wait while now < closingUntil (epoch ms). */
  closingUntil?: number;
}
type AggregatesRecord = ShopAggregates & Control & { _id: string; shop: string };

const schema = new Schema<AggregatesRecord>(
  {
    _id: String, shop: String, customers: Number, revenueMinor: Number, members: Schema.Types.Mixed, revenue: Schema.Types.Mixed,
    gen: String, rebuild: { type: String, default: null }, pending: [String], writers: [String], closingUntil: Number,
  },
  { collection: COLLECTION, versionKey: false, minimize: false },
);

/** A save's lease: the generation its upkeep goes to, and whether a rebuild was running when it began. */
export interface WriterLease { token: string; gen: string | null; rebuilding: boolean }

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
export function applyChanges(into: ShopAggregates, changes: readonly MemberChange[]): ShopAggregates {
  for (const c of changes) {
    addShare(into, c.before, -1);
    addShare(into, c.after, 1);
  }
  return into;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const expiresAt = (token: string): number => Number(token.slice(0, token.indexOf(':')));
const newToken = (now: number): string => `${now + WRITER_TTL_MS}:${randomBytes(6).toString('hex')}`;
/** The array field is empty or absent (an upsert's empty array may not be stored). */
const noneIn = (field: string) => ({ $or: [{ [field]: { $exists: false } }, { [field]: { $size: 0 } }] });
const gateOpen = (now: number) => ({ $or: [{ closingUntil: { $exists: false } }, { closingUntil: { $lt: now } }] });

export class ShopAggregatesStore {
  readonly model: Model<AggregatesRecord>;
  /** The clock of leases and gates (tests pin it). */
  now: () => number = Date.now;

  constructor(conn: Connection) {
    this.model = (conn.models.ShopAggregates as Model<AggregatesRecord> | undefined) ?? conn.model<AggregatesRecord>('ShopAggregates', schema);
  }

  private async doc(shop: string): Promise<AggregatesRecord | null> {
    return this.model.findOne({ _id: shop }).lean<AggregatesRecord>();
  }

  /** The live aggregates; null until the first rebuild has made a generation live. */
  async get(shop: string): Promise<ShopAggregates | null> {
    const d = await this.doc(shop);
    return d?.gen ? { customers: d.customers ?? 0, revenueMinor: d.revenueMinor ?? 0, members: d.members ?? {}, revenue: d.revenue ?? {} } : null;
  }

  /** The live generation of the membership index, null before the first rebuild. */
  async liveGen(shop: string): Promise<string | null> {
    return (await this.doc(shop))?.gen ?? null;
  }

  /** The control fields (tests and checks). */
  async control(shop: string): Promise<Control | null> {
    const d = await this.doc(shop);
    return d ? { gen: d.gen, rebuild: d.rebuild ?? null, pending: d.pending ?? [], writers: d.writers ?? [], closingUntil: d.closingUntil ?? 0 } : null;
  }

  private async ensureDoc(shop: string): Promise<void> {
    await upsertRetrying(() => this.model.collection.updateOne({ _id: shop } as never, { $setOnInsert: { shop, rebuild: null, pending: [], writers: [], closingUntil: 0 } }, { upsert: true }));
  }

  /** Takes a writer lease (waits while a rebuild's gate is closed). */
  async enter(shop: string): Promise<WriterLease> {
    for (;;) {
      const now = this.now();
      const token = newToken(now);
      const d = await this.model.collection.findOneAndUpdate({ _id: shop, ...gateOpen(now) } as never, { $push: { writers: token } } as never, { returnDocument: 'after' }) as unknown as AggregatesRecord | null;
      if (d) return { token, gen: d.gen ?? null, rebuilding: !!d.rebuild };
      if (!(await this.doc(shop))) await this.ensureDoc(shop);
      else await sleep(POLL_MS);
    }
  }

  /**
   * Gives the lease back with the save's `$inc` (on the generation it began in) and, when a rebuild was
   * running, its customers in `pending` — one update. `changes` null: the save failed (no `$inc`).
   * False when the live generation changed while the lease was held (only after WRITER_TTL_MS).
   */
  async leave(shop: string, lease: WriterLease, customerIds: readonly string[], changes: readonly MemberChange[] | null): Promise<boolean> {
    const update: Record<string, unknown> = { $pullAll: { writers: [lease.token] } };
    if (lease.rebuilding && customerIds.length) update.$addToSet = { pending: { $each: [...new Set(customerIds)] } };
    const inc = lease.gen && changes ? incOf(applyChanges(empty(), changes)) : {};
    if (Object.keys(inc).length) {
      const r = await this.model.collection.updateOne({ _id: shop, gen: lease.gen } as never, { ...update, $inc: inc } as never);
      if (r.matchedCount === 1) return true;
      await this.model.collection.updateOne({ _id: shop } as never, update as never);
      return false;
    }
    await this.model.collection.updateOne({ _id: shop } as never, update as never);
    return true;
  }

  /** A rebuild begins: its generation, the live one, and the leases held now (to wait for). */
  async beginRebuild(shop: string): Promise<{ gen: string; liveGen: string | null; writers: string[] }> {
    const gen = randomBytes(6).toString('hex');
    const d = await upsertRetrying(() => this.model.collection.findOneAndUpdate(
      { _id: shop } as never,
      { $set: { rebuild: gen, pending: [] }, $setOnInsert: { shop, writers: [], closingUntil: 0 } } as never,
      { upsert: true, returnDocument: 'after' },
    )) as unknown as AggregatesRecord;
    return { gen, liveGen: d.gen ?? null, writers: d.writers ?? [] };
  }

  /** Waits until none of `tokens` is held any more (or each has expired); false after `timeoutMs`. */
  async waitForWriters(shop: string, tokens: readonly string[] | null, timeoutMs = Infinity, onWait?: () => Promise<void> | void): Promise<boolean> {
    const started = this.now();
    for (let round = 0; ; round++) {
      const held = (await this.doc(shop))?.writers ?? [];
      const expired = held.filter((t) => expiresAt(t) <= this.now());
      if (expired.length) await this.model.collection.updateOne({ _id: shop } as never, { $pullAll: { writers: expired } } as never);
      const waiting = held.filter((t) => expiresAt(t) > this.now() && (tokens === null || tokens.includes(t)));
      if (!waiting.length) return true;
      if (this.now() - started >= timeoutMs) return false;
      if (round === 0) await onWait?.();
      await sleep(POLL_MS);
    }
  }

  /** Takes (and clears) the customers saved since the rebuild began; null when it is no longer the running one. */
  async takePending(shop: string, gen: string): Promise<string[] | null> {
    const d = await this.model.collection.findOneAndUpdate({ _id: shop, rebuild: gen } as never, { $set: { pending: [] } } as never, { returnDocument: 'before' }) as unknown as AggregatesRecord | null;
    return d ? (d.pending ?? []) : null;
  }

  /** Closes the gate until `until`, or opens it (0); false when the rebuild is no longer the running one. */
  async gate(shop: string, gen: string, until: number): Promise<boolean> {
    return (await this.model.collection.updateOne({ _id: shop, rebuild: gen } as never, { $set: { closingUntil: until } } as never)).matchedCount === 1;
  }

  /** Makes `gen` live with its aggregates — only while it is the running rebuild, nothing is pending and no lease is held. */
  async switchTo(shop: string, gen: string, a: ShopAggregates): Promise<boolean> {
    const r = await this.model.collection.updateOne(
      { _id: shop, rebuild: gen, $and: [noneIn('pending'), noneIn('writers')] } as never,
      { $set: { gen, rebuild: null, closingUntil: 0, customers: a.customers, revenueMinor: a.revenueMinor, members: a.members, revenue: a.revenue } } as never,
    );
    return r.modifiedCount === 1;
  }

  /** The rebuild gives up (its pass failed): saves stop recording customers for it. */
  async abortRebuild(shop: string, gen: string): Promise<void> {
    await this.model.collection.updateOne({ _id: shop, rebuild: gen } as never, { $set: { rebuild: null, pending: [], closingUntil: 0 } } as never);
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
