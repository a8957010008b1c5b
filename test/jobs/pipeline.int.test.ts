import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { recalibrateShop } from '../../jobs/recalibrate-shop.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';
import { recomputeCustomer } from '../../jobs/recompute-customer.ts';
import { syncTags } from '../../jobs/sync-tags.ts';
import { analyzeShop, defaultShopSettings, type CustomerInput } from '../../src/segments/index.ts';
import { AS_OF, DAY, RecordingShopify, installShop, order, runtimeFor, seedOrders, seededOrders, testDeps } from './support.ts';

const SHOP = 'pipeline.myshopify.com';

describe('pipeline on real stores', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  const shopify = new RecordingShopify();
  const orders = seededOrders(150);

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    rt = runtimeFor(deps, shopify);
    await installShop(deps, SHOP);
    await seedOrders(deps, SHOP, orders);
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  it('recalibrates a shop, stores every profile and gives the same counts as the offline analysis', async () => {
    const result = await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF });
    const byCustomer = new Map<string, CustomerInput>();
    for (const o of orders) {
      const c = byCustomer.get(o.customerId!) ?? { customerId: o.customerId!, orders: [] };
      c.orders.push(o);
      byCustomer.set(c.customerId, c);
    }
    const offline = analyzeShop(byCustomer.values(), defaultShopSettings, AS_OF);
    assert.equal(result.customers, byCustomer.size);
    assert.equal(await deps.stores.profiles.count(SHOP), byCustomer.size);
    const stored = await deps.stores.profiles.segmentCounts(SHOP);
    for (const [family, segments] of Object.entries(offline.counts)) {
      for (const [segment, n] of Object.entries(segments)) assert.equal(stored[family]?.[segment] ?? 0, n, `${family}/${segment}`);
    }
    const history = await deps.stores.calibrations.history(SHOP);
    assert.equal(history.length, 1);
    assert.equal(history[0]!.buyers, byCustomer.size);
  });

  it('a recalibration rewrites, once, profiles written before explanations were messages; unchanged ones stay', async () => {
    assert.equal((await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF })).written, 0);
    // Three profiles as an older version wrote them: English explanations only.
    const ids = [...new Set(orders.map((o) => o.customerId!))].slice(0, 3);
    for (const customerId of ids) {
      const filter = { ...shopScope('customer_profiles', SHOP), customerId };
      const doc = await deps.stores.profiles.model.collection.findOne(filter);
      // Stored as an older version wrote it: memberships as an array (not membershipsJson), without messages.
      const legacy = (JSON.parse(doc!.membershipsJson as string) as Array<Record<string, unknown>>).map(({ explanationMsg: _m, ...m }) => m);
      await deps.stores.profiles.model.collection.updateOne(filter, { $set: { memberships: legacy }, $unset: { membershipsJson: '' } });
    }
    assert.equal((await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF })).written, ids.length);
    for (const customerId of ids) assert.ok((await deps.stores.profiles.get(SHOP, customerId))!.memberships.every((m) => typeof m.explanationMsg?.id === 'string'), customerId);
    // Rewritten in today's form: memberships as text, the older array gone.
    for (const customerId of ids) {
      const raw = await deps.stores.profiles.model.collection.findOne({ ...shopScope('customer_profiles', SHOP), customerId });
      assert.equal(raw!.memberships, undefined, customerId);
      assert.ok((JSON.parse(raw!.membershipsJson as string) as unknown[]).length > 0, customerId);
    }
    assert.equal((await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF })).written, 0);
  });

  it('the nightly recalibration rewrites as text the profiles an earlier version stored as arrays, though nothing else changed', async () => {
    assert.equal((await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF })).written, 0);
    const ids = [...new Set(orders.map((o) => o.customerId!))].slice(3, 7);
    for (const customerId of ids) {
      const filter = { ...shopScope('customer_profiles', SHOP), customerId };
      const doc = await deps.stores.profiles.model.collection.findOne(filter);
      // The same memberships, messages included: only the stored form is the earlier one.
      await deps.stores.profiles.model.collection.updateOne(filter, { $set: { memberships: JSON.parse(doc!.membershipsJson as string) }, $unset: { membershipsJson: '' } });
    }
    const eventsBefore = (await deps.stores.events.recent(SHOP, new Date(AS_OF + DAY), 10_000)).length;
    assert.equal((await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF })).written, ids.length);
    for (const customerId of ids) {
      const raw = await deps.stores.profiles.model.collection.findOne({ ...shopScope('customer_profiles', SHOP), customerId });
      assert.equal(raw!.memberships, undefined, customerId);
      assert.equal(typeof raw!.membershipsJson, 'string', customerId);
    }
    // A change of form, not of segments: no event.
    assert.equal((await deps.stores.events.recent(SHOP, new Date(AS_OF + DAY), 10_000)).length, eventsBefore);
    assert.equal((await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF })).written, 0);
  });

  it('a customer\'s own recompute reads an older document (memberships as an array) and rewrites it as text', async () => {
    const customerId = orders[1]!.customerId!;
    const filter = { ...shopScope('customer_profiles', SHOP), customerId };
    const doc = await deps.stores.profiles.model.collection.findOne(filter);
    const memberships = JSON.parse(doc!.membershipsJson as string) as Array<{ family: string; segment: string; since: number | null }>;
    await deps.stores.profiles.model.collection.updateOne(filter, { $set: { memberships }, $unset: { membershipsJson: '' } });
    // Every reader sees the array's memberships as it would the text's.
    assert.deepEqual((await deps.stores.profiles.getDoc(SHOP, customerId))!.memberships, memberships);
    const previous = await (async () => { for await (const b of deps.stores.profiles.previousOfShop(SHOP)) for (const d of b) if (d.customerId === customerId) return d; return null; })();
    assert.deepEqual(previous!.memberships, memberships);
    const rows = await (async () => { for await (const b of deps.stores.profiles.tagRowsOfShop(SHOP, 100, true)) for (const d of b) if (d.customerId === customerId) return d; return null; })();
    assert.deepEqual(rows!.memberships, memberships);
    const eventsBefore = (await deps.stores.events.forCustomer(SHOP, customerId)).length;
    await recomputeCustomer(rt.context, { shop: SHOP, customerId, reason: 'webhook', asOf: AS_OF });
    const raw = await deps.stores.profiles.model.collection.findOne(filter);
    assert.equal(raw!.memberships, undefined);
    assert.deepEqual(JSON.parse(raw!.membershipsJson as string), memberships);
    // Same memberships read from the older form: no segment event recorded again.
    assert.equal((await deps.stores.events.forCustomer(SHOP, customerId)).length, eventsBefore);
  });

  it('records segment entries once, even when the computation is repeated', async () => {
    const customerId = orders[0]!.customerId!;
    const before = await deps.stores.events.forCustomer(SHOP, customerId);
    assert.ok(before.length > 0 && before.every((e) => e.change === 'entered'));
    await recomputeCustomer(rt.context, { shop: SHOP, customerId, reason: 'webhook', asOf: AS_OF });
    assert.equal((await deps.stores.events.forCustomer(SHOP, customerId)).length, before.length);
  });

  it('moves a customer between segments after a new order and queues a tag sync for the shop', async () => {
    const customerId = '9999001';
    await deps.stores.orders.upsertMany(SHOP, [order(customerId, AS_OF - 40 * DAY, 5000)]);
    await recomputeCustomer(rt.context, { shop: SHOP, customerId, reason: 'webhook', asOf: AS_OF });
    const first = await deps.stores.profiles.get(SHOP, customerId);
    assert.ok(first?.tagsDesired.some((t) => t.includes('one-time-buyer')), JSON.stringify(first?.tagsDesired));

    await deps.stores.orders.upsertMany(SHOP, [order(customerId, AS_OF - 2 * DAY, 7000)]);
    const r = await recomputeCustomer(rt.context, { shop: SHOP, customerId, reason: 'webhook', asOf: AS_OF });
    const second = await deps.stores.profiles.get(SHOP, customerId);
    assert.ok(second?.tagsDesired.some((t) => t.includes('loyal-customer')), JSON.stringify(second?.tagsDesired));
    assert.equal(r.tagsPending, true);
    const events = await deps.stores.events.forCustomer(SHOP, customerId);
    assert.ok(events.some((e) => e.change === 'left' && e.segment === 'one-time-buyer'));
    assert.ok(events.some((e) => e.change === 'entered' && e.segment === 'loyal-customer'));
    assert.equal(await rt.queuesFor(SHOP).syncTags.count(), 1, 'one sync job per shop, however many customers changed');
  });

  it('syncs pending tags, marks them applied, and drops customers Shopify no longer has', async () => {
    const pending = await rt.context.tagState.pendingCount(SHOP);
    assert.ok(pending > 1);
    const goneId = (await rt.context.tagState.pending(SHOP, 1))[0]!;
    shopify.gone.add(goneId);
    const r = await syncTags(rt.context, { shop: SHOP });
    assert.equal(r.written + r.gone, pending);
    assert.equal(r.gone, 1);
    assert.equal(await rt.context.tagState.pendingCount(SHOP), 0);
    assert.equal(await deps.stores.profiles.get(SHOP, goneId), null);
    const p = await deps.stores.profiles.get(SHOP, '9999001');
    assert.deepEqual((await rt.context.tagState.applied(SHOP, ['9999001'])).get('9999001'), p?.tagsDesired);
    const again = await syncTags(rt.context, { shop: SHOP });
    assert.equal(again.mode, 'none', 'nothing to write the second time');
  });

  it('puts a customer back in the tag queue when Shopify reports other app tags than the desired ones', async () => {
    const p = await deps.stores.profiles.get(SHOP, '9999001');
    assert.ok(p && p.tagsDesired.length > 0 && !p.tagsPending);
    // Our own write echoing back: nothing to do.
    await rt.enqueue.customerTagsObserved(SHOP, '9999001', p.tagsDesired);
    assert.equal(await rt.context.tagState.pendingCount(SHOP), 0);
    // A tag lost on Shopify (a write lost in a race, or a merchant removing it): pending, sync queued, rewritten.
    await rt.enqueue.customerTagsObserved(SHOP, '9999001', p.tagsDesired.slice(1));
    assert.deepEqual(await rt.context.tagState.pending(SHOP, 10), ['9999001']);
    assert.ok(((await rt.queuesFor(SHOP).syncTags.getJobCounts('waiting', 'prioritized', 'delayed')).waiting ?? 0) >= 1, 'a tag sync was queued');
    const r = await syncTags(rt.context, { shop: SHOP });
    assert.equal(r.written, 1);
    assert.equal(await rt.context.tagState.pendingCount(SHOP), 0);
    // Unknown customers (no desired tags recorded) are ignored.
    await rt.enqueue.customerTagsObserved(SHOP, 'nobody', ['seg:vip']);
    assert.equal(await rt.context.tagState.pendingCount(SHOP), 0);
  });
});
