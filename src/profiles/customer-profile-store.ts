// Customer profiles: what the engine concluded about one customer, the tags we want on Shopify and the
// tags we last wrote there. No personal data: ids, numbers and explanations only.
import { Schema, type Connection, type Model } from 'mongoose';
import type { TagSyncState } from './tag-sync-state.ts';
import { upsertRetrying } from './upsert-retrying.ts';
import { insertReturningDuplicates } from './insert-ignoring-duplicates.ts';
import { createMissingIndexes } from './missing-indexes.ts';
import { BROWSER_SORT_FIELDS, browserKeys, type BrowserSortField } from './segment-browser-keys.ts';

/** Where the previous page of a segment ended: its last row's sort value and customer id. */
export interface SegmentPageCursor {
  value: number;
  customerId: string;
}
import { shopScope } from './shard-keys.ts';
import type { ExplanationMsg } from '../segments/explanation.ts';

const COLLECTION = 'customer_profiles';
/** getMany reads a page's id range when it holds at most this many documents per asked id. */
const RANGE_SLACK = 4;

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

/** As stored: the document plus its key. */
type ProfileRecord = CustomerProfileDoc & { _id: string };

const profileSchema = new Schema<ProfileRecord>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    customerId: { type: String, required: true },
    metricsJson: { type: String, default: '{}' },
    predictionsJson: { type: String, default: '{}' },
    replenishmentJson: { type: String, default: '[]' },
    memberships: { type: [membershipSchema], default: [] },
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
// index, a point read on MongoDB too); a shop's profiles in customer order; the recency sweep; counts
// per segment. (Pending tag writes: Redis.)
profileSchema.index({ shop: 1, customerId: 1 }, { unique: true });
profileSchema.index({ shop: 1, nextChangeAt: 1 });
profileSchema.index({ shop: 1, 'memberships.family': 1, 'memberships.segment': 1 });
// The segment browser: one compound index per sort key, keyset-paged on (key, customerId). Plain
// ascending compound indexes on one array field (multikey) work on MongoDB 6+ and FerretDB alike.
for (const key of BROWSER_SORT_FIELDS) profileSchema.index({ shop: 1, segmentKeys: 1, [key]: 1, customerId: 1 });

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

/** Profile documents are keyed by shop and customer: point reads and writes on every backend. */
export const profileId = (shop: string, customerId: string): string => `${shop}/${customerId}`;

const sameTags = (a: readonly string[], b: readonly string[]): boolean => {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((t) => s.has(t));
};

export class CustomerProfileStore {
  readonly model: Model<ProfileRecord>;
  private readonly tagState: TagSyncState | null;

  constructor(conn: Connection, tagState: TagSyncState | null = null) {
    this.model = (conn.models.CustomerProfile as Model<ProfileRecord> | undefined) ?? conn.model<ProfileRecord>('CustomerProfile', profileSchema);
    this.tagState = tagState;
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
    await createMissingIndexes(this.model);
  }

  async get(shop: string, customerId: string): Promise<CustomerProfile | null> {
    const d = await this.model.findOne({ _id: profileId(shop, customerId) }, { _id: 0 }).lean<CustomerProfileDoc>();
    return d ? (await this.withTagState(shop, [d]))[0]! : null;
  }

  /** The stored document only (the pipeline's read-modify-write path). */
  async getDoc(shop: string, customerId: string): Promise<CustomerProfileDoc | null> {
    return this.model.findOne({ _id: profileId(shop, customerId) }, { _id: 0 }).lean<CustomerProfileDoc>();
  }

  /** Every profile of a shop in one read (one scan on FerretDB), keyed by customer id. */
  async allOf(shop: string): Promise<Map<string, CustomerProfileDoc>> {
    const docs = await this.model.find(shopScope(COLLECTION, shop), { _id: 0 }).lean<CustomerProfileDoc[]>();
    return new Map(docs.map((d) => [d.customerId, d]));
  }

  async getMany(shop: string, customerIds: readonly string[]): Promise<CustomerProfileDoc[]> {
    if (customerIds.length <= 64) {
      const docs = await Promise.all(customerIds.map((id) => this.getDoc(shop, id)));
      return docs.filter((d): d is CustomerProfileDoc => d !== null);
    }
    // FerretDB 1.24 answers `$in` by testing every document of the collection against every id (a
    // 10,000-id page of a 10,000-customer shop: 7.4 s; the same documents read by an `_id` range: 1.9 s).
    // A page is usually dense in the shop's key space (after a resync every customer is pending), so the
    // range the ids span is read and the asked ones kept; a sparse page (the range holds more than
    // RANGE_SLACK × the ids) is read by `$in` instead. On MongoDB both are index reads.
    const sorted = [...customerIds].sort();
    const cap = customerIds.length * RANGE_SLACK;
    const spanned = await this.model
      .find({ _id: { $gte: profileId(shop, sorted[0]!), $lte: profileId(shop, sorted.at(-1)!) } }, { _id: 0 })
      .limit(cap + 1)
      .lean<CustomerProfileDoc[]>();
    if (spanned.length <= cap) {
      const wanted = new Set(customerIds);
      return spanned.filter((d) => wanted.has(d.customerId));
    }
    return this.model.find({ _id: { $in: customerIds.map((id) => profileId(shop, id)) } }, { _id: 0 }).lean<CustomerProfileDoc[]>();
  }

  /** Upserts the profile given the previous version the caller read; idempotent (same input → same document). */
  async save(shop: string, customerId: string, u: ProfileUpdate, previous: CustomerProfileDoc | null): Promise<SaveResult> {
    const desiredChanged = !previous || !sameTags(previous.tagsDesired, u.tagsDesired);
    const tagsRevision = (previous?.tagsRevision ?? 0) + (desiredChanged ? 1 : 0);
    await upsertRetrying(() => this.model.updateOne(
      { _id: profileId(shop, customerId) },
      {
        $setOnInsert: { shop, customerId },
        $set: {
          memberships: u.memberships,
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
      },
      { upsert: true },
    ));
    return { previous, tagsRevision };
  }

  /**
   * Bulk form of save for a whole shop (resync, recalibration), given the previous profiles the caller
   * already read: one bulk write of replaceOne-by-_id upserts (point writes on FerretDB and MongoDB).
   * tagsRevision is carried over from `previous`. Idempotent.
   */
  async replaceMany(shop: string, items: ReadonlyArray<{ customerId: string; update: ProfileUpdate; previous: CustomerProfileDoc | null }>): Promise<Map<string, SaveResult>> {
    const out = new Map<string, SaveResult>();
    if (!items.length) return out;
    const docs = items.map(({ customerId, update: u, previous: prev }) => {
      const desiredChanged = !prev || !sameTags(prev.tagsDesired, u.tagsDesired);
      const tagsRevision = (prev?.tagsRevision ?? 0) + (desiredChanged ? 1 : 0);
      out.set(customerId, { previous: prev, tagsRevision });
      return {
        _id: profileId(shop, customerId), shop, customerId, memberships: u.memberships, tagsDesired: u.tagsDesired, tagsRevision,
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

  /** Customers whose memberships change with time alone by `now` (uses the nextChangeAt index). */
  async dueForRecency(shop: string, now: Date, limit: number, afterCustomerId = ''): Promise<string[]> {
    const docs = await this.model
      .find({ ...shopScope(COLLECTION, shop), nextChangeAt: { $lte: now }, customerId: { $gt: afterCustomerId } }, { customerId: 1, _id: 0 })
      .sort({ customerId: 1 })
      .limit(limit)
      .lean<Array<{ customerId: string }>>();
    return docs.map((d) => d.customerId);
  }

  /** {family: {segment: count}} for a shop — the shape `segments analyze --json` prints. */
  async segmentCounts(shop: string): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    const cursor = this.model.find(shopScope(COLLECTION, shop), { memberships: 1, _id: 0 }).lean<Array<{ memberships: StoredMembership[] }>>().cursor();
    for await (const doc of cursor) {
      for (const m of doc.memberships) {
        const fam = (out[m.family] ??= {});
        fam[m.segment] = (fam[m.segment] ?? 0) + 1;
      }
    }
    return out;
  }

  async *iterateShop(shop: string): AsyncGenerator<CustomerProfile> {
    const cursor = this.model.find(shopScope(COLLECTION, shop), { _id: 0 }).sort({ customerId: 1 }).lean<CustomerProfileDoc[]>().cursor();
    let batch: CustomerProfileDoc[] = [];
    for await (const doc of cursor) {
      batch.push(doc as CustomerProfileDoc);
      if (batch.length === 500) {
        yield* await this.withTagState(shop, batch);
        batch = [];
      }
    }
    if (batch.length) yield* await this.withTagState(shop, batch);
  }

  /**
   * One page of a segment's members in a stable order: `field` (descending or ascending), then
   * customerId ascending as the tie-break. Keyset paging: `after` is the last row of the previous
   * page, so a deep page costs what the first one does (an index range read on MongoDB).
   */
  async segmentPage(shop: string, segmentKey: string, field: BrowserSortField, dir: 1 | -1, limit: number, after: SegmentPageCursor | null): Promise<CustomerProfileDoc[]> {
    const filter: Record<string, unknown> = { ...shopScope(COLLECTION, shop), segmentKeys: segmentKey };
    if (after) filter.$or = [{ [field]: dir === -1 ? { $lt: after.value } : { $gt: after.value } }, { [field]: after.value, customerId: { $gt: after.customerId } }];
    return this.model.find(filter, { _id: 0 }).sort({ [field]: dir, customerId: 1 }).limit(limit).lean<CustomerProfileDoc[]>();
  }

  /** Every member of a segment in the same order as segmentPage, as a cursor (the CSV export). */
  segmentCursor(shop: string, segmentKey: string, field: BrowserSortField, dir: 1 | -1): AsyncIterable<CustomerProfileDoc> {
    return this.model.find({ ...shopScope(COLLECTION, shop), segmentKeys: segmentKey }, { _id: 0 }).sort({ [field]: dir, customerId: 1 }).lean<CustomerProfileDoc[]>().cursor({ batchSize: 1000 }) as AsyncIterable<CustomerProfileDoc>;
  }

  async countSegment(shop: string, segmentKey: string): Promise<number> {
    return this.model.countDocuments({ ...shopScope(COLLECTION, shop), segmentKeys: segmentKey });
  }

  async count(shop: string): Promise<number> {
    return this.model.countDocuments(shopScope(COLLECTION, shop));
  }

  async deleteCustomer(shop: string, customerId: string): Promise<void> {
    await this.model.deleteOne({ _id: profileId(shop, customerId) });
  }

  async deleteShop(shop: string): Promise<void> {
    await this.model.deleteMany(shopScope(COLLECTION, shop));
  }
}
