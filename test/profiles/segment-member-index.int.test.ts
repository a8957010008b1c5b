// The segment browser's membership index and the Overview's aggregates stay equal to a from-scratch
// derivation of the stored profiles through every write path that changes memberships: the whole-shop
// recompute (a rebuild), per-customer recomputes after new orders and after time alone (recency), the
// deletion of a profile (tag sync / maintenance) and the erasure of a customer (customers/redact);
// a second whole-shop recompute leaves no chunk of the old generation (the first one none of a rebuild of
// an earlier version that died); pages read in order are the
// derivation's order in both directions; a stale entry is never shown; an erased entry that was a
// chunk bound leaves the head; a shop without aggregates gets
// them (and the index) derived on first read.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { recalibrateShop } from '../../jobs/recalibrate-shop.ts';
import { recomputeCustomer } from '../../jobs/recompute-customer.ts';
import { keysOfDoc, type CustomerProfileDoc } from '../../src/profiles/customer-profile-store.ts';
import { entryKey } from '../../src/profiles/segment-member-index.ts';
import { deriveAggregates } from '../../src/profiles/shop-aggregates.ts';
import { BROWSER_SORT_FIELDS, type BrowserKeys } from '../../src/profiles/segment-browser-keys.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';
import { eraseCustomerData } from '../../src/profiles/shop-data-eraser.ts';
import { AS_OF, DAY, RecordingShopify, installShop, order, runtimeFor, seedOrders, seededOrders, testDeps } from '../jobs/support.ts';

const SHOP = 'member-index.myshopify.com';
const OTHER = 'member-index-other.myshopify.com';

describe('segment membership index and shop aggregates', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  const orders = seededOrders(60, 16);
  const ids = [...new Set(orders.map((o) => o.customerId!))].sort();

  /** Every profile of the shop, from a scan. */
  const profilesOf = async (shop: string): Promise<CustomerProfileDoc[]> => [...(await deps.stores.profiles.allOf(shop)).values()];
  /** The index a from-scratch derivation gives: "segment|field" → entries in list order. */
  const derivedIndex = (docs: CustomerProfileDoc[]): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const d of docs) {
      const k: BrowserKeys = keysOfDoc(d);
      for (const seg of new Set(k.segmentKeys)) for (const f of BROWSER_SORT_FIELDS) out.set(`${seg}|${f}`, [...(out.get(`${seg}|${f}`) ?? []), entryKey(k[f], d.customerId)]);
    }
    for (const v of out.values()) v.sort();
    return out;
  };
  const sorted = (m: Map<string, string[]>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  async function assertMatchesDerivation(step: string): Promise<void> {
    const docs = await profilesOf(SHOP);
    const gen = (await deps.stores.profiles.aggregates.liveGen(SHOP))!;
    assert.deepEqual(sorted(await deps.stores.profiles.memberIndex.dump(SHOP, gen)), sorted(derivedIndex(docs)), `${step}: index = derivation`);
    const expected = deriveAggregates(docs.map((d) => ({ keys: keysOfDoc(d) })));
    const stored = (await deps.stores.profiles.aggregates.get(SHOP))!;
    const nonZero = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([, n]) => n !== 0));
    assert.deepEqual({ ...stored, members: nonZero(stored.members), revenue: nonZero(stored.revenue) }, { ...expected, members: nonZero(expected.members), revenue: nonZero(expected.revenue) }, `${step}: aggregates = derivation`);
    assert.deepEqual(await deps.stores.profiles.segmentCounts(SHOP), await deps.stores.profiles.segmentCountsByScan(SHOP), `${step}: counts = scan`);
  }
  const recompute = (customerId: string, asOf = AS_OF) => recomputeCustomer(rt.context, { shop: SHOP, customerId, reason: 'webhook', asOf });

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    rt = runtimeFor(deps, new RecordingShopify());
    for (const shop of [SHOP, OTHER]) await installShop(deps, shop);
    await seedOrders(deps, SHOP, orders);
    await seedOrders(deps, OTHER, seededOrders(30, 17));
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  it('a whole-shop recompute builds the index and aggregates; a second one replaces the old generation', async () => {
    // Left by a rebuild of an earlier version that died before it wrote its heads: the first rebuild of this version scans for it.
    const orphan = { _id: `${SHOP}/loyalty/x|bySpend|dead|0`, shop: SHOP, gen: 'dead', e: ['x'] };
    await deps.stores.profiles.memberIndex.chunks.insertMany([orphan]);
    await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF });
    assert.equal(await deps.stores.profiles.memberIndex.chunks.countDocuments({ _id: orphan._id }), 0, 'the headless chunk is gone');
    assert.equal((await deps.stores.profiles.aggregates.generations(SHOP)).chunksNamed, true);
    await recalibrateShop(rt.context, { shop: OTHER, reason: 'support', asOf: AS_OF });
    await assertMatchesDerivation('first recompute');
    await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF + 3 * DAY });
    await assertMatchesDerivation('second recompute');
    const heads = await deps.stores.profiles.memberIndex.heads.find(shopScope('segment_member_heads', SHOP)).lean<Array<{ gen: string }>>();
    const gens = new Set(heads.map((h) => h.gen));
    assert.equal(gens.size, 1, 'one generation');
    const chunks = await deps.stores.profiles.memberIndex.chunks.find(shopScope('segment_member_chunks', SHOP), { gen: 1 }).lean<Array<{ gen: string }>>();
    assert.ok(chunks.length > 0 && chunks.every((c) => gens.has(c.gen)), 'no chunk of the old generation left');
    assert.ok((await deps.stores.profiles.aggregates.get(OTHER))!.customers > 0, 'the other shop untouched');
  });

  it('per-customer recomputes (new orders, a new customer, time alone) keep them equal to the derivation', async () => {
    const movers = ids.slice(0, 12);
    await seedOrders(deps, SHOP, [...movers.map((id, i) => order(id, AS_OF + 3 * DAY - i * 3_600_000, 50_000 + i)), order('9999001', AS_OF + 3 * DAY, 7_500)]);
    for (const id of [...movers, '9999001']) await recompute(id, AS_OF + 3 * DAY);
    await assertMatchesDerivation('after new orders');
    for (const id of ids.slice(20, 40)) await recompute(id, AS_OF + 200 * DAY);
    await assertMatchesDerivation('after recency recomputes');
  });

  it('deleting a profile and erasing a customer take them out', async () => {
    await deps.stores.profiles.deleteCustomer(SHOP, ids[45]!);
    await eraseCustomerData(s.mongo, deps.stores.profiles, SHOP, ids[46]!);
    assert.equal(await deps.stores.profiles.getDoc(SHOP, ids[46]!), null);
    await assertMatchesDerivation('after deletions');
  });

  it('pages through the biggest segment and an RFM cell, every sort, in the derivation\'s order, both ways', async () => {
    const all = [...derivedIndex(await profilesOf(SHOP))];
    const biggest = all.filter(([l]) => !l.startsWith('rfm-cell/')).sort((a, b) => b[1].length - a[1].length)[0]![0].split('|')[0]!;
    const cell = all.find(([l]) => l.startsWith('rfm-cell/'))![0].split('|')[0]!;
    for (const [list, entries] of all.filter(([l]) => [biggest, cell].includes(l.split('|')[0]!))) {
      const [segmentKey, field] = list.split('|') as [string, (typeof BROWSER_SORT_FIELDS)[number]];
      for (const dir of [1, -1] as const) {
        const seen: string[] = [];
        let after = null;
        do {
          const page: Awaited<ReturnType<typeof deps.stores.profiles.segmentPage>> = await deps.stores.profiles.segmentPage(SHOP, segmentKey, field, dir, 7, after);
          seen.push(...page.docs.map((d) => entryKey(d[field] ?? -1, d.customerId)));
          after = page.next;
        } while (after);
        assert.deepEqual(seen, dir === 1 ? entries : [...entries].reverse(), `${list} ${dir}`);
      }
    }
  });

  it('never shows an entry that disagrees with the profile', async () => {
    const [segmentKey, entries] = [...derivedIndex(await profilesOf(SHOP))].find(([l]) => l.endsWith('|bySpend'))!.map((x, i) => (i === 0 ? (x as string).split('|')[0] : x)) as [string, string[]];
    const victim = (await deps.stores.profiles.getDoc(SHOP, entries[0]!.slice(16)))!;
    const stale: BrowserKeys = { ...keysOfDoc(victim), bySpend: 123_456_789 };
    const gen = (await deps.stores.profiles.aggregates.liveGen(SHOP))!;
    await deps.stores.profiles.memberIndex.apply(SHOP, gen, [{ customerId: victim.customerId, before: null, after: stale }]);
    const page = await deps.stores.profiles.segmentPage(SHOP, segmentKey, 'bySpend', -1, 500, null);
    assert.equal(page.docs.filter((d) => d.customerId === victim.customerId).length, 1, 'once, at its true place');
    assert.equal(page.docs.length, entries.length);
    await deps.stores.profiles.memberIndex.apply(SHOP, gen, [{ customerId: victim.customerId, before: stale, after: null }]);
  });

  it('an entry that was a chunk bound leaves no trace in the head; the order holds as chunks empty and fill', async () => {
    const shop = 'bounds.myshopify.com';
    const idx = deps.stores.profiles.memberIndex;
    const keys = (i: number): BrowserKeys => ({ segmentKeys: ['loyalty/x'], bySpend: i % 97, byOrders: 1, byLastOrder: i, byChurn: -1, byClv: i });
    const members = Array.from({ length: 450 }, (_, i) => ({ customerId: String(5_000_000 + i), keys: keys(i) }));
    const live = new Map(members.map((m) => [m.customerId, m.keys]));
    await idx.build(shop, 'g1', new Map(live));
    const expected = () => [...live].map(([id, k]) => entryKey(k.bySpend, id)).sort();
    const head = async () => (await idx.heads.findOne({ _id: `${shop}/loyalty/x|bySpend|g1` }).lean<{ bounds: string }>())!.bounds;
    const boundIds = (b: string) => b.split('\n').slice(1).map((l) => l.split('\t')[0]!.slice(16));
    assert.equal(boundIds(await head()).length, 2, 'three chunks');
    const firstBound = boundIds(await head())[0]!;
    await idx.apply(shop, 'g1', [{ customerId: firstBound, before: live.get(firstBound)!, after: null }]);
    live.delete(firstBound);
    assert.ok(!(await head()).includes(firstBound), 'the erased id is not a bound any more');
    assert.deepEqual((await idx.dump(shop, 'g1')).get('loyalty/x|bySpend'), expected());
    // Empty the last chunk entirely (each of its entries a bound in turn), then refill around it.
    const last = expected().slice(-50);
    for (const k of last) {
      const id = k.slice(16);
      await idx.apply(shop, 'g1', [{ customerId: id, before: live.get(id)!, after: null }]);
      live.delete(id);
    }
    assert.deepEqual((await idx.dump(shop, 'g1')).get('loyalty/x|bySpend'), expected());
    for (const id of ['4999999', '5000999', firstBound]) {
      await idx.apply(shop, 'g1', [{ customerId: id, before: null, after: keys(Number(id) % 1000) }]);
      live.set(id, keys(Number(id) % 1000));
    }
    assert.deepEqual((await idx.dump(shop, 'g1')).get('loyalty/x|bySpend'), expected());
    assert.equal(boundIds(await head()).length, 1, 'the emptied chunk left the head');
  });

  it('a shop without aggregates gets them and its index derived from its profiles on first read', async () => {
    await deps.stores.profiles.aggregates.model.deleteOne({ _id: SHOP });
    await deps.stores.profiles.memberIndex.heads.deleteMany(shopScope('segment_member_heads', SHOP));
    await deps.stores.profiles.memberIndex.chunks.deleteMany(shopScope('segment_member_chunks', SHOP));
    const counts = await deps.stores.profiles.segmentCounts(SHOP);
    assert.deepEqual(counts, await deps.stores.profiles.segmentCountsByScan(SHOP));
    await assertMatchesDerivation('after self-derivation');
  });
});
