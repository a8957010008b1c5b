// The segment browser's membership index: for each (shop, segment key, sort key) the segment's members
// as one ordered list, split into chunks, so a page is two or three point reads by `_id` — the one
// query FerretDB 1.24 (SQLite) answers from an index. (Its `explain` shows `_id` ranges, other fields,
// sorts and limits all scanning the table: a keyset page as an `_id` range would still scan.)
//
// - An entry is one string, `entryKey(value, customerId)`: the sort value in 16 hex digits that order
//   like the numbers, then the customer id, so the list order is (value, customerId) by plain string
//   comparison; descending is that order reversed (one list serves both directions).
// - A head per (shop, segment key, sort key, generation) holds, in one string, each chunk's
//   lower bound (the first is "") and number. The bounds change at a rebuild, and when an entry that
//   is a bound leaves (erasure must not leave the id behind in a head): the bound becomes the chunk's
//   new first entry, or the (then empty) chunk is dropped from the head. A writer finds an entry's chunk from
//   the head alone and writes it with `$addToSet` / `$pull` — idempotent, no read-compare-write.
// - A head also says how many chunk numbers its list was given (`chunks`; numbers are never added after
//   that), and is written before its chunks: every chunk is named by a head, so a generation is deleted
//   by `_id` — the heads are small, the chunks ≈ 8 KB each, and a `{shop, gen}` filter makes FerretDB
//   1.24 decode every chunk of every generation (a recalibration at 100,000 customers spent ≈ 15 s in
//   two such scans; docs/benchmarks.md). Chunks are created only with their head (a rebuild, or a list's
//   first write), never by a write to an existing list: a late write to a dropped generation leaves
//   nothing that the next drop's heads do not name.
// - Every read and write names its generation. Which one is live, and the switch from one to the next,
//   are kept in the shop's aggregates document (shop-aggregates.ts, "Generations"): a rebuild builds a
//   new generation beside the live one (balanced chunks of CHUNK_SIZE), brings it up to date with the
//   saves made meanwhile, and only then becomes live; the old one is then deleted. Between rebuilds the
//   live one is maintained entry by entry when one customer's profile is saved or deleted
//   (customer-profile-store.ts). Between rebuilds a chunk may grow past CHUNK_SIZE.
// - Readers check each row against the customer's profile (profile-store.ts `segmentPage`), so an entry
//   left behind by two writers racing on one customer never shows a customer twice or out of place.
import { Schema, type Connection, type Model } from 'mongoose';
import { BROWSER_SORT_FIELDS, type BrowserKeys, type BrowserSortField } from './segment-browser-keys.ts';
import { shopScope } from './shard-keys.ts';
import { upsertRetrying } from './upsert-retrying.ts';

const HEADS = 'segment_member_heads';
const CHUNKS = 'segment_member_chunks';
/**
 * Entries per chunk at a rebuild (~8 KB a chunk). FerretDB rewrites a whole document on every update,
 * so a small chunk keeps a customer's save cheap; the head holds one bound per 200 members per sort key.
 */
export const CHUNK_SIZE = 200;

/** `bounds`: "<lower bound>\t<chunk number>" per chunk, joined by "\n" (one string decodes far faster than an array). */
interface HeadRecord {
  _id: string; shop: string; segmentKey: string; field: BrowserSortField; gen: string; bounds: string;
  /** Chunk numbers 0 … chunks − 1 were given to the list; absent in heads written before this field (their chunks may not all be named). */
  chunks?: number;
}
interface ChunkRecord { _id: string; shop: string; gen: string; e: string[] }

const headSchema = new Schema<HeadRecord>(
  { _id: String, shop: String, segmentKey: String, field: String, gen: String, bounds: String, chunks: Number },
  { collection: HEADS, versionKey: false, minimize: false },
);
const chunkSchema = new Schema<ChunkRecord>({ _id: String, shop: String, gen: String, e: [String] }, { collection: CHUNKS, versionKey: false });

/** `scan`: find the generations' chunks by a `{shop, gen}` scan, not from their heads (chunks that may have lost their head). */
export interface DropOptions { scan?: boolean }

interface Bound { lower: string; no: number }
const boundsOf = (h: HeadRecord): Bound[] => (h.bounds ?? '').split('\n').map((line, i) => {
  const tab = line.lastIndexOf('\t');
  return tab < 0 ? { lower: line, no: i } : { lower: line.slice(0, tab), no: Number(line.slice(tab + 1)) };
});
const boundsText = (b: readonly Bound[]): string => b.map((x) => `${x.lower}\t${x.no}`).join('\n');
/** The chunk number holding `key` in a head's bounds. */
const chunkOf = (b: readonly Bound[], key: string): number => b[chunkIndex(b.map((x) => x.lower), key)]!.no;

/** 16 hex digits that sort (as text) like the number: IEEE 754 bits, sign flipped, negatives inverted. */
function sortableHex(v: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(Object.is(v, -0) ? 0 : v);
  if (b[0]! & 0x80) for (let i = 0; i < 8; i++) b[i] = ~b[i]! & 0xff;
  else b[0] = b[0]! | 0x80;
  return b.toString('hex');
}

function numberOfHex(h: string): number {
  const b = Buffer.from(h, 'hex');
  if (b[0]! & 0x80) b[0] = b[0]! & 0x7f;
  else for (let i = 0; i < 8; i++) b[i] = ~b[i]! & 0xff;
  return b.readDoubleBE();
}

export const entryKey = (value: number, customerId: string): string => sortableHex(value) + customerId;
export const decodeEntry = (key: string): { value: number; customerId: string } => ({ value: numberOfHex(key.slice(0, 16)), customerId: key.slice(16) });

const headId = (shop: string, segmentKey: string, field: BrowserSortField, gen: string): string => `${shop}/${segmentKey}|${field}|${gen}`;
const chunkId = (shop: string, segmentKey: string, field: BrowserSortField, gen: string, i: number): string => `${shop}/${segmentKey}|${field}|${gen}|${i}`;

/** The chunk holding `key`: the last whose lower bound is ≤ key (bounds ascending, the first ""). */
export function chunkIndex(bounds: readonly string[], key: string): number {
  let lo = 0;
  let hi = bounds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bounds[mid]! <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** One customer's membership before and after a write (null: no profile). */
export interface MemberChange { customerId: string; before: BrowserKeys | null; after: BrowserKeys | null }

/** The entries a customer has in the index: segment key → sort field → entry key. */
function entriesOf(customerId: string, k: BrowserKeys | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!k) return out;
  for (const seg of new Set(k.segmentKeys)) for (const f of BROWSER_SORT_FIELDS) out.set(`${seg}\n${f}`, entryKey(k[f], customerId));
  return out;
}

export class SegmentMemberIndex {
  readonly heads: Model<HeadRecord>;
  readonly chunks: Model<ChunkRecord>;

  constructor(conn: Connection) {
    this.heads = (conn.models.SegmentMemberHead as Model<HeadRecord> | undefined) ?? conn.model<HeadRecord>('SegmentMemberHead', headSchema);
    this.chunks = (conn.models.SegmentMemberChunk as Model<ChunkRecord> | undefined) ?? conn.model<ChunkRecord>('SegmentMemberChunk', chunkSchema);
  }

  private async head(shop: string, segmentKey: string, field: BrowserSortField, gen: string): Promise<HeadRecord | null> {
    return this.heads.findOne({ _id: headId(shop, segmentKey, field, gen) }).lean<HeadRecord>();
  }

  /** The list's head in generation `gen`, created (one chunk) when the list has none yet. */
  private async headForWrite(shop: string, segmentKey: string, field: BrowserSortField, gen: string): Promise<HeadRecord> {
    const h = await this.head(shop, segmentKey, field, gen);
    if (h) return h;
    // Its one chunk first: a head names only chunks that exist, and writes never create one.
    await upsertRetrying(() => this.chunks.updateOne({ _id: chunkId(shop, segmentKey, field, gen, 0) }, { $setOnInsert: { shop, gen, e: [] } }, { upsert: true }));
    await upsertRetrying(() => this.heads.updateOne({ _id: headId(shop, segmentKey, field, gen) }, { $setOnInsert: { shop, segmentKey, field, gen, bounds: '\t0', chunks: 1 } }, { upsert: true }));
    return (await this.head(shop, segmentKey, field, gen))!;
  }

  /**
   * Applies customers' membership changes to generation `gen`: the entries that left are pulled and the
   * new ones added, two updates per chunk touched (`$pullAll` / `$addToSet` with `$each`: idempotent, no
   * read-compare-write), however many customers' entries fall in it. (`$pull` with an `$in` condition
   * is ignored by FerretDB 1.24 without an error — measured — so `$pullAll`, which both answer.)
   * Only a list whose head predates `chunks` creates a missing chunk (its chunk 0 came with its first add):
   * otherwise a write that arrives after its generation was dropped finds no chunk and leaves nothing.
   */
  async apply(shop: string, gen: string, changes: readonly MemberChange[]): Promise<void> {
    const pulls: Array<[string, string]> = [];
    const adds: Array<[string, string]> = [];
    for (const c of changes) {
      const before = entriesOf(c.customerId, c.before);
      const after = entriesOf(c.customerId, c.after);
      for (const [list, key] of before) if (after.get(list) !== key) pulls.push([list, key]);
      for (const [list, key] of after) if (before.get(list) !== key) adds.push([list, key]);
    }
    if (!pulls.length && !adds.length) return;
    const lists = [...new Set([...pulls, ...adds].map(([list]) => list))];
    const heads = new Map(await Promise.all(lists.map(async (l) => {
      const [seg, field] = l.split('\n') as [string, BrowserSortField];
      return [l, await this.headForWrite(shop, seg, field, gen)] as const;
    })));
    const bounds = new Map([...heads].map(([l, h]) => [l, boundsOf(h)]));
    const mayCreate = new Set<string>();
    const byChunk = (entries: ReadonlyArray<[string, string]>): Map<string, string[]> => {
      const out = new Map<string, string[]>();
      for (const [list, key] of entries) {
        const [seg, field] = list.split('\n') as [string, BrowserSortField];
        const id = chunkId(shop, seg, field, gen, chunkOf(bounds.get(list)!, key));
        if (heads.get(list)!.chunks === undefined) mayCreate.add(id);
        const keys = out.get(id);
        if (keys) keys.push(key);
        else out.set(id, [key]);
      }
      return out;
    };
    const ops = [
      ...[...byChunk(pulls)].map(([id, keys]) => ({ updateOne: { filter: { _id: id }, update: { $pullAll: { e: keys } } } })),
      ...[...byChunk(adds)].map(([id, keys]) => ({ updateOne: { filter: { _id: id }, update: { $addToSet: { e: { $each: keys } }, $setOnInsert: { shop, gen } }, upsert: mayCreate.has(id) } })),
    ];
    for (let i = 0; i < ops.length; i += 500) await upsertRetrying(() => this.chunks.bulkWrite(ops.slice(i, i + 500) as never, { ordered: false }));
    for (const [list, key] of pulls) {
      if (bounds.get(list)!.some((b, i) => i > 0 && b.lower === key)) await this.replaceBound(heads.get(list)!, key);
    }
  }

  /**
   * An entry that left was a chunk's lower bound: the bound becomes the chunk's first entry now, or
   * the chunk (empty) leaves the head, its range joining the previous chunk's. Compare-and-set on the
   * head's bounds; a writer racing with it retries on the head it then reads.
   */
  private async replaceBound(head: HeadRecord, key: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const h = attempt === 0 ? head : await this.head(head.shop, head.segmentKey, head.field, head.gen);
      if (!h) return;
      const bounds = boundsOf(h);
      const i = bounds.findIndex((b, j) => j > 0 && b.lower === key);
      if (i < 0) return;
      const rest = (await this.chunk(chunkId(h.shop, h.segmentKey, h.field, h.gen, bounds[i]!.no))).sort();
      const next = rest.length ? bounds.map((b, j) => (j === i ? { ...b, lower: rest[0]! } : b)) : bounds.filter((_, j) => j !== i);
      const r = await this.heads.updateOne({ _id: h._id, bounds: h.bounds }, { $set: { bounds: boundsText(next) } });
      if (r.modifiedCount === 1) return;
    }
  }

  /**
   * Writes generation `gen` of the shop's index from the given members, customer id → keys (balanced chunks, then the heads).
   * Nobody reads or writes `gen` until the rebuild makes it live (shop-aggregates.ts, "Generations").
   * Memory: the members grouped by segment (one number a membership), then one (segment, sort key)
   * list of entry strings at a time, written and dropped — all lists at once were ≈ 50 strings a
   * customer, ≈ 2.8 GB at a million customers (docs/benchmarks.md).
   */
  async build(shop: string, gen: string, members: ReadonlyMap<string, BrowserKeys>): Promise<void> {
    const ids: string[] = [];
    const all: BrowserKeys[] = [];
    for (const [customerId, keys] of members) {
      ids.push(customerId);
      all.push(keys);
    }
    const bySegment = new Map<string, number[]>();
    for (let i = 0; i < all.length; i++) {
      for (const seg of new Set(all[i]!.segmentKeys)) {
        let list = bySegment.get(seg);
        if (!list) bySegment.set(seg, (list = []));
        list.push(i);
      }
    }
    const heads: HeadRecord[] = [];
    let unwritten: HeadRecord[] = [];
    let batch: ChunkRecord[] = [];
    const writeHeads = (hs: readonly HeadRecord[]) => upsertRetrying(() => this.heads.collection.bulkWrite(hs.map((h) => ({ replaceOne: { filter: { _id: h._id } as never, replacement: h as never, upsert: true } })), { ordered: false }));
    // A list's head before its chunks: every chunk written is named by a head (drop deletes by `_id`).
    const flush = async () => {
      if (unwritten.length) await writeHeads(unwritten);
      unwritten = [];
      if (batch.length) await this.chunks.collection.insertMany(batch as never[], { ordered: false });
      batch = [];
    };
    for (const [seg, indices] of bySegment) {
      for (const f of BROWSER_SORT_FIELDS) {
        const keys = indices.map((i) => entryKey(all[i]![f], ids[i]!));
        keys.sort();
        const lower: Bound[] = [];
        for (let i = 0; i < keys.length; i += CHUNK_SIZE) lower.push({ lower: i === 0 ? '' : keys[i]!, no: i / CHUNK_SIZE });
        const head = { _id: headId(shop, seg, f, gen), shop, segmentKey: seg, field: f, gen, bounds: boundsText(lower), chunks: lower.length };
        heads.push(head);
        unwritten.push(head);
        for (let i = 0; i < keys.length; i += CHUNK_SIZE) {
          batch.push({ _id: chunkId(shop, seg, f, gen, i / CHUNK_SIZE), shop, gen, e: keys.slice(i, i + CHUNK_SIZE) });
          if (batch.length >= 100) await flush();
        }
      }
      bySegment.delete(seg);
    }
    await flush();
    // Every head once more: a rebuild that began meanwhile deleted this (superseded) generation's heads
    // with the chunks written so far (dropExcept); with its heads back, its own drop finds the rest.
    if (heads.length) await writeHeads(heads);
  }

  /** Deletes the shop's generations other than `keep` (the live one, one being built). */
  async dropExcept(shop: string, keep: ReadonlyArray<string | null | undefined>, o: DropOptions = {}): Promise<void> {
    const gens = keep.filter((g): g is string => !!g);
    await this.dropGenerations(shop, (g) => !gens.includes(g), { $nin: gens }, o);
  }

  /** Deletes one generation of the shop's index. */
  async drop(shop: string, gen: string, o: DropOptions = {}): Promise<void> {
    await this.dropGenerations(shop, (g) => g === gen, gen, o);
  }

  /**
   * Deletes the chunks the generations' heads name, by `_id` (a filter on `gen` would make FerretDB
   * decode every chunk of the collection), then those heads — by `_id` too: a head written meanwhile
   * (a late first write to a list, a rebuild that began meanwhile) stays, and names its chunks for the
   * next drop. A scan instead when asked (`scan`), or when a head of the shop predates `chunks` (its
   * generation's chunks may not all be named).
   */
  private async dropGenerations(shop: string, dropped: (gen: string) => boolean, genFilter: string | { $nin: string[] }, o: DropOptions): Promise<void> {
    const heads = await this.heads.find(shopScope(HEADS, shop), { segmentKey: 1, field: 1, gen: 1, chunks: 1 }).lean<Array<Omit<HeadRecord, 'bounds'>>>();
    const gone = heads.filter((h) => dropped(h.gen));
    if (o.scan || heads.some((h) => typeof h.chunks !== 'number')) await this.chunks.deleteMany({ ...shopScope(CHUNKS, shop), gen: genFilter });
    else await this.deleteByIds(this.chunks, gone.flatMap((h) => Array.from({ length: h.chunks! }, (_, i) => chunkId(shop, h.segmentKey, h.field, h.gen, i))));
    await this.deleteByIds(this.heads, gone.map((h) => h._id));
  }

  private async deleteByIds(model: Model<HeadRecord> | Model<ChunkRecord>, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1000) await model.collection.bulkWrite(ids.slice(i, i + 1000).map((_id) => ({ deleteOne: { filter: { _id } as never } })), { ordered: false });
  }

  private async chunk(id: string): Promise<string[]> {
    const c = await this.chunks.findOne({ _id: id }, { e: 1 }).lean<{ e?: string[] }>();
    return c?.e ?? [];
  }

  /**
   * The segment's entries in list order (dir 1) or reversed (-1), strictly after `afterKey`, chunk by
   * chunk: a page reads the head and the one or two chunks it spans.
   */
  async *entries(shop: string, gen: string, segmentKey: string, field: BrowserSortField, dir: 1 | -1, afterKey: string | null): AsyncGenerator<string> {
    const h = await this.head(shop, segmentKey, field, gen);
    if (!h) return;
    const bounds = boundsOf(h);
    const n = bounds.length;
    let i = afterKey === null ? (dir === 1 ? 0 : n - 1) : chunkIndex(bounds.map((b) => b.lower), afterKey);
    for (; i >= 0 && i < n; i += dir) {
      const keys = (await this.chunk(chunkId(shop, segmentKey, field, h.gen, bounds[i]!.no))).sort();
      if (dir === -1) keys.reverse();
      for (const k of keys) if (afterKey === null || (dir === 1 ? k > afterKey : k < afterKey)) yield k;
    }
  }

  /** Every entry of generation `gen` of the shop's index as (segment key, sort field, entry) — for tests and checks. */
  async dump(shop: string, gen: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const heads = await this.heads.find({ ...shopScope(HEADS, shop), gen }).lean<HeadRecord[]>();
    await Promise.all(heads.map(async (h) => {
      const all: string[] = [];
      for await (const k of this.entries(shop, gen, h.segmentKey, h.field, 1, null)) all.push(k);
      if (all.length) out.set(`${h.segmentKey}|${h.field}`, all);
    }));
    return out;
  }
}
