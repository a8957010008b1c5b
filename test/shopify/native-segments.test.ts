// Native Shopify segments against the simulator: created on our tag and named for the merchant,
// membership by Shopify's own evaluation of the query, idempotent, resumable after a crash between
// calls, merchant segments never touched, name collisions suffixed, merchant deletions recreated or
// left deleted, families switched off and prefix changes followed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, SHOP } from '../simulator/helpers.ts';
import type { Harness } from '../simulator/helpers.ts';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import { desiredSegments, reconcileNativeSegments, segmentQueryFor, type NativeSegmentRecord, type NativeSegmentRecords } from '../../src/shopify/native-segments.ts';
import { parseShopSettings } from '../../src/segments/settings.ts';
import { parseSegmentQuery } from '../../tools/shopify-simulator/segment-query.ts';
import { testLogger } from '../support/test-services.ts';

class MemoryRecords implements NativeSegmentRecords {
  readonly map = new Map<string, NativeSegmentRecord>();
  /** Throws on the n-th put (a crash right after the Shopify call, before the record lands). */
  crashOnPut = 0;
  async list() { return new Map(this.map); }
  async put(rec: NativeSegmentRecord) {
    if (this.crashOnPut > 0 && --this.crashOnPut === 0) throw new Error('crash');
    this.map.set(rec.key, { ...rec });
  }
  async remove(key: string) { this.map.delete(key); }
}

describe('native Shopify segments', () => {
  let h: Harness;
  let client: AdminGraphqlClient;
  const settings = (extra: Record<string, unknown> = {}) => parseShopSettings({ families: { rfm: false, behaviour: false, replenishment: false, intent: false }, ...extra });
  before(async () => {
    h = await startHarness();
    client = new AdminGraphqlClient({ shop: SHOP, accessToken: h.token, apiVersion: '2026-10', fetch: createAdminFetch(h.sim.url), logger: testLogger });
  });
  after(async () => { await h.sim.close(); });

  it('writes queries Shopify parses, quotes escaped', () => {
    assert.equal(segmentQueryFor('seg:vip'), "customer_tags CONTAINS 'seg:vip'");
    const q = parseSegmentQuery(segmentQueryFor("it's:vip"));
    assert.ok(q.ok && q.matches(["IT'S:VIP"]) && !q.matches(['its:vip']));
  });

  it('creates one segment per enabled segment, named for the merchant, members by the tag; a second run changes nothing', async () => {
    const vip = h.sim.createCustomer(SHOP, { tags: ['seg:vip', 'wholesale'] });
    h.sim.createCustomer(SHOP, { tags: ['seg:one-time-buyer'] });
    const merchant = h.sim.shopifyObjects(SHOP).merchantCreateSegment('Wholesale buyers', "customer_tags CONTAINS 'wholesale'");
    const records = new MemoryRecords();
    const desired = desiredSegments(settings());
    assert.equal(desired.length, 4 + 3 + 3, 'loyalty, churn and value families');
    const first = await reconcileNativeSegments(client, desired, records, { recreateDeleted: true });
    assert.equal(first.created.length, desired.length);
    const objects = h.sim.shopifyObjects(SHOP);
    const vipSeg = objects.segments().find((s) => s.name === 'VIP — Customer Segments app')!;
    assert.equal(vipSeg.query, "customer_tags CONTAINS 'seg:vip'");
    assert.deepEqual(objects.members(vipSeg.id), [vip.id]);
    const again = await reconcileNativeSegments(client, desired, records, { recreateDeleted: true });
    assert.deepEqual([again.created, again.updated, again.deleted, again.unchanged], [[], [], [], desired.length]);
    assert.deepEqual(objects.segments().find((s) => s.id === merchant.id), merchant, 'the merchant segment is untouched');
  });

  it('suffixes a name the merchant already uses, never overwriting or adopting their segment', async () => {
    const fresh = await startHarness();
    try {
      const c = new AdminGraphqlClient({ shop: SHOP, accessToken: fresh.token, apiVersion: '2026-10', fetch: createAdminFetch(fresh.sim.url), logger: testLogger });
      const objects = fresh.sim.shopifyObjects(SHOP);
      const theirs = objects.merchantCreateSegment('High value — Customer Segments app', "customer_tags CONTAINS 'big'");
      const records = new MemoryRecords();
      const r = await reconcileNativeSegments(c, desiredSegments(settings()), records, { recreateDeleted: true });
      assert.deepEqual(r.adopted, [], 'a segment with our name but another query is not adopted');
      assert.equal(records.map.get('value--value-high')!.name, 'High value — Customer Segments app (2)');
      assert.deepEqual(objects.segments().find((s) => s.id === theirs.id), theirs);
    } finally {
      await fresh.sim.close();
    }
  });

  it('resumes after a crash between the create call and its record: found by name and query, not created twice', async () => {
    const fresh = await startHarness();
    try {
      const c = new AdminGraphqlClient({ shop: SHOP, accessToken: fresh.token, apiVersion: '2026-10', fetch: createAdminFetch(fresh.sim.url), logger: testLogger });
      const records = new MemoryRecords();
      records.crashOnPut = 3;
      const desired = desiredSegments(settings());
      await assert.rejects(reconcileNativeSegments(c, desired, records, { recreateDeleted: true }), /crash/);
      const r = await reconcileNativeSegments(c, desired, records, { recreateDeleted: true });
      assert.equal(r.adopted.length, 1);
      assert.equal(fresh.sim.shopifyObjects(SHOP).segments().length, desired.length, 'no duplicate');
      assert.equal(records.map.size, desired.length);
    } finally {
      await fresh.sim.close();
    }
  });

  it('recreates a segment the merchant deleted (reported), or leaves it deleted when they opted out', async () => {
    const fresh = await startHarness();
    try {
      const c = new AdminGraphqlClient({ shop: SHOP, accessToken: fresh.token, apiVersion: '2026-10', fetch: createAdminFetch(fresh.sim.url), logger: testLogger });
      const objects = fresh.sim.shopifyObjects(SHOP);
      const records = new MemoryRecords();
      const desired = desiredSegments(settings());
      await reconcileNativeSegments(c, desired, records, { recreateDeleted: true });
      objects.merchantDeleteSegment(records.map.get('loyalty--vip')!.shopifyId);
      const kept = await reconcileNativeSegments(c, desired, records, { recreateDeleted: false });
      assert.deepEqual(kept.leftDeleted, ['loyalty--vip']);
      assert.equal(objects.segments().length, desired.length - 1);
      assert.equal(records.map.get('loyalty--vip')?.deletedByMerchant, true);
      const back = await reconcileNativeSegments(c, desired, records, { recreateDeleted: true });
      assert.deepEqual(back.recreated, ['loyalty--vip']);
      assert.equal(objects.segments().length, desired.length);
    } finally {
      await fresh.sim.close();
    }
  });

  it('follows a prefix change (queries updated, names kept) and deletes the segments of a family switched off', async () => {
    const fresh = await startHarness();
    try {
      const c = new AdminGraphqlClient({ shop: SHOP, accessToken: fresh.token, apiVersion: '2026-10', fetch: createAdminFetch(fresh.sim.url), logger: testLogger });
      const objects = fresh.sim.shopifyObjects(SHOP);
      const records = new MemoryRecords();
      await reconcileNativeSegments(c, desiredSegments(settings()), records, { recreateDeleted: true });
      const next = desiredSegments(settings({ tagPrefix: 'crm-', families: { rfm: false, behaviour: false, replenishment: false, intent: false, value: false } }));
      const r = await reconcileNativeSegments(c, next, records, { recreateDeleted: true });
      assert.equal(r.updated.length, next.length);
      assert.equal(r.deleted.length, 3);
      assert.deepEqual(objects.segments().map((s) => s.query).sort(), next.map((d) => d.query).sort());
      assert.ok(objects.segments().every((s) => s.query.includes("'crm-")));
      const off = await reconcileNativeSegments(c, desiredSegments(settings({ shopify: { nativeSegments: false } })), records, { recreateDeleted: true });
      assert.equal(off.deleted.length, next.length);
      assert.equal(objects.segments().length, 0);
    } finally {
      await fresh.sim.close();
    }
  });
});
