// Where the app's own per-shop Redis keys live (src/redis.ts ShopKeys). On a cluster-style prefix with
// 6 partitions every key of one shop — tag state, derived buffer, shop work, metafield digests, flow
// outbox, token lock and stats, document locks, tag-echo markers, bulk-operation signals, the per-shop
// signal rate limits — sits in one slot, the slot of the shop's queue partition, and different shops'
// keys spread over the partitions' slots; with one partition every key is byte for byte the one the
// app had before keys followed the partitions, so a single Redis loses nothing on upgrade. No server: a
// recording stand-in for ioredis notes the keys every command, script, MULTI and pipeline names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { partitionOf, partitionPrefixes, ShopKeys } from '../../src/redis.ts';
import { TagSyncState } from '../../src/profiles/tag-sync-state.ts';
import { DerivedBuffer } from '../../src/profiles/derived-buffer.ts';
import { ShopWork } from '../../src/profiles/shop-work.ts';
import { MetafieldSyncState } from '../../src/profiles/metafield-sync-state.ts';
import { FlowOutbox } from '../../src/profiles/flow-outbox.ts';
import { DocLocks } from '../../src/profiles/doc-locks.ts';
import { SignalDrops } from '../../src/profiles/signal-drops.ts';
import { AuthStats, ShopTokenLock } from '../../src/shopify/offline-tokens.ts';
import { Keyring } from '../../src/shopify/token-crypto.ts';
import { Enqueuer, type Queues } from '../../jobs/enqueue.ts';
import { customerKey } from '../../jobs/queues.ts';
import { signalLimiters } from '../../web/signals/limits.ts';
import { keySlot } from '../support/key-slot.ts';

/** One command, script, MULTI or pipeline and the keys it names. */
interface Call { what: string; keys: string[] }

/** A stand-in for ioredis that records the keys of every call and answers as an empty Redis would. */
function recordingRedis(): { redis: Redis; calls: Call[] } {
  const calls: Call[] = [];
  const keysOf = (command: string, args: unknown[]): string[] => {
    if (command === 'eval') return args.slice(2, 2 + Number(args[1])).map(String);
    if (command === 'del') return args.map(String);
    if (command === 'publish' || command === 'defineCommand') return []; // a channel; a script's name
    return args.length ? [String(args[0])] : [];
  };
  const reply = (command: string, args: unknown[]): unknown => {
    switch (command) {
      case 'set': return 'OK';
      case 'eval': case 'lrange': case 'smembers': case 'zrange': return [];
      case 'hmget': return args.slice(1).map(() => null);
      case 'smismember': return args.slice(1).map(() => 0);
      case 'hgetall': return {};
      case 'sscan': case 'zscan': return ['0', []];
      case 'get': case 'getdel': case 'lpop': return null;
      default: return 0;
    }
  };
  const batch = (what: string) => {
    const call: Call = { what, keys: [] };
    calls.push(call);
    const queued: string[] = [];
    const chain: object = new Proxy({}, {
      get: (_t, command: string) => (command === 'exec'
        ? async () => queued.map(() => [null, 'OK'])
        : (...args: unknown[]) => { queued.push(command); call.keys.push(...keysOf(command, args)); return chain; }),
    });
    return chain;
  };
  const redis = new Proxy({}, {
    get: (_t, command: string | symbol) => {
      if (typeof command !== 'string' || command === 'then') return undefined;
      if (command === 'pipeline' || command === 'multi') return () => batch(command);
      return async (...args: unknown[]) => {
        calls.push({ what: command, keys: keysOf(command, args) });
        return reply(command, args);
      };
    },
  });
  return { redis: redis as unknown as Redis, calls };
}

const CUSTOMER = '42';
const tags = [{ customerId: CUSTOMER, tags: ['seg:vip'], revision: 1 }];

/** Every call of every store that keeps per-shop keys, for one shop; the keys each call named. */
async function touchEverything(keys: ShopKeys | string, shop: string): Promise<Call[]> {
  const { redis, calls } = recordingRedis();
  const state = new TagSyncState(redis, keys);
  await state.observe(shop, CUSTOMER, ['seg:vip']);
  await state.setDesired(shop, tags);
  await state.ensureDesired(shop, tags);
  await state.markApplied(shop, tags);
  await state.pendingCount(shop);
  await state.pending(shop, 10);
  await state.arePending(shop, [CUSTOMER]);
  await state.revisions(shop, [CUSTOMER]);
  await state.applied(shop, [CUSTOMER]);
  await state.forgetCustomer(shop, CUSTOMER);
  await state.forgetShop(shop);

  const derived = new DerivedBuffer(redis, keys);
  const lease = await derived.enter(shop);
  await derived.leave(shop, lease, CUSTOMER, { before: null, after: null });
  await derived.beginRebuild(shop, 'g1');
  await derived.waitForWriters(shop, null);
  await derived.takePending(shop, 'g1');
  await derived.gate(shop, 'g1', 0);
  await derived.readyToSwitch(shop, 'g1');
  await derived.endRebuild(shop, 'g1');
  const token = (await derived.lock(shop))!;
  await derived.renew(shop, token);
  await derived.peek(shop, 10);
  await derived.trim(shop, token, 1);
  await derived.logLength(shop);
  await derived.runningRebuild(shop);
  await derived.state(shop);
  await derived.unlock(shop, token);
  await derived.forgetShop(shop);

  const work = new ShopWork(redis, keys);
  await work.shopPassBegan(shop);
  await work.customerRecomputing(shop, CUSTOMER);
  await work.shopPassEnded(shop);
  await work.recomputeQueued(shop, 'digest');
  await work.recomputeSettled(shop, 'digest');
  await work.recomputesPending(shop);
  await work.failed(shop, { queue: 'q', jobId: '1', name: 'n', customerId: CUSTOMER, failedReason: 'x', failedAt: null, attemptsMade: 1 });
  await work.failures(shop, 5);
  await work.forgetCustomer(shop, CUSTOMER, 'digest');
  await work.forgetShop(shop);

  const digests = new MetafieldSyncState(redis, keys);
  await digests.digests(shop, [CUSTOMER]);
  await digests.markWritten(shop, [{ customerId: CUSTOMER, digest: 'd' }]);
  await digests.count(shop);
  await digests.forgetCustomer(shop, CUSTOMER);
  await digests.forgetShop(shop);

  const outbox = new FlowOutbox(redis, keys);
  await outbox.push(shop, [{ handle: 'h', customerId: CUSTOMER, payload: {}, attempts: 0 }]);
  await outbox.take(shop, 10);
  await outbox.record(shop, { sent: 1, refused: 1 }, { message: 'no', at: new Date(0) });
  await outbox.stats(shop);
  await outbox.forgetCustomer(shop, CUSTOMER);
  await outbox.forgetShop(shop);

  // The order store's locks: a customer's book and an order's owner record (src/profiles/order-store.ts).
  await new DocLocks(redis, keys).with(shop, [`order_books/${shop}/${CUSTOMER}`, `order_owners/${shop}/1001`], async () => undefined);
  await new ShopTokenLock(redis, keys).run(shop, async () => undefined);
  const stats = new AuthStats(redis, keys);
  await stats.bump(shop, 'tokenRefreshes');
  await stats.read(shop);

  const n = typeof keys === 'string' ? 1 : keys.partitions;
  const enqueue = new Enqueuer(Array.from({ length: n }, () => ({}) as Queues), redis, keys, { keyring: new Keyring(Buffer.alloc(32, 7)) });
  await enqueue.expectTagEcho(shop, [CUSTOMER], 'seg:');
  await enqueue.tagEchoPrefix(shop, CUSTOMER);
  await enqueue.settleTagEcho(shop, [CUSTOMER]);
  await enqueue.bulkOperationFinished(shop, { adminGraphqlApiId: 'gid://shopify/BulkOperation/1', status: 'COMPLETED', errorCode: null, type: 'QUERY', createdAt: null, completedAt: null });

  const limiters = signalLimiters(redis, keys);
  calls.push({ what: 'signal limits', keys: [limiters.pixelShop(shop).getKey(shop), limiters.clicksShop(shop).getKey(shop), limiters.pixelClient(shop).getKey(`${shop}/c1`)] });
  return calls.filter((c) => c.keys.length > 0);
}

const shops = Array.from({ length: 24 }, (_, i) => `shop-${i}.myshopify.com`);
const slotsOf = (calls: readonly Call[]) => new Set(calls.flatMap((c) => c.keys.map(keySlot)));

describe('the shops\' own keys follow their queue partition', () => {
  it('6 partitions of {segments}: one shop\'s keys share one slot, its queues\' slot; different shops spread over the 6 slots', async () => {
    const keys = new ShopKeys('{segments}', 6);
    const queuePrefixes = partitionPrefixes('{segments}', 6);
    const shopSlots = new Set<number>();
    for (const shop of shops) {
      const calls = await touchEverything(keys, shop);
      assert.ok(calls.length >= 60, `${shop}: ${calls.length} calls recorded`);
      const queueSlot = keySlot(`${queuePrefixes[partitionOf(shop, 6)]}:recompute-customer:wait`);
      const stray = [...new Set(calls.flatMap((c) => c.keys))].filter((k) => keySlot(k) !== queueSlot);
      assert.deepEqual(stray, [], `${shop}: keys outside slot ${queueSlot}, its queue partition's`);
      assert.deepEqual([...slotsOf(calls)], [queueSlot]);
      for (const c of calls) for (const k of c.keys) assert.ok(k.startsWith(`${keys.of(shop)}:`), k);
      shopSlots.add(queueSlot);
    }
    assert.equal(shopSlots.size, 6, `24 shops over ${shopSlots.size} slots`);
    assert.ok(!shopSlots.has(keySlot('{segments}:x')), 'no shop\'s keys in the slot of the plain prefix');
  });

  it('what stays global lives under the plain prefix: signal drops, the per-IP signal limit', async () => {
    const { redis, calls } = recordingRedis();
    const keys = new ShopKeys('{segments}', 6);
    assert.equal(signalLimiters(redis, keys).ip.getKey('203.0.113.9'), '{segments}:signals:rl:ip:203.0.113.9');
    await new SignalDrops(redis, keys.prefix).count('pixel', 'unknown-shop-or-key');
    assert.deepEqual(calls.filter((c) => c.what === 'hincrby').map((c) => c.keys), [['{segments}:signals:dropped']]);
  });

  it('one partition: every key is the one the app always had (a single Redis keeps its data on upgrade)', async () => {
    const shop = 'shop-a.myshopify.com';
    const echo = `tag-echo:${shop}:${customerKey(shop, CUSTOMER)}`;
    const before = (p: string) => [
      ...['applied', 'rev', 'pending', 'desired'].map((k) => `${p}:tags:${shop}:${k}`),
      ...['writers', 'log', 'rebuild', 'pending', 'gate', 'applier'].map((k) => `${p}:derived:${shop}:${k}`),
      `${p}:recompute-pending:${shop}`, `${p}:failures:${shop}`, `${p}:shop-pass:${shop}`, `${p}:shop-pass-touched:${shop}`,
      `${p}:mf-digest:${shop}`, `${p}:flow-outbox:${shop}`, `${p}:flow-stats:${shop}`, `${p}:flow-seen:${shop}`,
      `${p}:doclock:order_books/${shop}/${CUSTOMER}`, `${p}:doclock:order_owners/${shop}/1001`,
      `${p}:token-lock:${shop}`, `${p}:auth-stats:${shop}`, `${p}:${echo}`, `${p}:bulk-finished:${shop}:gid://shopify/BulkOperation/1`,
      `${p}:signals:rl:pixel-shop:${shop}`, `${p}:signals:rl:clicks-shop:${shop}`, `${p}:signals:rl:pixel-client:${shop}/c1`,
    ].sort();
    const seen = async (keys: ShopKeys | string) => [...new Set((await touchEverything(keys, shop)).flatMap((c) => c.keys))].sort();
    assert.deepEqual(await seen('segments'), before('segments'), 'a prefix alone (tests, single server)');
    assert.deepEqual(await seen(new ShopKeys('segments', 1)), before('segments'), 'QUEUE_PARTITIONS=1');
    assert.deepEqual(await seen(new ShopKeys('{segments}', 1)), before('{segments}'), 'a cluster with one partition');
  });

  it('ShopKeys: the partition prefixes; of() and perShop() pick the shop\'s partition', () => {
    const keys = new ShopKeys('{segments}', 6);
    assert.deepEqual(keys.prefixes, partitionPrefixes('{segments}', 6));
    const pick = keys.perShop((p) => `limiter ${p}`);
    for (const shop of shops) {
      assert.equal(keys.of(shop), `{segments-p${partitionOf(shop, 6)}}`);
      assert.equal(pick(shop), `limiter ${keys.of(shop)}`);
    }
    assert.equal(new ShopKeys('segments').of('any.myshopify.com'), 'segments');
    assert.equal(new ShopKeys('segments', 1).perShop((p) => p)('any.myshopify.com'), 'segments');
  });

  it('the Enqueuer refuses keys partitioned otherwise than its queues', () => {
    const { redis } = recordingRedis();
    const keyring = new Keyring(Buffer.alloc(32, 7));
    assert.throws(() => new Enqueuer([{} as Queues, {} as Queues], redis, 'segments', { keyring }), /2 queue partitions but the shops' keys in 1/);
    assert.ok(new Enqueuer([{} as Queues, {} as Queues], redis, new ShopKeys('segments', 2), { keyring }));
  });
});
