// Customer profiles: what the engine concluded about one customer, the tags we want on Shopify and the
// tags we last wrote there. No personal data: ids, numbers and explanations only.
import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { TagSyncState } from './tag-sync-state.ts';
import { upsertRetrying } from './upsert-retrying.ts';
import { insertReturningDuplicates } from './insert-ignoring-duplicates.ts';
import { createMissingIndexes } from './missing-indexes.ts';
import { BROWSER_SORT_FIELDS, browserKeys, RFM_CELL_FAMILY, type BrowserKeys, type BrowserSortField } from './segment-browser-keys.ts';
import { decodeEntry, entryKey, SegmentMemberIndex, type MemberChange } from './segment-member-index.ts';
import { applyChanges, deriveAggregates, ShopAggregatesStore, type ShopAggregates } from './shop-aggregates.ts';
import { CLOSE_MS, type DerivedBuffer, type DerivedRecord } from './derived-buffer.ts';

/** Where the previous page of a segment ended: its last row's sort value and customer id. */
export interface SegmentPageCursor {
  value: number;
  customerId: string;
}
import { shopScope } from './shard-keys.ts';
import { SegmentSizeHistory } from './segment-size-history.ts';
import type { ExplanationMsg } from '../segments/explanation.ts';

const COLLECTION = 'customer_profiles';

export interface StoredMembership {
  family: string;
  segment: string;
  label: string;
  tag: string;
  /** English sentence (CLI, CSV, Flow); documents written before messages existed have only this. */
  explanation: string;
  /** The explanation as message id + parameters (src/segments/explanation.ts); absent in older documents. */
  explanationMsg?: ExplanationMsg | null;
  /** When the customer entered this segment (epoch ms), carried across recomputes. */
  since: number | null;
}

/** The stored document. */
export interface CustomerProfileDoc {
  shop: string;
  customerId: string;
  /** Engine output kept as opaque JSON text: its keys (product ids, skus) may contain '.', which FerretDB forbids in keys. */
  metricsJson: string;
  predictionsJson: string;
  replenishmentJson: string;
  memberships: StoredMembership[];
  /** App-owned tags the customer should carry (what is applied on Shopify: tag-sync-state.ts). */
  tagsDesired: string[];
  /** Increments whenever tagsDesired changes, so a sync only marks done the revision it wrote. */
  tagsRevision: number;
  /** Next instant at which memberships change without a new order (recency sweep); null = never. */
  nextChangeAt: Date | null;
  asOf: Date;
  computedAt: Date;
  calibrationId: string | null;
  /** "family/segment" of every membership plus the RFM cell ("rfm-cell/r5f3"): the segment browser's filter. */
  segmentKeys?: string[];
  /** Sort keys of the segment browser (segment-browser-keys.ts), -1 where unknown. */
  bySpend?: number;
  byOrders?: number;
  byLastOrder?: number;
  byChurn?: number;
  byClv?: number;
}

/** A profile as read: the document plus its tag-sync state (kept in Redis, see tag-sync-state.ts). */
export interface CustomerProfile extends CustomerProfileDoc {
  /** App-owned tags last written to Shopify (merchant tags are never stored or touched). */
  tagsApplied: string[];
  /** True while tagsDesired differs from tagsApplied. */
  tagsPending: boolean;
}

const membershipSchema = new Schema<StoredMembership>(
  {
    family: { type: String, required: true },
    segment: { type: String, required: true },
    label: { type: String, default: '' },
    tag: { type: String, required: true },
    explanation: { type: String, default: '' },
    // Plain JSON (ids, numbers, day strings; no '.' in keys); missing in documents written before it.
    explanationMsg: { type: Schema.Types.Mixed, default: undefined },
    since: { type: Number, default: null },
  },
  { _id: false },
);

/**
 * As stored: the document plus its key, memberships as JSON text (`membershipsJson`). FerretDB keeps a
 * type schema beside every document, as large as the nested memberships themselves, and decodes both
 * on every read, a scan included: as text, a shop's profiles scan 3.8× faster and insert 2.4× faster
 * (20,000 profiles, docs/benchmarks.md, issue 18 session 13). Documents written before hold the
 * array in `memberships`; they are read as they are (decodeProfile) and rewritten as text at their next
 * save, or by the next nightly recalibration (recompute-shop.ts, `PreviousLite.arrayForm`), even when
 * nothing about the customer changed. Old and new versions of the app must not write at the same time
 * (an older writer sets the array beside a newer text): docs/operations.md, upgrading.
 */
type ProfileRecord = Omit<CustomerProfileDoc, 'memberships'> & { _id: string; membershipsJson?: string; memberships?: StoredMembership[] };

/** A stored profile as the app reads it: memberships decoded from their text, or the older array. */
export function decodeProfile<T extends { membershipsJson?: string; memberships?: StoredMembership[] }>(raw: T): Omit<T, 'membershipsJson'> & { memberships: StoredMembership[] } {
  const { membershipsJson, ...rest } = raw;
  return { ...rest, memberships: membershipsJson != null ? (JSON.parse(membershipsJson) as StoredMembership[]) : (raw.memberships ?? []) };
}

/** What a read projects to get the memberships, in either form. */
const MEMBERSHIPS_PROJECTION = { membershipsJson: 1, memberships: 1 } as const;

const profileSchema = new Schema<ProfileRecord>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    customerId: { type: String, required: true },
    metricsJson: { type: String, default: '{}' },
    predictionsJson: { type: String, default: '{}' },
    replenishmentJson: { type: String, default: '[]' },
    membershipsJson: { type: String },
    // Older documents only (see ProfileRecord); kept in the schema so a save can unset it.
    memberships: { type: [membershipSchema], default: undefined },
    tagsDesired: { type: [String], default: [] },
    tagsRevision: { type: Number, default: 0 },
    nextChangeAt: { type: Date, default: null },
    asOf: { type: Date, required: true },
    computedAt: { type: Date, required: true },
    calibrationId: { type: String, default: null },
    segmentKeys: { type: [String], default: [] },
    bySpend: { type: Number, default: -1 },
    byOrders: { type: Number, default: -1 },
    byLastOrder: { type: Number, default: -1 },
    byChurn: { type: Number, default: -1 },
    byClv: { type: Number, default: -1 },
  },
  { collection: COLLECTION, versionKey: false, minimize: false },
);
// Query paths: one customer (by _id = "shop/customerId": the one filter FerretDB 1.x answers from an
// index, a point read on MongoDB too); a shop's profiles in customer order; the recency sweep.
// (Pending tag writes: Redis. Counts per segment: the shop's aggregates.)
profileSchema.index({ shop: 1, customerId: 1 }, { unique: true });
profileSchema.index({ shop: 1, nextChangeAt: 1 });
/** Declared by earlier versions, dropped at start where still there: memberships are text now (ProfileRecord), and nothing queried it. */
export const OBSOLETE_PROFILE_INDEXES = ['shop_1_memberships.family_1_memberships.segment_1'];
// The segment browser and the Overview read no index of this collection: they read the membership
// index (segment-member-index.ts) and the shop's aggregates (shop-aggregates.ts), kept by this store.

export interface ProfileUpdate {
  memberships: StoredMembership[];
  tagsDesired: string[];
  metrics: unknown;
  predictions: unknown;
  replenishment: unknown;
  nextChangeAt: Date | null;
  asOf: Date;
  computedAt: Date;
  calibrationId: string | null;
}

export interface SaveResult {
  previous: CustomerProfileDoc | null;
  /** Revision of tagsDesired after this save. */
  tagsRevision: number;
}

/** A profile as the tag sync reads it: tag fields, and the metafield's inputs when that is written. */
export type TagSyncRow = Pick<CustomerProfileDoc, 'customerId' | 'tagsDesired' | 'tagsRevision'> & Partial<Pick<CustomerProfileDoc, 'memberships' | 'predictionsJson'>>;

/** The browser keys a stored profile carries (those of segment-browser-keys.ts, -1 where absent). */
export function keysOfDoc(d: Pick<CustomerProfileDoc, 'segmentKeys' | BrowserSortField>): BrowserKeys {
  return { segmentKeys: d.segmentKeys ?? [], bySpend: d.bySpend ?? -1, byOrders: d.byOrders ?? -1, byLastOrder: d.byLastOrder ?? -1, byChurn: d.byChurn ?? -1, byClv: d.byClv ?? -1 };
}

/** A rebuild of the membership index and aggregates under way (beginRebuild → finishRebuild). */
export interface DerivedRebuild { shop: string; gen: string; liveGen: string | null }

/** Where a test can hold a save or a rebuild (shop-aggregates.ts, "Generations"). */
export type DerivedHookPoint = 'save:entered' | 'save:written' | 'rebuild:begun' | 'rebuild:waiting' | 'rebuild:built' | 'rebuild:closed' | 'rebuild:switching' | 'rebuild:switched' | 'apply:batch';
export interface DerivedHooks { at?: (point: DerivedHookPoint, shop: string, customerId?: string) => Promise<void> | void }

/** What keysOfDoc reads of a stored profile (and whose keys they are). */
const KEYS_PROJECTION = { _id: 0, customerId: 1, segmentKeys: 1, ...Object.fromEntries(BROWSER_SORT_FIELDS.map((f) => [f, 1])) };

/** A driver cursor's documents in arrays of `size` (the cursor is closed however the caller stops). */
async function* batchesOf<T>(cursor: AsyncIterable<T> & { close(): Promise<void> }, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  try {
    for await (const d of cursor) {
      batch.push(d);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  } finally {
    await cursor.close();
  }
}

/** A rebuild closes its gate once a catch-up round finds at most this many customers saved meanwhile, or after CATCH_UP_ROUNDS. */
const CATCH_UP_FEW = 100;
const CATCH_UP_ROUNDS = 5;
/** Log records the applier takes at a time. */
const APPLY_BATCH = 2_000;

/**
 * Per customer, the net change of its records: the keys that are some record's "before" and no
 * record's "after" (what the index holds) → the reverse (what it must hold), whatever order the saves
 * recorded in. When a chain does not close (a record lost or not yet logged), the first "before" and
 * the last "after"; a reader checks every row against the profile (segmentPage), and the next rebuild
 * drops an entry left behind.
 */
export interface NetChange extends MemberChange { closed: boolean }
export function netChanges(records: readonly DerivedRecord[]): NetChange[] {
  const per = new Map<string, DerivedRecord[]>();
  for (const r of records) {
    const rs = per.get(r.c);
    if (rs) rs.push(r);
    else per.set(r.c, [r]);
  }
  const out: NetChange[] = [];
  for (const [customerId, rs] of per) {
    const count = new Map<string, { keys: BrowserKeys | null; n: number }>();
    const add = (k: BrowserKeys | null, d: number) => {
      const id = k ? JSON.stringify([k.segmentKeys, ...BROWSER_SORT_FIELDS.map((f) => k[f])]) : 'null';
      count.set(id, { keys: k, n: (count.get(id)?.n ?? 0) + d });
    };
    for (const r of rs) {
      add(r.b, 1);
      add(r.a, -1);
    }
    const before = [...count.values()].filter((x) => x.n === 1);
    const after = [...count.values()].filter((x) => x.n === -1);
    const unit = [...count.values()].every((x) => Math.abs(x.n) <= 1);
    // A chain (one net before, one net after) or a cycle (back where it began: nothing to change).
    if (unit && before.length === 1 && after.length === 1) out.push({ customerId, before: before[0]!.keys, after: after[0]!.keys, closed: true });
    else if (unit && !before.length && !after.length) out.push({ customerId, before: rs[0]!.b, after: rs[0]!.b, closed: true });
    else out.push({ customerId, before: rs[0]!.b, after: rs.at(-1)!.a, closed: false });
  }
  return out;
}

/** Profile documents are keyed by shop and customer: point reads and writes on every backend. */
export const profileId = (shop: string, customerId: string): string => `${shop}/${customerId}`;

/** The same tag set, in any order. */
export const sameTags = (a: readonly string[], b: readonly string[]): boolean => {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((t) => s.has(t));
};

export class CustomerProfileStore {
  readonly model: Model<ProfileRecord>;
  /** The segment browser's membership index, kept in step with every profile write of this store. */
  readonly memberIndex: SegmentMemberIndex;
  /** The Overview's per-shop aggregates, kept in step the same way. */
  readonly aggregates: ShopAggregatesStore;
  /** Segment sizes per day (the Overview's chart), recorded from the aggregates. */
  readonly sizeHistory: SegmentSizeHistory;
  private readonly tagState: TagSyncState | null;
  private readonly buffer: DerivedBuffer | null;
  /** Test hooks at the steps of saves and rebuilds (a test awaits its barriers there); none in production. */
  hooks: DerivedHooks = {};
  /** Saves whose lease expired before they gave it back (see withDerived). */
  outlivedLeases = 0;
  /** Rebuilds begun again because their Redis keys vanished (finishRebuild). */
  restartedRebuilds = 0;

  /** `derived`: where saves and rebuilds coordinate (Redis); without it the store cannot save (reads and replaceMany only). */
  constructor(conn: Connection, tagState: TagSyncState | null = null, derived: DerivedBuffer | null = null) {
    this.model = (conn.models.CustomerProfile as Model<ProfileRecord> | undefined) ?? conn.model<ProfileRecord>('CustomerProfile', profileSchema);
    this.memberIndex = new SegmentMemberIndex(conn);
    this.aggregates = new ShopAggregatesStore(conn);
    this.sizeHistory = new SegmentSizeHistory(conn);
    this.tagState = tagState;
    this.buffer = derived;
  }

  /** The coordination of saves and rebuilds (derived-buffer.ts). */
  get derived(): DerivedBuffer {
    if (!this.buffer) throw new Error('CustomerProfileStore: saves and rebuilds need the derived buffer (Redis)');
    return this.buffer;
  }

  /**
   * A profile write under a writer lease (shop-aggregates.ts, "Generations"): `write` returns the change
   * it made, recorded in the shop's log as the lease is given back, then applied (applyDerived).
   */
  private async withDerived<T>(shop: string, customerId: string, write: () => Promise<{ result: T; change: Omit<MemberChange, 'customerId'> | null }>): Promise<T> {
    const lease = await this.derived.enter(shop);
    await this.hooks.at?.('save:entered', shop, customerId);
    let done: { result: T; change: Omit<MemberChange, 'customerId'> | null };
    try {
      done = await write();
      await this.hooks.at?.('save:written', shop, customerId);
    } catch (err) {
      await this.derived.leave(shop, lease, customerId, null);
      throw err;
    }
    // False only for a save that held its lease past WRITER_TTL_MS: if a rebuild switched meanwhile,
    // its change reaches the new generation at the next rebuild.
    if (!(await this.derived.leave(shop, lease, customerId, done.change))) this.outlivedLeases++;
    if (done.change) await this.applyDerived(shop);
    return done.result;
  }

  /**
   * Applies the shop's log to the live generation and its counts, batch by batch, unless another
   * applier holds the lock (it applies what this caller recorded: it checks the log again after it
   * lets go). Per customer the net change of its records goes to the index; every record's difference
   * goes to the counts (exact whatever order concurrent saves recorded in).
   */
  async applyDerived(shop: string): Promise<void> {
    for (;;) {
      const token = await this.derived.lock(shop);
      if (!token) return;
      try {
        for (;;) {
          const records = await this.derived.peek(shop, APPLY_BATCH);
          if (!records.length) break;
          const head = await this.aggregates.head(shop);
          // Records up to the last one applied were counted by an applier that stopped before trimming them.
          const done = head?.lastApplied ? records.findIndex((r) => r.i === head.lastApplied) + 1 : 0;
          const fresh = records.slice(done);
          if (head && fresh.length) {
            await this.hooks.at?.('apply:batch', shop);
            const changes = await this.settleUnclosed(shop, netChanges(fresh));
            await this.memberIndex.apply(shop, head.gen, changes);
            // Not applied: the generation switched (the rebuild dropped the log) or another applier took over.
            if (!(await this.aggregates.applyBatch(shop, head.gen, head.lastApplied, fresh.at(-1)!.i, changes))) break;
          }
          // No live generation yet: nothing to keep up (the first rebuild derives everything).
          if (!(await this.derived.trim(shop, token, records.length))) break;
          // The lock lasts APPLIER_TTL_MS from the last batch, not from the first.
          if (!(await this.derived.renew(shop, token))) break;
        }
      } finally {
        await this.derived.unlock(shop, token);
      }
      if (!(await this.derived.logLength(shop))) return;
    }
  }

  /**
   * A customer whose records do not chain (two saves at once that both report replacing the same
   * profile — FerretDB 1.24's findOneAndUpdate is not atomic under concurrency; MongoDB's is — or a
   * record lost): its "after" is the profile as stored now, so index and counts follow what is there.
   */
  private async settleUnclosed(shop: string, changes: NetChange[]): Promise<MemberChange[]> {
    const open = changes.filter((c) => !c.closed).map((c) => c.customerId);
    const now = open.length ? new Map((await this.getByIds(shop, open)).map((d) => [d.customerId, keysOfDoc(d)])) : new Map<string, BrowserKeys>();
    return changes.map(({ customerId, before, after, closed }) => ({ customerId, before, after: closed ? after : (now.get(customerId) ?? null) }));
  }

  /**
   * Starts rebuilding the shop's membership index and aggregates: returns once every save that began
   * earlier has written, so a snapshot of the profiles read after this holds them all. Then
   * finishRebuild with that snapshot (or abortRebuild).
   */
  async beginRebuild(shop: string): Promise<DerivedRebuild> {
    const gen = randomBytes(6).toString('hex');
    const writers = await this.derived.beginRebuild(shop, gen);
    // Read under the applier's lock, which a rebuild holds from its last check to its switch: one that
    // passed its check before this one began has switched by now, and its generation is the one kept.
    const { liveGen, chunksNamed } = await this.derived.underLock(shop, () => this.aggregates.generations(shop));
    // Generations left by rebuilds that died (a running one that is superseded drops its own).
    await this.memberIndex.dropExcept(shop, [liveGen, gen], { scan: !chunksNamed });
    await this.hooks.at?.('rebuild:begun', shop);
    await this.derived.waitForWriters(shop, writers, Infinity, () => this.hooks.at?.('rebuild:waiting', shop));
    return { shop, gen, liveGen };
  }

  /**
   * Builds the new generation from `members` (every profile of the shop, read after beginRebuild),
   * brings it up to date with the saves made since, and makes it live. Returns its aggregates, or null
   * when a later rebuild took over (this one then leaves no trace).
   */
  async finishRebuild(r: DerivedRebuild, members: Iterable<{ customerId: string; keys: BrowserKeys }>): Promise<ShopAggregates | null> {
    const { shop, gen } = r;
    const state = new Map<string, BrowserKeys>();
    for (const m of members) state.set(m.customerId, m.keys);
    // Read from `state` itself (no array of a million pairs beside it).
    await this.memberIndex.build(shop, gen, state);
    const totals = deriveAggregates((function* () { for (const keys of state.values()) yield { keys }; })());
    await this.hooks.at?.('rebuild:built', shop);
    /**
     * Re-reads the customers saved meanwhile and moves their entries and counts in the new generation:
     * until none is left (`untilEmpty`: the gate is closed, no new save comes), or else until few are
     * (saves keep coming while the gate is open: waiting for none would never end while a shop is busy —
     * seen in the chaos drain, a recalibration's rebuild catching up for minutes).
     */
    const catchUp = async (untilEmpty: boolean): Promise<boolean> => {
      for (let round = 1; ; round++) {
        const ids = await this.derived.takePending(shop, gen);
        if (ids === null) return false;
        if (!ids.length) return true;
        if (!untilEmpty && (ids.length <= CATCH_UP_FEW || round > CATCH_UP_ROUNDS)) {
          await this.catchUpIds(shop, gen, ids, state, totals);
          return true;
        }
        await this.catchUpIds(shop, gen, ids, state, totals);
      }
    };
    for (;;) {
      if (!(await catchUp(false))) break;
      if (!(await this.derived.gate(shop, gen, this.derived.now() + CLOSE_MS))) break;
      await this.hooks.at?.('rebuild:closed', shop);
      if ((await this.derived.waitForWriters(shop, null, CLOSE_MS)) && (await catchUp(true))) {
        // The applier's lock: no batch is applied to the old generation across the switch.
        const ready = await this.derived.underLock(shop, async () => {
          const check = await this.derived.readyToSwitch(shop, gen);
          if (check === 1) {
            await this.hooks.at?.('rebuild:switching', shop);
            await this.aggregates.switchTo(shop, gen, totals);
          }
          return check;
        });
        if (ready === 1) {
          await this.derived.endRebuild(shop, gen);
          await this.hooks.at?.('rebuild:switched', shop);
          if (r.liveGen) await this.memberIndex.drop(shop, r.liveGen);
          // Saves that came through the gate after the switch may have logged already.
          await this.applyDerived(shop);
          return totals;
        }
        if (ready === -1) break;
      }
      // A save still holds its lease (or registered after the catch-up): let the waiting saves through, then again.
      if (!(await this.derived.gate(shop, gen, 0))) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    // Superseded: the newer rebuild's dropExcept may have deleted heads of this generation while it was
    // built (heads it then wrote again may have gone after that): a scan finds every chunk. Rare.
    await this.memberIndex.drop(shop, gen, { scan: true });
    await this.derived.endRebuild(shop, gen);
    // No longer the running rebuild, but none other began or switched: its keys vanished (Redis restarted). Start over.
    if ((await this.aggregates.liveGen(shop)) === r.liveGen && !(await this.derived.runningRebuild(shop))) {
      this.restartedRebuilds++;
      return this.rebuildDerived(shop);
    }
    return null;
  }

  /** Moves these customers' entries and counts in generation `gen` from the rebuild's `state` to their profiles now. */
  private async catchUpIds(shop: string, gen: string, ids: readonly string[], state: Map<string, BrowserKeys>, totals: ShopAggregates): Promise<void> {
    const docs = new Map((await this.getByIds(shop, ids)).map((d) => [d.customerId, keysOfDoc(d)]));
    const changes = ids.map((id) => ({ customerId: id, before: state.get(id) ?? null, after: docs.get(id) ?? null }));
    await this.memberIndex.apply(shop, gen, changes);
    applyChanges(totals, changes);
    for (const c of changes) if (c.after) state.set(c.customerId, c.after); else state.delete(c.customerId);
  }

  /** The pass that began a rebuild failed: drop it. */
  async abortRebuild(r: DerivedRebuild): Promise<void> {
    await this.derived.endRebuild(r.shop, r.gen);
    await this.memberIndex.drop(r.shop, r.gen, { scan: true });
  }

  /** A whole rebuild: begin, read every profile, finish. */
  async rebuildDerived(shop: string): Promise<ShopAggregates> {
    const r = await this.beginRebuild(shop);
    const members: Array<{ customerId: string; keys: BrowserKeys }> = [];
    try {
      // The browser keys only (keysOfDoc), not the engine output that makes up most of a document.
      const cursor = this.model.find(shopScope(COLLECTION, shop), KEYS_PROJECTION).lean<CustomerProfileDoc[]>().cursor({ batchSize: 2000 });
      for await (const d of cursor) members.push({ customerId: (d as CustomerProfileDoc).customerId, keys: keysOfDoc(d as CustomerProfileDoc) });
    } catch (err) {
      await this.abortRebuild(r);
      throw err;
    }
    // Superseded by a rebuild that began later: this derivation is still a correct answer for now.
    return (await this.finishRebuild(r, members)) ?? deriveAggregates(members);
  }

  /** The shop's aggregates; derived from one scan of its profiles (and the index rebuilt) when absent. */
  async derivedState(shop: string): Promise<ShopAggregates> {
    return (await this.aggregates.get(shop)) ?? this.rebuildDerived(shop);
  }

  /** The live generation of the membership index (derived first when there is none). */
  private async liveGen(shop: string): Promise<string> {
    const gen = await this.aggregates.liveGen(shop);
    if (gen) return gen;
    await this.derivedState(shop);
    return (await this.aggregates.liveGen(shop)) ?? '';
  }

  private async withTagState(shop: string, docs: CustomerProfileDoc[]): Promise<CustomerProfile[]> {
    const applied = this.tagState ? await this.tagState.applied(shop, docs.map((d) => d.customerId)) : new Map<string, string[]>();
    return docs.map((d) => {
      const tagsApplied = applied.get(d.customerId) ?? [];
      return { ...d, tagsApplied, tagsPending: !sameTags(tagsApplied, d.tagsDesired) };
    });
  }

  /** Customers whose tags still need writing to Shopify. */
  async countPending(shop: string): Promise<number> {
    return this.tagState ? this.tagState.pendingCount(shop) : 0;
  }

  async init(): Promise<void> {
    await createMissingIndexes(this.model, OBSOLETE_PROFILE_INDEXES);
  }

  async get(shop: string, customerId: string): Promise<CustomerProfile | null> {
    const d = await this.getDoc(shop, customerId);
    return d ? (await this.withTagState(shop, [d]))[0]! : null;
  }

  /** The stored document only (the pipeline's read-modify-write path). */
  async getDoc(shop: string, customerId: string): Promise<CustomerProfileDoc | null> {
    const raw = await this.model.findOne({ _id: profileId(shop, customerId) }, { _id: 0 }).lean<ProfileRecord>();
    return raw ? decodeProfile(raw) : null;
  }

  /** Every profile of a shop in one read (one scan on FerretDB), keyed by customer id. */
  async allOf(shop: string): Promise<Map<string, CustomerProfileDoc>> {
    const docs = await this.model.find(shopScope(COLLECTION, shop), { _id: 0 }).lean<ProfileRecord[]>();
    return new Map(docs.map(decodeProfile).map((d) => [d.customerId, d]));
  }

  /**
   * Every profile of the shop without its engine output (metrics, predictions, replenishment: the bulk
   * of a document), in batches, by one scan: what a whole-shop recompute compares its results with.
   */
  async *previousOfShop(shop: string, batchSize = 2000): AsyncGenerator<Array<Omit<CustomerProfileDoc, 'metricsJson' | 'predictionsJson' | 'replenishmentJson'> & { arrayForm: boolean }>> {
    const cursor = this.model.collection.find<Omit<ProfileRecord, '_id' | 'metricsJson' | 'predictionsJson' | 'replenishmentJson'>>(shopScope(COLLECTION, shop), { projection: { _id: 0, metricsJson: 0, predictionsJson: 0, replenishmentJson: 0 }, batchSize });
    // arrayForm: written by an earlier version (ProfileRecord): the nightly pass rewrites it.
    for await (const batch of batchesOf(cursor, batchSize)) yield batch.map((d) => ({ ...decodeProfile(d), arrayForm: d.membershipsJson == null || d.memberships !== undefined }));
  }

  /** Upserts the profile given the previous version the caller read; idempotent (same input → same document). */
  async save(shop: string, customerId: string, u: ProfileUpdate, previous: CustomerProfileDoc | null): Promise<SaveResult> {
    const desiredChanged = !previous || !sameTags(previous.tagsDesired, u.tagsDesired);
    const tagsRevision = (previous?.tagsRevision ?? 0) + (desiredChanged ? 1 : 0);
    return this.withDerived(shop, customerId, async () => {
      // The index and counts move from the profile this write replaced (returned by the write itself),
      // not from the caller's `previous`: a whole-shop pass may have written the profile since the caller
      // read it, and the live generation holds what was last written.
      const replaced = await this.writeProfile(shop, customerId, u, tagsRevision);
      return { result: { previous, tagsRevision }, change: { before: replaced, after: browserKeys(u) } };
    });
  }

  /** Writes the profile; returns the browser keys of the one it replaced (null: a new customer). */
  private async writeProfile(shop: string, customerId: string, u: ProfileUpdate, tagsRevision: number): Promise<BrowserKeys | null> {
    return upsertRetrying(() => this.model.findOneAndUpdate(
      { _id: profileId(shop, customerId) },
      {
        $setOnInsert: { shop, customerId },
        $set: {
          membershipsJson: JSON.stringify(u.memberships),
          tagsDesired: u.tagsDesired,
          tagsRevision,
          metricsJson: JSON.stringify(u.metrics ?? {}),
          predictionsJson: JSON.stringify(u.predictions ?? {}),
          replenishmentJson: JSON.stringify(u.replenishment ?? []),
          nextChangeAt: u.nextChangeAt,
          asOf: u.asOf,
          computedAt: u.computedAt,
          calibrationId: u.calibrationId,
          ...browserKeys(u),
        },
        // An older document's array (ProfileRecord) goes: the text above replaces it.
        $unset: { memberships: 1 },
      },
      { upsert: true, returnDocument: 'before' },
    ).lean<ProfileRecord>().then((raw) => (raw ? keysOfDoc(raw) : null)));
  }

  /**
   * Bulk form of save for a whole shop (resync, recalibration), given the previous profiles the caller
   * already read: one bulk write of replaceOne-by-_id upserts (point writes on FerretDB and MongoDB).
   * tagsRevision is carried over from `previous`. Idempotent. Leaves the membership index and the
   * aggregates as they were: the caller (the whole-shop pass) began a rebuild before its snapshot and
   * finishes it at its end (beginRebuild / finishRebuild).
   */
  async replaceMany(shop: string, items: ReadonlyArray<{ customerId: string; update: ProfileUpdate; previous: Pick<CustomerProfileDoc, 'tagsDesired' | 'tagsRevision'> | null }>): Promise<Map<string, { tagsRevision: number }>> {
    const out = new Map<string, { tagsRevision: number }>();
    if (!items.length) return out;
    const docs = items.map(({ customerId, update: u, previous: prev }) => {
      const desiredChanged = !prev || !sameTags(prev.tagsDesired, u.tagsDesired);
      const tagsRevision = (prev?.tagsRevision ?? 0) + (desiredChanged ? 1 : 0);
      out.set(customerId, { tagsRevision });
      return {
        _id: profileId(shop, customerId), shop, customerId, membershipsJson: JSON.stringify(u.memberships), tagsDesired: u.tagsDesired, tagsRevision,
        metricsJson: JSON.stringify(u.metrics ?? {}), predictionsJson: JSON.stringify(u.predictions ?? {}),
        replenishmentJson: JSON.stringify(u.replenishment ?? []),
        nextChangeAt: u.nextChangeAt, asOf: u.asOf, computedAt: u.computedAt, calibrationId: u.calibrationId,
        ...browserKeys(u),
      };
    });
    // A customer without a profile so far (every one on a first resync) is inserted; the rest, and any
    // profile written meanwhile by a recompute of its own (duplicate key), are replaced.
    const fresh = docs.filter((_, i) => !items[i]!.previous);
    const replace = [...docs.filter((_, i) => items[i]!.previous), ...(await insertReturningDuplicates(this.model, fresh as never[]) as typeof docs)];
    if (replace.length) {
      await upsertRetrying(() => this.model.collection.bulkWrite(replace.map((d) => ({ replaceOne: { filter: { _id: d._id } as never, replacement: d as never, upsert: true } })), { ordered: false }));
    }
    return out;
  }

  /**
   * The shop's customers whose memberships change with time alone by `now` (nextChangeAt <= now), in
   * batches of `size`: one cursor through the {shop, nextChangeAt} index on MongoDB (one scan on
   * FerretDB 1.24, which pushes only `_id` filters down). Not pages keyed on `customerId` and sorted
   * anew each: N due customers would cost N / size sorts of the due set on MongoDB and N / size scans
   * of the collection on FerretDB (a million customers: hours).
   */
  async *dueForRecency(shop: string, now: Date, size = 1000): AsyncGenerator<string[]> {
    const cursor = this.model.collection.find<{ customerId: string }>({ ...shopScope(COLLECTION, shop), nextChangeAt: { $lte: now } }, { projection: { _id: 0, customerId: 1 }, batchSize: size });
    for await (const batch of batchesOf(cursor, size)) yield batch.map((d) => d.customerId);
  }

  /** {family: {segment: count}} for a shop — the shape `segments analyze --json` prints — from its aggregates. */
  async segmentCounts(shop: string): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [key, n] of Object.entries((await this.derivedState(shop)).members)) {
      const slash = key.indexOf('/');
      const family = key.slice(0, slash);
      if (n <= 0 || family === RFM_CELL_FAMILY) continue;
      (out[family] ??= {})[key.slice(slash + 1)] = n;
    }
    return out;
  }

  async *iterateShop(shop: string): AsyncGenerator<CustomerProfile> {
    const cursor = this.model.find(shopScope(COLLECTION, shop), { _id: 0 }).sort({ customerId: 1 }).lean<ProfileRecord[]>().cursor();
    let batch: CustomerProfileDoc[] = [];
    for await (const doc of cursor) {
      batch.push(decodeProfile(doc as ProfileRecord));
      if (batch.length === 500) {
        yield* await this.withTagState(shop, batch);
        batch = [];
      }
    }
    if (batch.length) yield* await this.withTagState(shop, batch);
  }

  /**
   * What a tag sync reads of every profile of the shop — tag fields, and with `metafield` what the
   * customer metafield is made of — by one scan of the shop's `_id` range, in batches of `batchSize`
   * in the order the server returns them. No sort: FerretDB 1.24 serves no range or sort from the
   * `_id` index (a sorted cursor is sorted in FerretDB's memory; successive `_id > last` batches each
   * scan the collection; measured in docs/benchmarks.md, tag sync). One pass, so the cost is the
   * shop's size once; the whole-shop tag sync joins it with the pending set.
   */
  async *tagRowsOfShop(shop: string, batchSize: number, metafield: boolean): AsyncGenerator<TagSyncRow[]> {
    const projection = { _id: 0, customerId: 1, tagsDesired: 1, tagsRevision: 1, ...(metafield ? { ...MEMBERSHIPS_PROJECTION, predictionsJson: 1 } : {}) };
    const cursor = this.model.collection.find<TagSyncRow & { membershipsJson?: string }>(shopScope(COLLECTION, shop), { projection, batchSize });
    for await (const batch of batchesOf(cursor, batchSize)) yield metafield ? batch.map(decodeProfile) : batch;
  }

  /** Profiles by point reads (`_id`, the one index-served query on FerretDB 1.24), 64 at a time, in the order asked; missing ones are left out. */
  /** Which of `customerIds` have a profile (point reads by `_id`). */
  async existing(shop: string, customerIds: readonly string[]): Promise<string[]> {
    const found = await this.pointReads(customerIds, (id) => this.model.collection.findOne({ _id: profileId(shop, id) } as never, { projection: { _id: 1 } }));
    return customerIds.filter((_, k) => found[k]);
  }

  async getByIds(shop: string, customerIds: readonly string[]): Promise<CustomerProfileDoc[]> {
    return (await this.pointReads(customerIds, (id) => this.getDoc(shop, id))).filter((d): d is CustomerProfileDoc => d !== null);
  }

  /** `read` of each id, 64 at a time (point reads by `_id`, the one read FerretDB 1.x answers from an index), in order. */
  private async pointReads<T>(customerIds: readonly string[], read: (customerId: string) => Promise<T>): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < customerIds.length; i += 64) out.push(...await Promise.all(customerIds.slice(i, i + 64).map(read)));
    return out;
  }

  /**
   * A segment's members in a stable order — `field` then customerId, ascending (dir 1) or that order
   * reversed (dir -1) — strictly after `after`, read from the membership index in batches of `batch`.
   * Each entry is checked against the customer's profile (still in the segment, same sort value), so
   * an entry left behind by racing writers is skipped rather than shown twice or out of place.
   */
  async *segmentMembers(shop: string, segmentKey: string, field: BrowserSortField, dir: 1 | -1, after: SegmentPageCursor | null, batch = 200): AsyncGenerator<CustomerProfileDoc> {
    const entries = this.memberIndex.entries(shop, await this.liveGen(shop), segmentKey, field, dir, after ? entryKey(after.value, after.customerId) : null);
    let pending: Array<{ value: number; customerId: string }> = [];
    const drain = async function* (self: CustomerProfileStore): AsyncGenerator<CustomerProfileDoc> {
      const docs = new Map((await self.getByIds(shop, pending.map((e) => e.customerId))).map((d) => [d.customerId, d]));
      for (const e of pending) {
        const d = docs.get(e.customerId);
        if (d && (d.segmentKeys ?? []).includes(segmentKey) && (d[field] ?? -1) === e.value) yield d;
      }
      pending = [];
    };
    for await (const k of entries) {
      pending.push(decodeEntry(k));
      if (pending.length >= batch) yield* drain(this);
    }
    if (pending.length) yield* drain(this);
  }

  /** One page (`limit` rows) and the cursor of the next, null on the last page. */
  async segmentPage(shop: string, segmentKey: string, field: BrowserSortField, dir: 1 | -1, limit: number, after: SegmentPageCursor | null): Promise<{ docs: CustomerProfileDoc[]; next: SegmentPageCursor | null }> {
    const docs: CustomerProfileDoc[] = [];
    // One row past the page tells whether a next page exists.
    for await (const d of this.segmentMembers(shop, segmentKey, field, dir, after, limit + 1)) {
      docs.push(d);
      if (docs.length > limit) break;
    }
    const page = docs.slice(0, limit);
    const last = page.at(-1);
    return { docs: page, next: docs.length > limit && last ? { value: last[field] ?? -1, customerId: last.customerId } : null };
  }

  /** Members of a segment (the shop's aggregates: one point read). */
  async countSegment(shop: string, segmentKey: string): Promise<number> {
    return (await this.derivedState(shop)).members[segmentKey] ?? 0;
  }

  /** {family: {segment: count}} for a shop by a scan of its profiles — the from-scratch reference. */
  async segmentCountsByScan(shop: string): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    const cursor = this.model.find(shopScope(COLLECTION, shop), { ...MEMBERSHIPS_PROJECTION, _id: 0 }).lean<Array<Pick<ProfileRecord, 'membershipsJson' | 'memberships'>>>().cursor();
    for await (const doc of cursor) {
      for (const m of decodeProfile(doc).memberships) {
        const fam = (out[m.family] ??= {});
        fam[m.segment] = (fam[m.segment] ?? 0) + 1;
      }
    }
    return out;
  }

  async count(shop: string): Promise<number> {
    return this.model.countDocuments(shopScope(COLLECTION, shop));
  }

  /** Deletes the profile and its place in the membership index and aggregates; false when there was none. */
  async deleteCustomer(shop: string, customerId: string): Promise<boolean> {
    return this.withDerived(shop, customerId, async () => {
      const previous = await this.model.findOneAndDelete({ _id: profileId(shop, customerId) }).lean<ProfileRecord>();
      if (!previous) return { result: false, change: null };
      return { result: true, change: { before: keysOfDoc(previous), after: null } };
    });
  }
}
