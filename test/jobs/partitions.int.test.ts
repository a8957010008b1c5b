// Queue partitions on real Redis: each shop's jobs in its own partition, every partition consumed, per-shop
// deduplication and order kept. On a single Redis with 3 partitions (forced); under `npm run test:cluster`
// with the cluster default (6), where it also shows the partitions' keys on more than one master, and
// the shops' own keys (tag state…) beside their queues, on more than one master too.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'bullmq';
import { Redis as IORedis, type Cluster, type Redis } from 'ioredis';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { QUEUE } from '../../jobs/queues.ts';
import { Enqueuer } from '../../jobs/enqueue.ts';
import { Keyring } from '../../src/shopify/token-crypto.ts';
import { recalibrateShop } from '../../jobs/recalibrate-shop.ts';
import { isCluster, keyPatterns, partitionOf, scanKeys } from '../../src/redis.ts';
import { keySlot } from '../support/key-slot.ts';
import { AS_OF, RecordingShopify, installShop, runtimeFor, seedOrders, seededOrders, testDeps } from './support.ts';

const CLUSTER = Boolean(process.env.REDIS_CLUSTER_NODES);

/** The master (host:port) serving each slot, from CLUSTER SLOTS. */
async function slotMasters(redis: Redis): Promise<(slot: number) => string> {
  const ranges = await redis.cluster('SLOTS');
  return (slot) => {
    const [host, port] = ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2]!;
    return `${host}:${port}`;
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

describe('queue partitions by shop', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  const shopify = new RecordingShopify();
  let A = '';
  let B = '';

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s, undefined, CLUSTER ? {} : { QUEUE_PARTITIONS: '3' });
    rt = runtimeFor(deps, shopify, AS_OF);
    // Two shops in different partitions (the mapping is fixed, see partitions.test.ts); on a cluster, in
    // partitions served by two different masters.
    const n = rt.partitions.length;
    const names = Array.from({ length: 20 }, (_, i) => `part-${i}.myshopify.com`);
    const master = CLUSTER ? await slotMasters(deps.redis) : () => '';
    const masterOf = (shop: string) => master(keySlot(rt.shopKeys.of(shop)));
    A = names[0]!;
    B = names.find((x) => partitionOf(x, n) !== partitionOf(A, n) && (!CLUSTER || masterOf(x) !== masterOf(A)))!;
    for (const shop of [A, B]) {
      await installShop(deps, shop);
      await seedOrders(deps, shop, seededOrders(20, shop === A ? 3 : 4));
      await recalibrateShop(rt.context, { shop, reason: 'support', asOf: AS_OF });
    }
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  it('has the cluster default of 6 partitions on a cluster, else the forced 3', () => {
    assert.equal(rt.partitions.length, CLUSTER ? 6 : 3);
    assert.equal(new Set(rt.partitionPrefixes).size, rt.partitions.length);
  });

  it('puts each shop\'s jobs in its own partition, deduplicated there', async () => {
    for (let i = 0; i < 20; i++) await rt.enqueue.recomputeCustomer(A, '9000001');
    await rt.enqueue.recomputeCustomer(A, '9000002');
    await rt.enqueue.recomputeCustomer(B, '9000001');
    const [qa, qb] = [rt.queuesFor(A), rt.queuesFor(B)];
    assert.notEqual(qa, qb);
    assert.equal(await qa.recompute.getWaitingCount(), 2, 'a burst for one customer: one waiting job');
    assert.equal(await qb.recompute.getWaitingCount(), 1);
    const elsewhere = rt.partitions.filter((p) => p !== qa && p !== qb);
    for (const p of elsewhere) assert.equal(await p.recompute.count(), 0, 'no job in another partition');
    assert.deepEqual((await qa.recompute.getWaiting()).map((j) => j.data.shop), [A, A]);
    for (const p of rt.partitions) await p.recompute.obliterate({ force: true });
  });

  it('keeps one shop\'s jobs in order within its partition', async () => {
    const ids = ['9000011', '9000012', '9000013', '9000014', '9000015'];
    for (const id of ids) await rt.enqueue.recomputeCustomer(A, id);
    const seen: string[] = [];
    const worker = new Worker(QUEUE.recompute, async (job) => { seen.push(job.data.customerId); }, { connection: deps.newRedis(), prefix: rt.partitionPrefixes[partitionOf(A, rt.partitions.length)]!, concurrency: 1 });
    try {
      await until('five runs', async () => seen.length >= ids.length);
    } finally {
      await worker.close();
    }
    assert.deepEqual(seen, ids, 'first in, first out');
    for (const p of rt.partitions) await p.recompute.obliterate({ force: true });
  });

  it('workers consume every partition: two shops in different partitions both processed to tag writes', async () => {
    shopify.writes.length = 0;
    const workers = rt.startWorkers({ concurrency: 1 });
    try {
      for (const shop of [A, B]) for (const id of ['9000001', '9000002', '9000003']) await rt.enqueue.recomputeCustomer(shop, id);
      for (const shop of [A, B]) await rt.enqueue.syncTags(shop);
      await until('tags written for both shops', async () => [A, B].every((shop) => shopify.writes.some((w) => w.shop === shop)));
      await until('both partitions drained', async () => {
        const counts = await Promise.all([rt.queuesFor(A), rt.queuesFor(B)].flatMap((p) => [p.recompute, p.syncTags]).map((q) => q.getJobCounts('waiting', 'active', 'prioritized')));
        return counts.every((c) => Object.values(c).every((x) => x === 0));
      });
    } finally {
      await workers.close();
    }
    for (const shop of [A, B]) assert.equal(await rt.context.tagState.pendingCount(shop), 0, `${shop}: no tags left pending`);
  });

  it('keeps every key naming a shop (its own keys: tag state, counters…; its queues\' deduplication) under its partition\'s prefix', async () => {
    // After the run above: A's and B's tag state and work counters exist.
    const found = new Map<string, string[]>();
    for (const pattern of keyPatterns(rt.prefix)) for await (const keys of scanKeys(deps.redis, pattern)) {
      for (const key of keys) for (const shop of [A, B]) if (key.includes(`:${shop}`)) found.set(key, [...(found.get(key) ?? []), shop]);
    }
    for (const shop of [A, B]) {
      const own = [...found].filter(([, s]) => s.includes(shop)).map(([k]) => k);
      assert.ok(own.some((k) => k.includes(`:tags:${shop}:`)), `${shop}: tag state found (${own.join(', ')})`);
      for (const k of own) assert.ok(k.startsWith(`${rt.shopKeys.of(shop)}:`), `${k}: under ${rt.shopKeys.of(shop)}`);
    }
    assert.notEqual(rt.shopKeys.of(A), rt.shopKeys.of(B));
  });

  it('on a cluster, the shops\' own keys sit on at least two masters, each beside its shop\'s queues', { skip: !CLUSTER && 'needs REDIS_CLUSTER_NODES' }, async () => {
    const redis = deps.redis as unknown as Cluster;
    const master = await slotMasters(deps.redis);
    // Which master holds each shop's tag state, asked of the masters themselves (SCAN on each).
    const holders = new Map<string, Set<string>>();
    for (const m of redis.nodes('master')) {
      const at = `${m.options.host}:${m.options.port}`;
      for (const shop of [A, B]) {
        let cursor = '0';
        do {
          const [next, keys] = await m.scan(cursor, 'MATCH', `${rt.shopKeys.of(shop)}:tags:${shop}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) holders.set(shop, new Set([...(holders.get(shop) ?? []), at]));
        } while (cursor !== '0');
      }
    }
    const [a, b] = [holders.get(A), holders.get(B)];
    assert.equal(a?.size, 1, `${A}'s tag state on one master: ${[...(a ?? [])].join(', ')}`);
    assert.equal(b?.size, 1, `${B}'s tag state on one master: ${[...(b ?? [])].join(', ')}`);
    assert.notEqual([...a!][0], [...b!][0], 'two shops\' own keys on two masters');
    // The master of the shop's queue partition (CLUSTER SLOTS for the slot of one of its queue keys).
    for (const [shop, at] of [[A, a!], [B, b!]] as const) assert.equal([...at][0], master(keySlot(rt.queuesFor(shop).recompute.toKey('wait'))), `${shop}: beside its queues`);
  });

  it('on a cluster, the partitions\' keys sit on at least two masters', { skip: !CLUSTER && 'needs REDIS_CLUSTER_NODES' }, async () => {
    const redis = deps.redis;
    assert.ok(isCluster(redis));
    // One job per partition so every partition has keys, then CLUSTER KEYSLOT of each and
    // CLUSTER COUNTKEYSINSLOT on the master that holds it.
    for (let k = 0; k < rt.partitions.length; k++) await rt.partitions[k]!.maintenance.add('probe', { kind: 'cleanup-deliveries', olderThanDays: 7 }, { delay: 3_600_000 });
    const masters = (redis as unknown as Cluster).nodes('master');
    const holding = new Set<string>();
    for (const prefix of rt.partitionPrefixes) {
      const slot = Number(await redis.cluster('KEYSLOT', `${prefix}:maintenance:delayed`));
      for (const m of masters) {
        if (Number(await m.cluster('COUNTKEYSINSLOT', slot)) > 0) holding.add(`${m.options.host}:${m.options.port}`);
      }
    }
    assert.ok(holding.size >= 2, `queue keys on ${holding.size} master(s): ${[...holding].join(', ')}`);
    for (const p of rt.partitions) await p.maintenance.obliterate({ force: true });
  });

  it('on a cluster, WEBHOOK_REPLICA_ACK_MS: the delivery is on a replica before acceptWebhook returns (WAIT on its master)', { skip: !CLUSTER && 'needs REDIS_CLUSTER_NODES' }, async () => {
    const redis = deps.redis as unknown as Cluster;
    const inbox = new Enqueuer(rt.partitions, deps.redis, rt.shopKeys, { keyring: new Keyring(Buffer.alloc(32, 7)), replicaAckMs: 2000 });
    const webhook = rt.queuesFor(B).webhook;
    const slot = Number(await deps.redis.cluster('KEYSLOT', webhook.toKey('id')));
    const masters = redis.nodes('master');
    const waits = async (m: Redis) => Number(/cmdstat_wait:calls=(\d+)/.exec(await m.info('commandstats'))?.[1] ?? 0);
    const before = await Promise.all(masters.map(waits));
    const body = JSON.stringify({ id: 1, customer: { id: 2 } });
    await inbox.acceptWebhook({ shop: B, topic: 'orders/create', webhookId: 'ack-1', eventId: null, triggeredAt: null, hmac: 'x', body, receivedAt: new Date(AS_OF), arrivedAt: Date.now(), dedupeKey: 'ack-1', customerIds: ['2'] });
    const after = await Promise.all(masters.map(waits));
    // The master that holds the partition's slot (its keys exist now).
    const owner = (await Promise.all(masters.map(async (m) => Number(await m.cluster('COUNTKEYSINSLOT', slot)) > 0))).indexOf(true);
    const waited = after.map((n, i) => n - before[i]!);
    assert.equal(waited.reduce((a, b) => a + b, 0), 1, `one WAIT in all (${waited.join(', ')})`);
    assert.ok(owner >= 0);
    assert.equal(waited[owner], 1, 'on the master that holds the partition');
    // The job is readable on a replica right away.
    const jobs = await webhook.getWaiting();
    const job = jobs.find((j) => j.data.webhookId === 'ack-1');
    assert.ok(job, 'queued');
    // The owner's replicas as the owner itself reports them (INFO replication): the cluster client's
    // own node list can still lack them right after the cluster was created.
    const info = await masters[owner]!.info('replication');
    const replicas = [...info.matchAll(/^slave\d+:ip=([^,]+),port=(\d+),state=online/gm)].map((m) => ({ host: m[1]!, port: Number(m[2]) }));
    assert.ok(replicas.length >= 1, `the owner has an online replica: ${info}`);
    let onReplica = 0;
    for (const { host, port } of replicas) {
      const r = new IORedis({ host, port, lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await r.connect();
        await r.call('READONLY');
        onReplica += await r.exists(webhook.toKey(job.id!));
      } finally {
        r.disconnect();
      }
    }
    assert.ok(onReplica >= 1, 'replicated before the answer');
    await webhook.obliterate({ force: true });
  });
});
