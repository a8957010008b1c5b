// The whole-shop tag sync reads the shop's profiles in one scan joined with the pending set (issue 18):
// a shop spanning several pages and scan batches gets exactly the tags its profiles hold, each customer
// written once, with one scan whatever the number of pages; a profile rewritten after it was scanned is
// written with its current tags; a sync that dies mid-pass resumes without losing a write; a small
// change set reads its customers by id and never scans the shop.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import type { JobContext, TagChange, TagWriteResult } from '../../jobs/ports.ts';
import { recalibrateShop } from '../../jobs/recalibrate-shop.ts';
import { syncTags, type SyncTagsTuning } from '../../jobs/sync-tags.ts';
import { profileId } from '../../src/profiles/customer-profile-store.ts';
import { metafieldValueOf } from '../../src/shopify/customer-metafield.ts';
import { AS_OF, RecordingShopify, installShop, runtimeFor, seedOrders, seededOrders, testDeps } from './support.ts';

const SHOP = 'tag-stream.myshopify.com';
const TUNING: SyncTagsTuning = { bulkPage: 40, scanBatch: 16, perCustomerPage: 7 };

/** Also writes the customer metafield (as the real port does), recording the values. */
class MetafieldShopify extends RecordingShopify {
  readonly metafields = new Map<string, string>();
  async writeCustomerMetafields(_shop: string, writes: Array<{ customerId: string; value: string }>) {
    for (const w of writes) this.metafields.set(w.customerId, w.value);
    return { written: writes.map((w) => w.customerId), skipped: [], gone: [], failed: [] };
  }
}

/** Reads of customer_profiles that are not point reads by `_id` (a scan on FerretDB 1.24). */
class ProfileScans {
  count = 0;
  constructor(s: TestServices) {
    s.mongo.getClient().on('commandStarted', (e) => {
      const cmd = e.command as { find?: string; filter?: { _id?: unknown } };
      if (e.commandName === 'find' && cmd.find === 'customer_profiles' && typeof cmd.filter?._id !== 'string') this.count++;
    });
  }
}

describe('whole-shop tag sync in one pass', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  let scans: ProfileScans;
  let shopify: RecordingShopify;
  let customers: string[];
  /** The runtime's context with a low bulk threshold and this test's Shopify stand-in. */
  const ctx = (threshold = 10): JobContext => ({ ...rt.context, bulkMutationThreshold: threshold, shopify });
  const written = () => shopify.writes.flatMap((w) => w.changes);

  /** Every customer's applied tags equal its profile's desired tags, and nothing is pending. */
  async function assertAllApplied(): Promise<void> {
    assert.equal(await rt.context.tagState.pendingCount(SHOP), 0, 'nothing left pending');
    const applied = await rt.context.tagState.applied(SHOP, customers);
    for (const id of customers) {
      const p = await deps.stores.profiles.getDoc(SHOP, id);
      assert.deepEqual([...applied.get(id)!].sort(), [...p!.tagsDesired].sort(), id);
    }
  }

  /** Every customer pending again with new desired tags (as a recalibration that changes the tag prefix would). */
  async function everyonePendingWith(tag: string): Promise<void> {
    const docs = await deps.stores.profiles.getByIds(SHOP, customers);
    const items = docs.map((d) => ({ customerId: d.customerId, tags: [...d.tagsDesired, tag], revision: d.tagsRevision + 1 }));
    for (const it of items) await deps.stores.profiles.model.collection.updateOne({ _id: profileId(SHOP, it.customerId) as never }, { $set: { tagsDesired: it.tags, tagsRevision: it.revision } });
    await rt.context.tagState.setDesired(SHOP, items);
  }

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    shopify = new RecordingShopify();
    rt = runtimeFor(deps, shopify);
    scans = new ProfileScans(s);
    await installShop(deps, SHOP);
    await seedOrders(deps, SHOP, seededOrders(150, 18));
    await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF });
    customers = (await rt.context.tagState.pending(SHOP, 1000));
    assert.equal(customers.length, 150, 'every customer pending after the first recalibration');
  });
  beforeEach(() => {
    shopify = new RecordingShopify();
    scans.count = 0;
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  it('writes every pending customer once, with its profile\'s tags and metafield, in pages, from one scan of the shop', async () => {
    const mf = new MetafieldShopify();
    shopify = mf;
    const r = await syncTags(ctx(), { shop: SHOP }, undefined, TUNING);
    assert.equal(r.mode, 'bulk');
    assert.equal(r.written, 150);
    assert.equal(r.metafields?.written, 150);
    for (const id of customers) assert.equal(mf.metafields.get(id), JSON.stringify(metafieldValueOf((await deps.stores.profiles.getDoc(SHOP, id))!, 'USD')), id);
    assert.equal(scans.count, 1, 'one scan of the profiles for 4 pages');
    assert.deepEqual(shopify.writes.map((w) => w.changes.length), [40, 40, 40, 30]);
    assert.ok(shopify.writes.every((w) => w.bulk));
    const ids = written().map((c) => c.customerId);
    assert.equal(new Set(ids).size, 150, 'each customer written once');
    for (const c of written()) assert.deepEqual(c.desired, (await deps.stores.profiles.getDoc(SHOP, c.customerId))!.tagsDesired, c.customerId);
    await assertAllApplied();
  });

  it('writes the current tags of a profile rewritten after the scan read it', async () => {
    await everyonePendingWith('seg:wave-1');
    // While the first page is written, a customer of a later page gets new desired tags (a recompute).
    const late = customers.at(-1)!;
    const base = shopify.writeTags.bind(shopify);
    let first = true;
    shopify.writeTags = async (shop: string, changes: TagChange[], opts: { bulk: boolean }): Promise<TagWriteResult> => {
      if (first) {
        first = false;
        assert.ok(!changes.some((c) => c.customerId === late), 'the customer is in a later page');
        const doc = (await deps.stores.profiles.getDoc(SHOP, late))!;
        const tags = [...doc.tagsDesired.filter((t) => t !== 'seg:wave-1'), 'seg:late-change'];
        await deps.stores.profiles.model.collection.updateOne({ _id: profileId(SHOP, late) as never }, { $set: { tagsDesired: tags, tagsRevision: doc.tagsRevision + 1 } });
        await rt.context.tagState.setDesired(SHOP, [{ customerId: late, tags, revision: doc.tagsRevision + 1 }]);
      }
      return base(shop, changes, opts);
    };
    const r = await syncTags(ctx(), { shop: SHOP }, undefined, TUNING);
    assert.equal(r.written, 150);
    const change = written().filter((c) => c.customerId === late);
    assert.equal(change.length, 1);
    assert.ok(change[0]!.desired.includes('seg:late-change') && !change[0]!.desired.includes('seg:wave-1'), JSON.stringify(change[0]!.desired));
    await assertAllApplied();
  });

  it('resumes a sync that died mid-pass (one page written but not recorded) without losing a tag write', async () => {
    await everyonePendingWith('seg:wave-2');
    const base = shopify.writeTags.bind(shopify);
    let calls = 0;
    // The second page reaches Shopify, then the worker dies before recording it.
    shopify.writeTags = async (shop: string, changes: TagChange[], opts: { bulk: boolean }): Promise<TagWriteResult> => {
      const r = await base(shop, changes, opts);
      if (++calls === 2) throw new Error('worker killed');
      return r;
    };
    await assert.rejects(syncTags(ctx(), { shop: SHOP }, undefined, TUNING), /worker killed/);
    const firstPage = new Set(shopify.writes[0]!.changes.map((c) => c.customerId));
    const diedPage = new Set(shopify.writes[1]!.changes.map((c) => c.customerId));
    assert.equal(await rt.context.tagState.pendingCount(SHOP), 150 - firstPage.size, 'only the recorded page left pending');

    shopify = new RecordingShopify();
    const r = await syncTags(ctx(), { shop: SHOP }, undefined, TUNING);
    assert.equal(r.written, 150 - firstPage.size);
    const again = written().map((c) => c.customerId);
    assert.ok(again.every((id) => !firstPage.has(id)), 'the recorded page is not written again');
    assert.ok([...diedPage].every((id) => again.includes(id)), 'the unrecorded page is written again');
    for (const c of written()) assert.ok(c.desired.includes('seg:wave-2'), c.customerId);
    await assertAllApplied();
  });

  it('scans again when the server drops the cursor mid-pass, writing each customer once', async () => {
    await everyonePendingWith('seg:wave-3');
    const store = rt.context.profiles;
    let calls = 0;
    // The first scan yields one batch, then the cursor is gone (MongoDB CursorNotFound, code 43).
    const profiles = Object.assign(Object.create(store) as typeof store, {
      async *tagRowsOfShop(shop: string, batchSize: number, metafield: boolean) {
        const first = ++calls === 1;
        for await (const batch of store.tagRowsOfShop(shop, batchSize, metafield)) {
          yield batch;
          if (first) throw Object.assign(new Error('cursor id not found'), { code: 43 });
        }
      },
    });
    const r = await syncTags({ ...ctx(), profiles }, { shop: SHOP }, undefined, TUNING);
    assert.equal(calls, 2);
    assert.equal(r.written, 150);
    assert.equal(new Set(written().map((c) => c.customerId)).size, written().length, 'no customer written twice');
    assert.ok(written().every((c) => c.desired.includes('seg:wave-3')));
    await assertAllApplied();
  });

  it('reads a few pending customers by id, without scanning the shop, in bulk and per customer', async () => {
    // 5 of 150 pending: bulk from 2 on, yet 5 × the cost of a point read is under a scan of 150.
    const few = customers.slice(10, 15);
    const docs = await deps.stores.profiles.getByIds(SHOP, few);
    await rt.context.tagState.setDesired(SHOP, docs.map((d) => ({ customerId: d.customerId, tags: [...d.tagsDesired, 'seg:few'], revision: d.tagsRevision + 1 })));
    for (const d of docs) await deps.stores.profiles.model.collection.updateOne({ _id: profileId(SHOP, d.customerId) as never }, { $set: { tagsDesired: [...d.tagsDesired, 'seg:few'], tagsRevision: d.tagsRevision + 1 } });
    const bulk = await syncTags(ctx(2), { shop: SHOP }, undefined, TUNING);
    assert.deepEqual([bulk.mode, bulk.written, scans.count], ['bulk', 5, 0]);
    await assertAllApplied();

    await everyonePendingWith('seg:per-customer');
    shopify = new RecordingShopify();
    const perCustomer = await syncTags(ctx(1000), { shop: SHOP }, undefined, TUNING);
    assert.deepEqual([perCustomer.mode, perCustomer.written, scans.count], ['per-customer', 150, 0]);
    assert.equal(shopify.writes.length, Math.ceil(150 / 7), JSON.stringify(shopify.writes.map((w) => w.changes.length)));
    await assertAllApplied();
  });
});
