// The whole-shop recompute with bounded memory (issue 18): the calibration from the customers'
// summaries, the books read again batch by batch, the previous profiles kept compact. A shop spanning
// several batches gets the calibration and profiles of the one-pass computation (the engine on every
// customer at once); a recalibration that moves customers keeps their entry dates, records each left
// segment with the previous profile's tag and text, and writes only the customers that changed. The
// dashboard's dry run of a settings change reads the shop the same way and predicts exactly the tags
// the recalibration with those settings then writes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { recomputeShop } from '../../jobs/recompute-shop.ts';
import { previewSettings } from '../../jobs/settings-preview.ts';
import { byCustomerId } from '../../jobs/shop-snapshot.ts';
import { BatchSpill } from '../../jobs/batch-spill.ts';
import { calibrateWithInsights, segment } from '../../jobs/engine.ts';
import type { CustomerInput, ShopSettings } from '../../src/segments/index.ts';
import type { CustomerProfileDoc } from '../../src/profiles/customer-profile-store.ts';
import { AS_OF, DAY, RecordingShopify, installShop, runtimeFor, seedOrders, seededOrders, testDeps } from './support.ts';

const SHOP = 'recompute-stream.myshopify.com';
/** Spill directories of this process left in the temp dir (none once a pass ends). */
const ourSpills = async () => (await readdir(tmpdir())).filter((n) => n.startsWith(`segments-pass-${process.pid}-`));
/** Batches of 16 and no books kept: 150 customers span 10 batches, read twice. */
const STREAMED = { keepCustomersUpTo: 0, batchSize: 16 };

describe('whole-shop recompute in batches', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  let settings: ShopSettings;
  let customers: CustomerInput[];
  const profiles = async () => new Map((await deps.stores.profiles.getByIds(SHOP, customers.map((c) => c.customerId))).map((d) => [d.customerId, d]));

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    rt = runtimeFor(deps, new RecordingShopify());
    await installShop(deps, SHOP);
    await seedOrders(deps, SHOP, seededOrders(150, 21));
    settings = (await rt.context.shops.get(SHOP))!.settings;
    customers = [];
    for await (const c of deps.stores.orders.customersOf(SHOP)) customers.push(c);
    // The pass calibrates on the customers in id order, whatever order the database returns them in.
    customers.sort(byCustomerId);
    assert.equal(customers.length, 150);
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  it('gives a shop spanning several batches the calibration and profiles of the one-pass computation', async () => {
    const r = await recomputeShop(rt.context, SHOP, { asOf: AS_OF, settings, reason: 'support', onlyChanged: false, ...STREAMED });
    assert.deepEqual([r.customers, r.written, r.orders], [150, 150, customers.reduce((n, c) => n + c.orders.length, 0)]);
    // Past the memory bound the books waited in a spill file for the second read, removed since (batch-spill.ts).
    assert.equal(r.booksReadAgainFrom, 'spill');
    assert.ok(r.spillBytes! > 0);
    assert.deepEqual(await ourSpills(), []);
    const expected = calibrateWithInsights(customers, settings, AS_OF, undefined);
    const stored = (await deps.stores.calibrations.current(SHOP))!;
    assert.deepEqual(stored.calibration, JSON.parse(JSON.stringify(expected)));
    const byId = await profiles();
    assert.equal(byId.size, 150);
    for (const c of customers) {
      const want = segment(c, expected, settings, AS_OF, null);
      const got = byId.get(c.customerId)!;
      assert.deepEqual(got.tagsDesired, [...want.tags].sort(), c.customerId);
      assert.deepEqual(got.memberships, JSON.parse(JSON.stringify(want.memberships)), c.customerId);
      assert.equal(got.metricsJson, JSON.stringify(want.metrics), c.customerId);
    }
    assert.equal(await rt.context.tagState.pendingCount(SHOP), 150);
    // The derived state (membership index, aggregates) is rebuilt from every profile.
    assert.equal((await deps.stores.profiles.aggregates.get(SHOP))!.customers, 150);
  });

  it('a spill file that fails mid-write (disk full) costs a second read of the books, not the pass', async () => {
    let writes = 0;
    const failing = async () => {
      const spill = await BatchSpill.create<CustomerInput[]>();
      const write = spill.write.bind(spill);
      spill.write = async (b) => {
        if (++writes > 3) throw new Error('ENOSPC: no space left on device');
        await write(b);
      };
      return spill;
    };
    const r = await recomputeShop(rt.context, SHOP, { asOf: AS_OF, settings, reason: 'support', onlyChanged: true, ...STREAMED, spill: failing });
    assert.ok(writes > 3);
    assert.equal(r.booksReadAgainFrom, 'database');
    // The same day's recalibration of the same books: every customer computed, none changed.
    assert.deepEqual([r.customers, r.written], [150, 0]);
    assert.deepEqual(await ourSpills(), []);
  });

  it('a recalibration later keeps entry dates, records each left segment with the previous tag and text, writes only changed customers', async () => {
    const before = await profiles();
    const later = AS_OF + 120 * DAY;
    const r = await recomputeShop(rt.context, SHOP, { asOf: later, settings, reason: 'nightly', onlyChanged: true, ...STREAMED });
    const afterwards = await profiles();
    const changed = customers.filter((c) => JSON.stringify(afterwards.get(c.customerId)!.memberships.map((m) => [m.family, m.segment])) !== JSON.stringify(before.get(c.customerId)!.memberships.map((m) => [m.family, m.segment])));
    assert.ok(changed.length > 10, `customers moved: ${changed.length}`);
    assert.equal(r.written, changed.length, 'only the customers whose memberships changed are written');
    const leftEvents = (await deps.stores.events.recent(SHOP, new Date(later), 10_000)).filter((e) => e.change === 'left');
    assert.equal(leftEvents.length, r.left);
    assert.ok(r.left > 0);
    for (const e of leftEvents) {
      const was = before.get(e.customerId)!.memberships.find((m) => m.family === e.family && m.segment === e.segment)!;
      assert.deepEqual([e.tag, e.explanation], [was.tag, was.explanation], `${e.customerId} left ${e.family}/${e.segment}`);
      assert.ok(e.tag.startsWith(settings.tagPrefix) && e.explanation.length > 0);
    }
    // A membership kept across the recalibration keeps the date the customer entered it.
    let kept = 0;
    for (const c of changed) {
      const prev = new Map(before.get(c.customerId)!.memberships.map((m) => [`${m.family}/${m.segment}`, m.since]));
      for (const m of (afterwards.get(c.customerId) as CustomerProfileDoc).memberships) {
        if (!prev.has(`${m.family}/${m.segment}`)) continue;
        assert.equal(m.since, prev.get(`${m.family}/${m.segment}`), `${c.customerId} ${m.family}/${m.segment}`);
        kept++;
      }
    }
    assert.ok(kept > 0);
    // Unchanged customers are not rewritten (their computedAt stays).
    const unchanged = customers.filter((c) => !changed.includes(c));
    assert.ok(unchanged.every((c) => afterwards.get(c.customerId)!.computedAt.getTime() === before.get(c.customerId)!.computedAt.getTime()));
  });

  it('the settings preview, streamed, predicts exactly the tag changes the recalibration with those settings writes', async () => {
    const asOf = AS_OF + 150 * DAY;
    const next: ShopSettings = { ...settings, loyalty: { ...settings.loyalty, frequentOrdersPercentile: 0.8 }, families: { ...settings.families, rfm: false } };
    const streamed = await previewSettings(rt.context, SHOP, next, asOf, STREAMED);
    // Books kept from the first read (a small shop) or read again in batches: the same answer.
    assert.deepEqual(await previewSettings(rt.context, SHOP, next, asOf), streamed);
    // The books read again from the database (no spill file, or one that cannot be made): the same answer.
    assert.deepEqual(await previewSettings(rt.context, SHOP, next, asOf, { ...STREAMED, spill: null }), streamed);
    assert.deepEqual(await previewSettings(rt.context, SHOP, next, asOf, { ...STREAMED, spill: () => Promise.reject(new Error('read-only file system')) }), streamed);
    assert.deepEqual(await ourSpills(), []);

    const before = await profiles();
    await recomputeShop(rt.context, SHOP, { asOf, settings: next, reason: 'settings', onlyChanged: true, ...STREAMED });
    const afterwards = await profiles();
    const added = new Map<string, number>();
    const removed = new Map<string, number>();
    let changed = 0;
    for (const c of customers) {
      const was = new Set(before.get(c.customerId)!.tagsDesired);
      const now = new Set(afterwards.get(c.customerId)!.tagsDesired);
      const add = [...now].filter((t) => !was.has(t));
      const remove = [...was].filter((t) => !now.has(t));
      if (add.length || remove.length) changed++;
      for (const t of add) added.set(t, (added.get(t) ?? 0) + 1);
      for (const t of remove) removed.set(t, (removed.get(t) ?? 0) + 1);
    }
    assert.ok(changed > 20 && removed.size > 0 && added.size > 0, `customers changed: ${changed}`);
    assert.deepEqual([streamed.customers, streamed.wouldChange, streamed.unchanged], [150, changed, 150 - changed]);
    const counts = (m: Map<string, number>) => Object.fromEntries([...m].sort());
    assert.deepEqual(counts(new Map(streamed.tagsAdded.map((t) => [t.tag, t.customers]))), counts(added));
    assert.deepEqual(counts(new Map(streamed.tagsRemoved.map((t) => [t.tag, t.customers]))), counts(removed));
    for (const e of streamed.examples) {
      assert.deepEqual(e.add, [...afterwards.get(e.customerId)!.tagsDesired].filter((t) => !before.get(e.customerId)!.tagsDesired.includes(t)).sort(), e.customerId);
    }
  });

  it('a tag prefix change moves no membership, yet the preview and the recalibration both rename every tag', async () => {
    const asOf = AS_OF + 150 * DAY;
    const base = (await deps.stores.shops.effective(SHOP)).settings;
    // The settings in force now (the previous test's), with another prefix.
    const now: ShopSettings = { ...base, loyalty: { ...base.loyalty, frequentOrdersPercentile: 0.8 }, families: { ...base.families, rfm: false } };
    const next: ShopSettings = { ...now, tagPrefix: 'crm-' };
    const preview = await previewSettings(rt.context, SHOP, next, asOf, STREAMED);
    const tagged = [...(await profiles()).values()].filter((d) => d.tagsDesired.length > 0).length;
    assert.equal(preview.wouldChange, tagged);
    await recomputeShop(rt.context, SHOP, { asOf, settings: next, reason: 'settings', onlyChanged: true, ...STREAMED });
    const afterwards = [...(await profiles()).values()];
    assert.deepEqual(afterwards.filter((d) => d.tagsDesired.some((t) => !t.startsWith('crm-'))).map((d) => d.customerId), [], 'no tag of the old prefix left');
    assert.equal(afterwards.filter((d) => d.tagsDesired.length > 0).length, tagged);
  });
});
