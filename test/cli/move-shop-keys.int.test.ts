// `segments move-shop-keys` (src/cli/commands/move-shop-keys.ts): the shops' own keys written the old way
// (every shop under the plain prefix) are moved to their partition's prefix with their values and
// time to live, the stores read them there, nothing of a shop stays under the plain prefix, a second
// run moves nothing, a key written anew already wins, and a change of QUEUE_PARTITIONS moves them to
// their new partitions. On a single Redis with 3 partitions; under `npm run test:cluster` across the
// masters (DUMP on one node, RESTORE on another).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import { testConfig } from '../jobs/support.ts';
import { shopKeysFrom } from '../../src/deps.ts';
import { keyPatterns, partitionOf, scanKeys, ShopKeys } from '../../src/redis.ts';
import { TagSyncState } from '../../src/profiles/tag-sync-state.ts';
import { ShopWork } from '../../src/profiles/shop-work.ts';
import { FlowOutbox } from '../../src/profiles/flow-outbox.ts';
import { MetafieldSyncState } from '../../src/profiles/metafield-sync-state.ts';
import { SignalDrops } from '../../src/profiles/signal-drops.ts';
import { Keyring } from '../../src/shopify/token-crypto.ts';
import { Enqueuer, type Queues } from '../../jobs/enqueue.ts';
import { createMoveShopKeysCommand, moveShopKeys, type MoveReport } from '../../src/cli/commands/move-shop-keys.ts';
import type { Config } from '../../src/config.ts';

const keyring = new Keyring(Buffer.alloc(32, 7));
const desired = (customerId: string, tags: string[]) => ({ customerId, tags, revision: 1 });

/** The stores that keep per-shop keys, on `keys` (a string: the old layout, every shop under it). */
function storesOn(redis: Redis, keys: ShopKeys | string) {
  const n = typeof keys === 'string' ? 1 : keys.partitions;
  return {
    tags: new TagSyncState(redis, keys), work: new ShopWork(redis, keys), outbox: new FlowOutbox(redis, keys), digests: new MetafieldSyncState(redis, keys),
    enqueue: new Enqueuer(Array.from({ length: n }, () => ({}) as Queues), redis, keys, { keyring }),
  };
}

async function run(config: Config): Promise<MoveReport> {
  let out = '';
  const stdout = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } });
  assert.equal(await createMoveShopKeysCommand({ config: () => config }).run(['--json'], { stdout, stderr: stdout }), 0);
  return JSON.parse(out) as MoveReport;
}

describe('segments move-shop-keys', () => {
  let s: TestServices;
  let redis: Redis;
  let config: Config;
  let keys: ShopKeys;
  const shops = Array.from({ length: 12 }, (_, i) => `move-${i}.myshopify.com`);
  let A = '';
  let B = '';
  let C = '';

  before(async () => {
    s = await openTestServices(import.meta.url);
    redis = s.redis();
    config = testConfig(s, { QUEUE_PARTITIONS: '3' });
    keys = shopKeysFrom(config);
    A = shops[0]!;
    B = shops.find((x) => partitionOf(x, 3) !== partitionOf(A, 3))!;
    C = shops.find((x) => x !== A && x !== B)!;
    // The old layout: every shop's keys under the plain prefix, as the stores wrote them before.
    const old = storesOn(redis, keys.prefix);
    for (const shop of [A, B]) {
      await old.tags.setDesired(shop, [desired('c1', ['seg:vip']), desired('c2', ['seg:new'])]);
      await old.tags.markApplied(shop, [desired('c2', ['seg:new'])]);
      await old.work.recomputeQueued(shop, 'digest-1');
      await old.work.failed(shop, { queue: 'q', jobId: '1', name: 'n', customerId: 'c1', failedReason: 'x', failedAt: null, attemptsMade: 1 });
      await old.outbox.push(shop, [{ handle: 'h', customerId: 'c1', payload: {}, attempts: 0 }]);
      await old.digests.markWritten(shop, [{ customerId: 'c1', digest: 'd1' }]);
      await old.enqueue.expectTagEcho(shop, ['c1'], 'seg:');
    }
    // What stays global.
    await new SignalDrops(redis, keys.prefix).count('pixel', 'bad-schema');
    await redis.set(`${keys.prefix}:ratelimit:${A}`, '1', 'EX', 60);
  });
  after(async () => {
    await s.close();
  });

  it('moves every shop\'s keys to its partition with value and time to live; the stores read them there', async () => {
    const report = await run(config);
    // Per shop: 4 tag-state keys, 2 work counters, the outbox, the digests, one echo marker.
    assert.equal(report.moved, 18, JSON.stringify(report));
    assert.equal(report.dropped, 0);
    assert.deepEqual(report.byKind, { tags: 8, 'recompute-pending': 2, failures: 2, 'flow-outbox': 2, 'mf-digest': 2, 'tag-echo': 2 });
    const now = storesOn(redis, keys);
    for (const shop of [A, B]) {
      assert.deepEqual(await now.tags.pending(shop, 10), ['c1'], `${shop}: still pending`);
      assert.deepEqual(await now.tags.applied(shop, ['c2']), new Map([['c2', ['seg:new']]]));
      assert.equal(await now.work.recomputesPending(shop), 1);
      assert.equal((await now.work.failures(shop, 5)).count, 1);
      assert.equal((await now.outbox.stats(shop)).pending, 1);
      assert.equal((await now.digests.digests(shop, ['c1'])).get('c1'), 'd1');
      assert.equal(await now.enqueue.tagEchoPrefix(shop, 'c1'), 'seg:');
      const ttl = await redis.pttl(`${keys.of(shop)}:failures:${shop}`);
      assert.ok(ttl > 6 * 86_400_000 && ttl <= 7 * 86_400_000, `the failure list keeps its 7-day expiry (${ttl} ms)`);
    }
    assert.notEqual(keys.of(A), keys.of(B));
  });

  it('leaves only the global keys under the plain prefix, and moves nothing the second time', async () => {
    const plain: string[] = [];
    for await (const page of scanKeys(redis, keyPatterns(keys.prefix)[0]!)) plain.push(...page);
    assert.deepEqual(plain.sort(), [`${keys.prefix}:ratelimit:${A}`, `${keys.prefix}:signals:dropped`]);
    assert.deepEqual(await run(config), { moved: 0, dropped: 0, byKind: {} });
  });

  it('a key written at its new place already wins (the old one is dropped)', async () => {
    await storesOn(redis, keys.prefix).tags.setDesired(C, [desired('old', ['seg:old'])]);
    await storesOn(redis, keys).tags.setDesired(C, [desired('new', ['seg:new'])]);
    const report = await moveShopKeys(redis, keys);
    assert.deepEqual(report, { moved: 0, dropped: 3, byKind: {} }, 'rev, desired, pending (applied was never written)');
    assert.deepEqual(await storesOn(redis, keys).tags.pending(C, 10), ['new']);
  });

  it('QUEUE_PARTITIONS changed: 3 → 2 moves the shops whose partition changed; → 1 brings every key back under the plain prefix', async () => {
    const two = new ShopKeys(keys.prefix, 2);
    // A and B hold 9 keys each, C 3 (its tag state).
    const moves = (shop: string, n: number) => (two.of(shop) !== keys.of(shop) ? n : 0);
    const r2 = await moveShopKeys(redis, two);
    assert.equal(r2.moved, moves(A, 9) + moves(B, 9) + moves(C, 3), JSON.stringify(r2));
    assert.ok(r2.moved > 0);
    for (const shop of [A, B]) assert.deepEqual(await storesOn(redis, two).tags.pending(shop, 10), ['c1'], `${shop} on 2 partitions`);
    const one = new ShopKeys(keys.prefix, 1);
    await moveShopKeys(redis, one);
    for (const shop of [A, B]) {
      assert.deepEqual(await storesOn(redis, one).tags.pending(shop, 10), ['c1'], `${shop} on 1 partition`);
      assert.equal(await storesOn(redis, keys.prefix).outbox.stats(shop).then((x) => x.pending), 1);
    }
    const partitioned: string[] = [];
    for await (const page of scanKeys(redis, keyPatterns(keys.prefix)[1]!)) partitioned.push(...page);
    assert.deepEqual(partitioned.filter((k) => [A, B, C].some((shop) => k.includes(shop))), [], 'nothing of the shops left in a partition');
  });
});
