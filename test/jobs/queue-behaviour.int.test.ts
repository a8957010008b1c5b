import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, type Job } from 'bullmq';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { QUEUE, PRIORITY, dedupId } from '../../jobs/queues.ts';
import { recalibrateShop } from '../../jobs/recalibrate-shop.ts';
import { recencySweep } from '../../jobs/recency-sweep.ts';
import { readQueryPlan } from '../support/query-plan.ts';
import { AS_OF, DAY, RecordingShopify, installShop, runtimeFor, seedOrders, seededOrders, testDeps } from './support.ts';
import { pollUntil } from '../../tools/poll.ts';
import { dayOf, startOfDay } from '../../src/segments/calendar.ts';

const BIG = 'big-shop.myshopify.com';
const SMALL = 'small-shop.myshopify.com';

const until = (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => pollUntil(what, check, { timeoutMs, intervalMs: 50 });

describe('queues: dedup, recency sweep, fairness, permanent failures', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  const shopify = new RecordingShopify();

  before(async () => {
    s = await openTestServices(import.meta.url);
    // One queue partition, also on a cluster: these tests are about BullMQ's priorities and deduplication
    // within one queue (raw Workers on the test prefix); partitions are test/jobs/partitions.int.test.ts's.
    deps = await testDeps(s, undefined, { QUEUE_PARTITIONS: '1' });
    rt = runtimeFor(deps, shopify, AS_OF);
    await installShop(deps, BIG);
    await installShop(deps, SMALL);
    await seedOrders(deps, BIG, seededOrders(40, 3));
    await seedOrders(deps, SMALL, seededOrders(20, 4).map((o) => ({ ...o, customerId: `s${o.customerId}` })));
    await recalibrateShop(rt.context, { shop: BIG, reason: 'support', asOf: AS_OF });
    await recalibrateShop(rt.context, { shop: SMALL, reason: 'support', asOf: AS_OF });
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  it('turns a burst of webhooks for one customer into one waiting recompute', async () => {
    for (let i = 0; i < 20; i++) await rt.enqueue.recomputeCustomer(BIG, '9000001');
    await rt.enqueue.recomputeCustomer(BIG, '9000002');
    assert.equal(await rt.queues.recompute.getWaitingCount(), 2);
    await rt.queues.recompute.obliterate({ force: true });
  });

  it('runs exactly one more recompute, with the latest data, when a burst arrives while one is running', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const seen: Job[] = [];
    let completed = 0;
    const worker = new Worker(QUEUE.recompute, async (job) => { seen.push(job); if (seen.length === 1) await gate; }, { connection: deps.newRedis(), prefix: s.queuePrefix });
    worker.on('completed', () => { completed++; });
    await rt.enqueue.recomputeCustomer(BIG, '9000003');
    await until('first run active', async () => seen.length === 1);
    for (let i = 0; i < 10; i++) await rt.enqueue.recomputeCustomer(BIG, '9000003');
    release();
    await until('second run', async () => seen.length >= 2);
    // Every enqueue happened before release(): once two runs completed and nothing is queued or
    // running, no further run can come.
    await until('queue idle after two completed runs', async () => completed >= 2 && Object.values(await rt.queues.recompute.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0));
    assert.equal(seen.length, 2, 'one run in progress + one more, not eleven');
    await worker.close();
    await rt.queues.recompute.obliterate({ force: true });
  });

  it('sweeps only customers whose memberships are due to change, through the nextChangeAt index', async () => {
    const base = { memberships: [], tagsDesired: [], metrics: {}, predictions: {}, replenishment: [], asOf: new Date(AS_OF), computedAt: new Date(AS_OF), calibrationId: null };
    const SWEEP = 'sweep-shop.myshopify.com';
    await installShop(deps, SWEEP);
    await deps.stores.profiles.save(SWEEP, 'due-1', { ...base, nextChangeAt: new Date(AS_OF - DAY) }, null);
    await deps.stores.profiles.save(SWEEP, 'due-2', { ...base, nextChangeAt: new Date(AS_OF) }, null);
    await deps.stores.profiles.save(SWEEP, 'later', { ...base, nextChangeAt: new Date(AS_OF + DAY) }, null);
    await deps.stores.profiles.save(SWEEP, 'never', { ...base, nextChangeAt: null }, null);
    await deps.stores.profiles.save(SWEEP, 'due-3', { ...base, nextChangeAt: new Date(AS_OF - 2 * DAY) }, null);
    // One cursor, cut into batches: every due customer once, whatever the batch size.
    const batches: string[][] = [];
    for await (const b of deps.stores.profiles.dueForRecency(SWEEP, new Date(AS_OF), 2)) batches.push(b);
    assert.deepEqual(batches.map((b) => b.length), [2, 1]);
    assert.deepEqual(batches.flat().sort(), ['due-1', 'due-2', 'due-3']);
    const r = await recencySweep(rt.context, { asOf: AS_OF, shop: SWEEP });
    assert.equal(r.queued, 3);
    const jobs = await rt.queues.recompute.getJobs(['prioritized', 'waiting']);
    assert.deepEqual(jobs.map((j) => j.data.customerId).sort(), ['due-1', 'due-2', 'due-3']);
    assert.ok(jobs.every((j) => j.data.reason === 'recency' && j.opts.priority === PRIORITY.recency));
    // The sweep's query has its index; MongoDB reads through it. FerretDB 1.24 pushes only `_id`
    // filters down to SQLite, so there the plan is a scan (docs/ARCHITECTURE.md, data rules).
    const indexes = await deps.stores.profiles.model.collection.indexes();
    assert.ok(indexes.some((i) => JSON.stringify(i.key) === JSON.stringify({ shop: 1, nextChangeAt: 1 })), 'index {shop, nextChangeAt} exists');
    const plan = readQueryPlan(await deps.stores.profiles.model.find({ shop: SWEEP, nextChangeAt: { $lte: new Date(AS_OF) } }).explain());
    if (plan.server === 'mongodb') assert.deepEqual(plan.indexes, ['shop_1_nextChangeAt_1']);
    else assert.equal(plan.collectionScan, true, 'FerretDB scans (no pushdown beyond _id)');
    // Point reads by _id use the _id index on both servers (on FerretDB thanks to the patch services:up applies).
    const point = readQueryPlan(await deps.stores.profiles.model.find({ _id: `${SWEEP}/due-1` }).explain());
    assert.equal(point.collectionScan, false, 'a point read by _id never scans');
    assert.equal(point.indexes.length, 1);
    await rt.queues.recompute.obliterate({ force: true });
  });

  it('skips a shop whose pass computed every profile today, customers without orders included', async () => {
    const COVER = 'covered-shop.myshopify.com';
    await installShop(deps, COVER);
    await seedOrders(deps, COVER, seededOrders(12, 3).map((o) => ({ ...o, customerId: `c${o.customerId}` })));
    await recalibrateShop(rt.context, { shop: COVER, reason: 'settings-changed', asOf: AS_OF - DAY });
    const settings = (await rt.context.shops.get(COVER))!.settings;
    const nextDay = startOfDay(dayOf(AS_OF, settings) + 1, settings);
    // A customer with a profile and no orders (created, never bought), due yesterday: the pass computes it too.
    const base = { memberships: [], tagsDesired: [], metrics: {}, predictions: {}, replenishment: [], computedAt: new Date(AS_OF - 2 * DAY), calibrationId: null };
    await deps.stores.profiles.save(COVER, 'prospect', { ...base, asOf: new Date(AS_OF - 2 * DAY), nextChangeAt: new Date(AS_OF - DAY) }, null);
    // A buyer whose memberships are right but whose stored nextChangeAt went by (the nightly pass writes
    // only changed profiles): rewritten, or the sweep would find it the first day the shop is not covered.
    const buyer = (await deps.stores.profiles.getDoc(COVER, 'c9000001'))!;
    await deps.stores.profiles.model.collection.updateOne({ _id: `${COVER}/c9000001` } as never, { $set: { nextChangeAt: new Date(AS_OF - DAY) } });
    // Read by the pass, then erased (customers/redact) before the pass reaches it: stays erased.
    const profiles = rt.context.profiles;
    const erasing = new Proxy(profiles, {
      get(target, prop, receiver) {
        if (prop !== 'previousOfShop') return Reflect.get(target, prop, receiver) as unknown;
        return async function* (shop: string) {
          for await (const batch of target.previousOfShop(shop)) yield [...batch, { ...batch[0]!, customerId: 'erased' }];
        };
      },
    });
    await recalibrateShop({ ...rt.context, profiles: erasing }, { shop: COVER, reason: 'nightly', asOf: AS_OF });
    assert.equal(await deps.stores.profiles.getDoc(COVER, 'erased'), null, 'an erased customer is not written again');
    const prospect = await deps.stores.profiles.getDoc(COVER, 'prospect');
    assert.equal(prospect!.asOf.getTime(), AS_OF, 'the profile without orders was computed by the pass');
    assert.ok(prospect!.nextChangeAt === null || prospect!.nextChangeAt.getTime() >= nextDay);
    const rewritten = (await deps.stores.profiles.getDoc(COVER, 'c9000001'))!;
    assert.deepEqual(rewritten.memberships.map((m) => m.segment), buyer.memberships.map((m) => m.segment));
    assert.ok(rewritten.nextChangeAt === null || rewritten.nextChangeAt.getTime() >= nextDay, 'the stale nextChangeAt was rewritten');
    assert.equal((await deps.stores.calibrations.coveredUntil(COVER, settings.utcOffsetMinutes))?.getTime(), nextDay);
    assert.equal(await deps.stores.calibrations.coveredUntil(COVER, settings.utcOffsetMinutes + 60), null, 'another day boundary: not covered');

    // Stored as due although nothing computed today could be (to show the sweep reads nothing that day).
    await deps.stores.profiles.save(COVER, 'stale', { ...base, asOf: new Date(AS_OF - 2 * DAY), nextChangeAt: new Date(AS_OF - DAY) }, null);
    assert.deepEqual(await recencySweep(rt.context, { asOf: nextDay - 1, shop: COVER }), { shops: 1, queued: 0, covered: 1 });
    // The next day the pass no longer covers the shop: the sweep reads the due profiles again.
    const r = await recencySweep(rt.context, { asOf: nextDay, shop: COVER });
    assert.equal(r.covered, 0);
    const queued = (await rt.queues.recompute.getJobs(['prioritized', 'waiting'])).map((j) => j.data.customerId);
    assert.ok(queued.includes('stale'));
    assert.equal(r.queued, queued.length);
    // A newer calibration (a pass that began and has not finished) ends the cover at once.
    await deps.stores.calibrations.save(COVER, {}, { asOf: new Date(AS_OF), createdAt: new Date(AS_OF + 60_000), reason: 'settings-changed', buyers: 0 });
    assert.equal(await deps.stores.calibrations.coveredUntil(COVER, settings.utcOffsetMinutes), null);
    assert.equal((await recencySweep(rt.context, { asOf: AS_OF, shop: COVER })).covered, 0);
    await deps.stores.calibrations.deleteShop(COVER);
    await rt.queues.recompute.obliterate({ force: true });
  });

  it('serves another shop’s webhook while a big shop’s resync is running, and before queued sweep work', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    shopify.backfillImpl = async (shop) => {
      if (shop === BIG) await gate; // a long backfill of a big shop
      return { customers: 0, orders: 0, pointsUsed: 0 };
    };
    // Sweep work of the big shop queued first (low priority) ...
    for (let i = 1; i <= 30; i++) await rt.enqueue.recomputeCustomer(BIG, String(9_000_000 + i), 'recency');
    const resync = await rt.enqueue.resyncShop(BIG, 'support');
    const workers = rt.startWorkers({ concurrency: 1 });
    await until('big resync running', async () => (await resync.getState()) === 'active');
    // ... then a webhook for the small shop.
    await rt.enqueue.recomputeCustomer(SMALL, 's9000001');
    const webhookJobId = await rt.queues.recompute.getDeduplicationJobId(dedupId.recompute(SMALL, 's9000001'));
    await until('small shop webhook recomputed', async () => (await rt.queues.recompute.getJob(webhookJobId!))?.finishedOn !== undefined);
    assert.equal(await resync.getState(), 'active', 'the resync is still running: it did not block the webhook');
    const sweepJobs = (await rt.queues.recompute.getJobs(['completed', 'prioritized', 'waiting', 'active'])).filter((j) => j.data.reason === 'recency');
    const webhookJob = (await rt.queues.recompute.getJob(webhookJobId!))!;
    const finishedBefore = sweepJobs.filter((j) => j.finishedOn !== undefined && j.finishedOn < webhookJob.processedOn!).length;
    assert.ok(finishedBefore <= 1, `webhook overtook the queued sweep work (${finishedBefore} sweep jobs ran before it)`);
    release();
    await until('resync done', async () => (await resync.getState()) === 'completed', 120_000);
    await workers.close();
  });

  it('fails a job for an uninstalled shop at once, without retries, visible in the failed set', async () => {
    const GONE = 'gone-shop.myshopify.com';
    await installShop(deps, GONE);
    await deps.stores.shops.markUninstalled(GONE, new Date(AS_OF));
    await rt.enqueue.recomputeCustomer(GONE, '1');
    const workers = rt.startWorkers({ concurrency: 1, queues: [QUEUE.recompute] });
    await until('job failed', async () => (await rt.queues.recompute.getFailedCount()) > 0);
    const [failed] = await rt.queues.recompute.getFailed();
    assert.equal(failed!.attemptsMade, 1, 'no retries');
    assert.match(failed!.failedReason, /not installed/);
    assert.equal(failed!.data.shop, GONE);
    await workers.close();
  });
});
