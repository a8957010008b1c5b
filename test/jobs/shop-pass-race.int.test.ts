// A whole-shop pass (resync, nightly recalibration) segments every customer from one read of the shop's
// orders and writes minutes later. An order stored after that read is recomputed by its own job at once;
// the pass's write then overwrites that newer profile. Found by the chaos run (seed 7: an order arriving
// during the nightly recalibration left its customer with the old tags). The customer must be
// recomputed again after the pass (src/profiles/shop-work.ts, the touched set).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import type { JobContext } from '../../jobs/ports.ts';
import { recomputeShop } from '../../jobs/recompute-shop.ts';
import { recomputeCustomer } from '../../jobs/recompute-customer.ts';
import { dedupId } from '../../jobs/queues.ts';
import { AS_OF, DAY, RecordingShopify, installShop, order, runtimeFor, seedOrders, seededOrders, testDeps } from './support.ts';

const SHOP = 'shop-pass-race.myshopify.com';

describe('a customer recomputed during a whole-shop pass', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  const orders = seededOrders(40, 11);
  const late = orders[0]!.customerId!;
  const bystander = orders.at(-1)!.customerId!;

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    rt = runtimeFor(deps, new RecordingShopify());
    await installShop(deps, SHOP);
    await seedOrders(deps, SHOP, orders);
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  const settings = async () => (await deps.stores.shops.effective(SHOP))!.settings;
  const queuedFor = async (customerId: string) => rt.queuesFor(SHOP).recompute.getDeduplicationJobId(dedupId.recompute(SHOP, customerId));

  it('is recomputed again after the pass has written, so the newer order wins', async () => {
    await recomputeShop(rt.context, SHOP, { asOf: AS_OF, settings: await settings(), reason: 'support', onlyChanged: false });
    const before = (await deps.stores.profiles.getDoc(SHOP, late))!;
    // The race, made deterministic: between the pass's read and its write, a new order for `late` is
    // stored and its own recompute job runs to completion.
    let raced = false;
    const racing: JobContext = { ...rt.context, profiles: Object.create(rt.context.profiles, {
      replaceMany: { value: async (...a: Parameters<JobContext['profiles']['replaceMany']>) => {
        if (!raced) {
          raced = true;
          await deps.stores.orders.upsertMany(SHOP, [order(late, AS_OF - DAY, 50_000_00)]);
          await recomputeCustomer(rt.context, { shop: SHOP, customerId: late, reason: 'webhook', asOf: AS_OF });
        }
        return rt.context.profiles.replaceMany(...a);
      } },
    }) };
    await rt.queuesFor(SHOP).recompute.obliterate({ force: true });
    await recomputeShop(racing, SHOP, { asOf: AS_OF, settings: await settings(), reason: 'nightly', onlyChanged: false });
    assert.ok(raced);
    const overwritten = (await deps.stores.profiles.getDoc(SHOP, late))!;
    assert.equal(JSON.stringify(overwritten.memberships), JSON.stringify(before.memberships), 'the pass wrote its stale snapshot over the newer profile');
    assert.ok(await queuedFor(late), 'the customer recomputed during the pass is queued again after it');
    assert.equal(await queuedFor(bystander), null, 'customers nobody touched are not');
    await recomputeCustomer(rt.context, { shop: SHOP, customerId: late, reason: 'webhook', asOf: AS_OF });
    const fixed = (await deps.stores.profiles.getDoc(SHOP, late))!;
    const metrics = JSON.parse(fixed.metricsJson) as { orders?: number; frequency?: number };
    const was = JSON.parse(before.metricsJson) as { orders?: number; frequency?: number };
    assert.notDeepEqual(metrics, was, 'the new order is in the profile');
  });

  it('a recompute that read the calibration before a pass began and saves after the pass wrote is done again with the pass\'s calibration', async () => {
    await recomputeShop(rt.context, SHOP, { asOf: AS_OF, settings: await settings(), reason: 'support', onlyChanged: false });
    const old = (await deps.stores.calibrations.current(SHOP))!;
    // The race, made deterministic: the job has read the calibration and announced itself (no pass was
    // running, so it is not in the touched set); while it reads the customer's orders, a whole nightly
    // recalibration runs from start to end (new calibration, every profile written); then the job saves.
    let raced = false;
    const racing: JobContext = { ...rt.context, orders: Object.create(rt.context.orders, {
      forCustomer: { value: async (...a: Parameters<JobContext['orders']['forCustomer']>) => {
        if (!raced) {
          raced = true;
          await recomputeShop(rt.context, SHOP, { asOf: AS_OF, settings: await settings(), reason: 'nightly', onlyChanged: false });
        }
        return rt.context.orders.forCustomer(...a);
      } },
    }) };
    await recomputeCustomer(racing, { shop: SHOP, customerId: bystander, reason: 'webhook', asOf: AS_OF });
    assert.ok(raced);
    const current = (await deps.stores.calibrations.current(SHOP))!;
    assert.notEqual(current.id, old.id, 'the pass made a new calibration');
    assert.equal((await deps.stores.profiles.getDoc(SHOP, bystander))!.calibrationId, current.id, 'the profile is computed with the calibration now current, not the one the job read first');
  });

  it('a pass that died after writing profiles and before recording their tags: its retry still gets every changed customer\'s tags pending', async () => {
    await recomputeShop(rt.context, SHOP, { asOf: AS_OF, settings: await settings(), reason: 'support', onlyChanged: false });
    const docs = () => deps.stores.profiles.allOf(SHOP);
    // Every tag written and recorded: nothing pending.
    await deps.stores.tagState.markApplied(SHOP, [...(await docs()).values()].map((d) => ({ customerId: d.customerId, tags: d.tagsDesired, revision: d.tagsRevision })));
    assert.equal(await deps.stores.tagState.pendingCount(SHOP), 0);
    const later = AS_OF + 200 * DAY;
    // The nightly pass writes its first batch of profiles, then Redis restarts under setDesired (chaos seed 2002).
    const dying: JobContext = { ...rt.context, tagState: Object.create(rt.context.tagState, {
      setDesired: { value: async () => { throw new Error('Connection is closed.'); } },
    }) };
    await assert.rejects(recomputeShop(dying, SHOP, { asOf: later, settings: await settings(), reason: 'nightly', onlyChanged: true }), /Connection is closed/);
    // Its retry finds those profiles already as it computes them, and leaves them as they are.
    await recomputeShop(rt.context, SHOP, { asOf: later, settings: await settings(), reason: 'nightly', onlyChanged: true });
    const applied = await deps.stores.tagState.applied(SHOP, [...(await docs()).keys()]);
    const changed = [...(await docs()).values()].filter((d) => [...d.tagsDesired].sort().join() !== [...(applied.get(d.customerId) ?? [])].sort().join());
    assert.ok(changed.length > 0, 'time moved some customers to other segments');
    const pending = new Set(await deps.stores.tagState.pending(SHOP, 10_000));
    assert.deepEqual(changed.map((d) => d.customerId).filter((id) => !pending.has(id)), [], 'every customer whose stored tags are not on Shopify is pending');
  });

  it('outside a pass, a customer recompute leaves no trace', async () => {
    await deps.stores.shopWork.customerRecomputing(SHOP, bystander);
    assert.deepEqual(await deps.stores.shopWork.shopPassEnded(SHOP), []);
  });

  it('overlapping passes: each end hands over the customers touched so far, the marker stays until the last ends', async () => {
    const work = deps.stores.shopWork;
    await work.shopPassBegan(SHOP);
    await work.shopPassBegan(SHOP);
    await work.customerRecomputing(SHOP, 'a');
    assert.deepEqual(await work.shopPassEnded(SHOP), ['a']);
    await work.customerRecomputing(SHOP, 'b');
    assert.deepEqual(await work.shopPassEnded(SHOP), ['b']);
    await work.customerRecomputing(SHOP, 'c');
    assert.deepEqual(await work.shopPassEnded(SHOP), []);
  });
});
