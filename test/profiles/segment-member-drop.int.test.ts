// Dropping a generation of the segment membership index deletes its chunks by `_id`, from the chunk
// numbers its heads name (segment-member-index.ts): nothing of the generation is left, other
// generations and shops are untouched, and the cases where a chunk could outlive its head are covered —
// a write to a generation already dropped, a rebuild superseded while it builds (a newer one deletes its
// heads mid-way), and heads written before they named their chunks (a scan then finds the chunks).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import { SegmentMemberIndex } from '../../src/profiles/segment-member-index.ts';
import type { BrowserKeys } from '../../src/profiles/segment-browser-keys.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';

const SHOP = 'member-drop.myshopify.com';
const OTHER = 'member-drop-other.myshopify.com';

/** `segments` segments of `n` customers each: 5 sort keys × ⌈n / 200⌉ chunks a segment. */
function members(n: number, segments: number, offset = 0): Map<string, BrowserKeys> {
  const segmentKeys = Array.from({ length: segments }, (_, s) => `loyalty/s${s}`);
  return new Map(Array.from({ length: n }, (_, i) => [String(7_000_000 + offset + i), { segmentKeys, bySpend: (i * 37) % 1000, byOrders: i % 7, byLastOrder: i, byChurn: -1, byClv: i % 13 }]));
}

describe('segment membership index: dropping generations', () => {
  let s: TestServices;
  let idx: SegmentMemberIndex;
  const chunksOf = (shop: string, gen: string) => idx.chunks.countDocuments({ ...shopScope('segment_member_chunks', shop), gen });
  const headsOf = (shop: string, gen: string) => idx.heads.countDocuments({ ...shopScope('segment_member_heads', shop), gen });

  before(async () => {
    s = await openTestServices(import.meta.url);
    idx = new SegmentMemberIndex(s.mongo);
  });
  after(async () => {
    await s.close();
  });

  it('drop deletes every chunk its heads name and nothing of another generation or shop', async () => {
    await idx.build(SHOP, 'g1', members(450, 3));
    await idx.build(SHOP, 'g2', members(450, 3));
    await idx.build(OTHER, 'g1', members(250, 2));
    assert.equal(await chunksOf(SHOP, 'g1'), 3 * 5 * 3);
    const heads = await idx.heads.find(shopScope('segment_member_heads', SHOP)).lean<Array<{ chunks?: number }>>();
    assert.ok(heads.every((h) => h.chunks === 3), 'each head says how many chunks it names');
    await idx.drop(SHOP, 'g1');
    assert.deepEqual([await chunksOf(SHOP, 'g1'), await headsOf(SHOP, 'g1')], [0, 0]);
    assert.deepEqual([await chunksOf(SHOP, 'g2'), await headsOf(SHOP, 'g2')], [45, 15]);
    assert.deepEqual([await chunksOf(OTHER, 'g1'), await headsOf(OTHER, 'g1')], [20, 10]);
    await idx.dropExcept(SHOP, ['g9', null]);
    assert.deepEqual([await chunksOf(SHOP, 'g2'), await headsOf(SHOP, 'g2')], [0, 0]);
    assert.equal(await chunksOf(OTHER, 'g1'), 20, 'the other shop untouched');
  });

  it('a write to a generation already dropped leaves nothing the next drop misses', async () => {
    const m = members(300, 1, 1000);
    await idx.build(SHOP, 'late', m);
    const [id, keys] = [...m][0]!;
    const bulkWrite = idx.chunks.bulkWrite.bind(idx.chunks);
    let dropped = false;
    // The generation is dropped after this applier read its heads and before it writes: the chunks it writes to stay gone.
    idx.chunks.bulkWrite = (async (...args: Parameters<typeof bulkWrite>) => {
      if (!dropped) {
        dropped = true;
        await idx.drop(SHOP, 'late');
      }
      return bulkWrite(...args);
    }) as typeof bulkWrite;
    try {
      await idx.apply(SHOP, 'late', [{ customerId: id, before: keys, after: { ...keys, bySpend: 5000, byClv: 99 } }]);
    } finally {
      idx.chunks.bulkWrite = bulkWrite;
    }
    assert.ok(dropped);
    assert.deepEqual([await chunksOf(SHOP, 'late'), await headsOf(SHOP, 'late')], [0, 0]);
    // One that reads the heads now creates the list again, its chunk with its head.
    await idx.apply(SHOP, 'late', [{ customerId: id, before: null, after: { ...keys, segmentKeys: ['loyalty/new'] } }]);
    assert.deepEqual([await chunksOf(SHOP, 'late'), await headsOf(SHOP, 'late')], [5, 5]);
    // And one that does so while the next drop runs (after it read the heads): its heads stay, naming its chunks.
    const heads = idx.heads.collection;
    const deleteHeads = heads.bulkWrite.bind(heads);
    let raced = false;
    heads.bulkWrite = (async (...args: Parameters<typeof deleteHeads>) => {
      if (!raced) {
        raced = true;
        await idx.apply(SHOP, 'late', [{ customerId: id, before: null, after: { ...keys, segmentKeys: ['loyalty/newer'] } }]);
      }
      return deleteHeads(...args);
    }) as typeof deleteHeads;
    try {
      await idx.dropExcept(SHOP, ['other']);
    } finally {
      heads.bulkWrite = deleteHeads;
    }
    assert.ok(raced);
    assert.deepEqual([await chunksOf(SHOP, 'late'), await headsOf(SHOP, 'late')], [5, 5], 'the list written during the drop');
    await idx.dropExcept(SHOP, ['other']);
    assert.deepEqual([await chunksOf(SHOP, 'late'), await headsOf(SHOP, 'late')], [0, 0]);
  });

  it('chunks whose heads are gone (a superseded rebuild\'s, after a newer one deleted its heads) are found by a scan', async () => {
    await idx.build(SHOP, 'orphaned', members(450, 2, 4000));
    await idx.heads.deleteMany({ ...shopScope('segment_member_heads', SHOP), gen: 'orphaned' });
    await idx.drop(SHOP, 'orphaned');
    assert.equal(await chunksOf(SHOP, 'orphaned'), 30, 'no head names them');
    await idx.drop(SHOP, 'orphaned', { scan: true });
    assert.equal(await chunksOf(SHOP, 'orphaned'), 0);
  });

  it('a rebuild superseded while it builds leaves nothing after its own drop', async () => {
    const insertMany = idx.chunks.collection.insertMany.bind(idx.chunks.collection);
    let calls = 0;
    // A newer rebuild begins between two batches of this one's chunks: it deletes what this one wrote so far.
    idx.chunks.collection.insertMany = (async (...args: Parameters<typeof insertMany>) => {
      if (++calls === 2) await idx.dropExcept(SHOP, ['newer']);
      return insertMany(...args);
    }) as typeof insertMany;
    try {
      await idx.build(SHOP, 'superseded', members(450, 10, 2000));
    } finally {
      idx.chunks.collection.insertMany = insertMany;
    }
    assert.ok(calls >= 2, 'two batches at least');
    assert.ok((await chunksOf(SHOP, 'superseded')) > 0 && (await chunksOf(SHOP, 'superseded')) < 150, 'part of its chunks were deleted mid-way');
    await idx.drop(SHOP, 'superseded');
    assert.deepEqual([await chunksOf(SHOP, 'superseded'), await headsOf(SHOP, 'superseded')], [0, 0]);
  });

  it('heads that predate `chunks`: chunks without a head (a rebuild that died) are found by a scan', async () => {
    await idx.build(SHOP, 'live', members(250, 1, 3000));
    await idx.heads.updateMany(shopScope('segment_member_heads', SHOP), { $unset: { chunks: 1 } });
    // A rebuild of the earlier version that died before it wrote its heads (they came last then).
    await idx.chunks.insertMany([0, 1, 2].map((i) => ({ _id: `${SHOP}/loyalty/s0|byClv|dead|${i}`, shop: SHOP, gen: 'dead', e: ['a'] })));
    // An add to a list of such a head still creates its chunk, as the earlier version did.
    await idx.chunks.deleteOne({ _id: `${SHOP}/loyalty/s0|bySpend|live|1` });
    await idx.apply(SHOP, 'live', [{ customerId: '9999999', before: null, after: { segmentKeys: ['loyalty/s0'], bySpend: 999, byOrders: 1, byLastOrder: 1, byChurn: -1, byClv: 1 } }]);
    assert.equal(await idx.chunks.countDocuments({ _id: `${SHOP}/loyalty/s0|bySpend|live|1` }), 1);
    await idx.dropExcept(SHOP, ['live', 'building']);
    assert.equal(await chunksOf(SHOP, 'dead'), 0, 'the headless chunks are gone');
    assert.deepEqual([await chunksOf(SHOP, 'live'), await headsOf(SHOP, 'live')], [10, 5], 'the live generation kept');
  });
});
