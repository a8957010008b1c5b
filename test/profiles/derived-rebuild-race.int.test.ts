// Profile saves racing the whole-shop rebuild of the membership index and the aggregates
// (src/profiles/shop-aggregates.ts, "Generations"). The interleavings are fixed with hooks and barriers,
// not sleeps. After each race, once everything has settled, the segment pages (every member of every
// segment key, in order) and the aggregates must equal a from-scratch derivation of the stored profiles.
//
// First case, through the whole-shop recompute itself (written against the code before generations, and
// failing there): between the pass's write of its snapshot and the
// rebuild at its end, a customer with a new order is recomputed, another is deleted and a new customer
// is saved. Before generations, the rebuild built from the pass's snapshot and dropped those three saves:
// the recomputed customer stayed in its old segment in the index and the counts (its re-recompute after
// the pass changes nothing, so nothing repaired it), the deleted one was still counted, the new one was
// missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import type { JobContext } from '../../jobs/ports.ts';
import { recomputeShop } from '../../jobs/recompute-shop.ts';
import { recomputeCustomer } from '../../jobs/recompute-customer.ts';
import { keysOfDoc, netChanges, type CustomerProfileDoc, type CustomerProfileStore, type DerivedHookPoint, type ProfileUpdate } from '../../src/profiles/customer-profile-store.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';
import { entryKey } from '../../src/profiles/segment-member-index.ts';
import { deriveAggregates } from '../../src/profiles/shop-aggregates.ts';
import { BROWSER_SORT_FIELDS, type BrowserKeys } from '../../src/profiles/segment-browser-keys.ts';
import type { DerivedRecord } from '../../src/profiles/derived-buffer.ts';
import { AS_OF, DAY, RecordingShopify, installShop, order, runtimeFor, seedOrders, seededOrders, testDeps } from '../jobs/support.ts';

const SHOP = 'derived-race.myshopify.com';

/** A profile in `segment` with this spend (and an RFM cell), as the pipeline saves it. */
const update = (segment: string, spendMinor: number): ProfileUpdate => ({
  memberships: [{ family: 'loyalty', segment, label: segment, tag: `seg:${segment}`, explanation: segment, since: null }],
  tagsDesired: [`seg:${segment}`], metrics: { orders: 1 + (spendMinor % 5), spendMinor, lastOrderAt: AS_OF - spendMinor, rfm: { r: 1 + (spendMinor % 5), f: 1 } },
  predictions: { churnProbability: (spendMinor % 100) / 100, clv12mMinor: spendMinor * 2 }, replenishment: [], nextChangeAt: null,
  asOf: new Date(AS_OF), computedAt: new Date(AS_OF), calibrationId: null,
});

/** Every member of every segment key the profiles derive, read through the segment pages, against the derivation; and the aggregates. */
async function assertDerivedMatchProfiles(profiles: CustomerProfileStore, shop: string, step: string): Promise<void> {
  const docs: CustomerProfileDoc[] = [...(await profiles.allOf(shop)).values()];
  const lists = new Map<string, string[]>();
  for (const d of docs) {
    const k = keysOfDoc(d);
    for (const seg of new Set(k.segmentKeys)) for (const f of BROWSER_SORT_FIELDS) lists.set(`${seg}|${f}`, [...(lists.get(`${seg}|${f}`) ?? []), entryKey(k[f], d.customerId)]);
  }
  const expected = deriveAggregates(docs.map((d) => ({ keys: keysOfDoc(d) })));
  const stored = await profiles.derivedState(shop);
  const nonZero = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([, n]) => n !== 0).sort());
  assert.deepEqual(
    { customers: stored.customers, revenueMinor: stored.revenueMinor, members: nonZero(stored.members), revenue: nonZero(stored.revenue) },
    { customers: expected.customers, revenueMinor: expected.revenueMinor, members: nonZero(expected.members), revenue: nonZero(expected.revenue) },
    `${step}: aggregates = derivation from the profiles`,
  );
  // Segment keys the aggregates still count but no profile has: their pages must be empty too.
  for (const seg of Object.keys(nonZero(stored.members))) if (!lists.has(`${seg}|bySpend`)) for (const f of BROWSER_SORT_FIELDS) lists.set(`${seg}|${f}`, []);
  for (const [list, entries] of lists) {
    const [segmentKey, field] = list.split('|') as [string, (typeof BROWSER_SORT_FIELDS)[number]];
    const page = await profiles.segmentPage(shop, segmentKey, field, 1, 10_000, null);
    assert.deepEqual(page.docs.map((d) => entryKey(d[field] ?? -1, d.customerId)), entries.sort(), `${step}: ${list} pages = derivation`);
  }
}

describe('profile saves racing the whole-shop rebuild', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  const orders = seededOrders(40, 23);
  const ids = [...new Set(orders.map((o) => o.customerId!))].sort();

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    rt = runtimeFor(deps, new RecordingShopify());
    await installShop(deps, SHOP);
    await seedOrders(deps, SHOP, orders);
  });
  after(async () => {
    deps.stores.profiles.hooks = {};
    await rt.close();
    await deps.close();
    await s.close();
  });

  const settings = async () => (await deps.stores.shops.effective(SHOP))!.settings;

  it('a recompute, a deletion and a new customer between the pass\'s writes and its rebuild all reach the index and the counts', async () => {
    await recomputeShop(rt.context, SHOP, { asOf: AS_OF, settings: await settings(), reason: 'support', onlyChanged: false });
    await assertDerivedMatchProfiles(deps.stores.profiles, SHOP, 'before the race');
    const mover = ids[0]!;
    const gone = ids[1]!;
    const newcomer = '88880001';
    const moverBefore = keysOfDoc((await deps.stores.profiles.getDoc(SHOP, mover))!);
    let raced = false;
    // The pass records its segment events right after writing a batch of profiles: with 40 customers
    // (one batch) that is after its last write and before the rebuild at its end.
    const racing: JobContext = { ...rt.context, events: Object.create(rt.context.events, {
      record: { value: async (...a: Parameters<JobContext['events']['record']>) => {
        await rt.context.events.record(...a);
        if (raced) return;
        raced = true;
        await deps.stores.orders.upsertMany(SHOP, [order(mover, AS_OF - DAY, 900_000_00), order(mover, AS_OF - 2 * DAY, 900_000_00), order(newcomer, AS_OF - DAY, 12_345)]);
        await recomputeCustomer(rt.context, { shop: SHOP, customerId: mover, reason: 'webhook', asOf: AS_OF });
        await recomputeCustomer(rt.context, { shop: SHOP, customerId: newcomer, reason: 'webhook', asOf: AS_OF });
        assert.equal(await deps.stores.profiles.deleteCustomer(SHOP, gone), true);
      } },
    }) };
    await recomputeShop(racing, SHOP, { asOf: AS_OF, settings: await settings(), reason: 'nightly', onlyChanged: true });
    assert.ok(raced);
    // What the pipeline does after the pass: the customers recomputed during it are recomputed again.
    for (const id of [mover, newcomer]) await recomputeCustomer(rt.context, { shop: SHOP, customerId: id, reason: 'webhook', asOf: AS_OF });
    assert.notDeepEqual(keysOfDoc((await deps.stores.profiles.getDoc(SHOP, mover))!), moverBefore, 'the new orders moved the customer');
    assert.ok(await deps.stores.profiles.getDoc(SHOP, newcomer));
    await assertDerivedMatchProfiles(deps.stores.profiles, SHOP, 'after the race');
  });
});

// The protocol at each of its steps, on the store itself. The store's clock is pinned, so no lease and
// no closed gate expires during a test: every wait ends only when the protocol lets it.
describe('the generation protocol at each step of a rebuild', () => {
  let s: TestServices;
  let deps: Deps;
  let profiles: CustomerProfileStore;
  const FIXED = AS_OF;

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    profiles = deps.stores.profiles;
    profiles.derived.now = () => FIXED;
  });
  after(async () => {
    profiles.hooks = {};
    await deps.close();
    await s.close();
  });

  const barrier = () => {
    let open!: () => void;
    const p = new Promise<void>((r) => (open = r));
    return { wait: () => p, open };
  };
  const save = async (shop: string, id: string, segment: string, spend: number) => profiles.save(shop, id, update(segment, spend), await profiles.getDoc(shop, id));
  /** A shop of 30 customers with a live generation. */
  async function seedShop(shop: string): Promise<string[]> {
    const ids = Array.from({ length: 30 }, (_, i) => String(610_000 + i));
    for (const [i, id] of ids.entries()) await save(shop, id, i % 3 ? 'one-time-buyer' : 'loyal-customer', 1_000 + i * 37);
    await profiles.rebuildDerived(shop);
    await assertDerivedMatchProfiles(profiles, shop, 'seeded');
    return ids;
  }
  /** Hooks for one shop; the other test's shop passes through. */
  const on = (shop: string, f: (point: DerivedHookPoint, customerId?: string) => Promise<void> | void) => {
    profiles.hooks = { at: (point, sh, customerId) => (sh === shop ? f(point, customerId) : undefined) };
  };
  async function assertOneGeneration(shop: string): Promise<void> {
    const live = await profiles.aggregates.liveGen(shop);
    const heads = await profiles.memberIndex.heads.find(shopScope('segment_member_heads', shop), { gen: 1 }).lean<Array<{ gen: string }>>();
    const chunks = await profiles.memberIndex.chunks.find(shopScope('segment_member_chunks', shop), { gen: 1 }).lean<Array<{ gen: string }>>();
    assert.deepEqual([...new Set([...heads, ...chunks].map((x) => x.gen))], [live], 'only the live generation is stored');
    const c = await profiles.derived.state(shop);
    assert.deepEqual(c, { rebuild: null, pending: [], writers: [], log: 0, applier: false }, 'no rebuild, nothing pending, no lease, the log applied');
  }

  it('a save that took its lease before the rebuild began and writes after: the rebuild waits for it before its snapshot', async () => {
    const shop = 'derived-step-begin.myshopify.com';
    const ids = await seedShop(shop);
    const held = barrier();
    const reached = barrier();
    const seen: string[] = [];
    on(shop, async (point, customerId) => {
      seen.push(point);
      if (point === 'save:entered' && customerId === ids[4]) {
        reached.open();
        await held.wait();
      }
      // The rebuild is held up by the lease (with the fix), or has built without waiting (without it):
      // either way the save writes now.
      if (point === 'rebuild:waiting' || point === 'rebuild:built') held.open();
    });
    const saving = save(shop, ids[4]!, 'vip', 999_999);
    await reached.wait();
    await profiles.rebuildDerived(shop);
    await saving;
    await assertDerivedMatchProfiles(profiles, shop, 'after the rebuild');
    assert.ok(seen.indexOf('rebuild:waiting') >= 0 && seen.indexOf('rebuild:waiting') < seen.indexOf('save:written'), `the rebuild waited for the lease before the save wrote (${seen.join(', ')})`);
    await assertOneGeneration(shop);
  });

  it('saves, a deletion and a new customer after the snapshot, one of them still writing when the gate closes, one arriving at the closed gate: all caught up', async () => {
    const shop = 'derived-step-close.myshopify.com';
    const ids = await seedShop(shop);
    const [slow, quick, gone, late] = [ids[5]!, ids[6]!, ids[7]!, ids[8]!];
    const slowWritten = barrier();
    const slowHeld = barrier();
    let lateSave: Promise<unknown> | null = null;
    const seen: string[] = [];
    on(shop, async (point, customerId) => {
      seen.push(`${point}${customerId ? ` ${customerId}` : ''}`);
      if (point === 'rebuild:built') {
        // After the snapshot and the build: one save held after its write, three that complete.
        void save(shop, slow, 'vip', 777_777);
        await slowWritten.wait();
        await save(shop, quick, 'vip', 555_555);
        assert.equal(await profiles.deleteCustomer(shop, gone), true);
        await save(shop, '619999', 'one-time-buyer', 4_321);
      }
      if (point === 'save:written' && customerId === slow) {
        slowWritten.open();
        await slowHeld.wait();
      }
      if (point === 'rebuild:closed' && !lateSave) {
        lateSave = save(shop, late, 'vip', 333_333);
        slowHeld.open();
      }
    });
    await profiles.rebuildDerived(shop);
    await lateSave;
    await assertDerivedMatchProfiles(profiles, shop, 'after the rebuild');
    const switched = seen.indexOf('rebuild:switched');
    assert.ok(seen.indexOf(`save:entered ${late}`) > switched, `the save at the closed gate entered after the switch (${seen.join(', ')})`);
    assert.ok(seen.indexOf(`save:entered ${slow}`) < switched, 'the slow save held its lease across the close');
    await assertOneGeneration(shop);
  });

  it('saves that never stop while a rebuild catches up: it closes its gate and switches anyway (no catch-up without end)', async () => {
    const shop = 'derived-step-busy.myshopify.com';
    const ids = await seedShop(shop);
    const MAX = 400;
    let saves = 0;
    let stop = false;
    let savesAtSwitch = -1;
    let saver: Promise<void> | null = null;
    on(shop, async (point) => {
      if (point === 'rebuild:built' && !saver) {
        // Four writers on different customers: some save is always between its write and its record.
        saver = Promise.all([0, 1, 2, 3].map(async (w) => {
          for (let i = w; !stop && saves < MAX; i += 4) {
            await save(shop, ids[i % ids.length]!, i % 2 ? 'vip' : 'loyal-customer', 10_000 + i);
            saves++;
          }
        })).then(() => undefined);
        // A few saves are already pending when the catch-up starts.
        while (saves < 3) await new Promise((r) => setTimeout(r, 5));
      }
      if (point === 'rebuild:switched') savesAtSwitch = saves;
    });
    await profiles.rebuildDerived(shop);
    stop = true;
    await saver;
    assert.ok(savesAtSwitch >= 0 && savesAtSwitch < MAX, `the rebuild switched while the saves went on (after ${savesAtSwitch} of at most ${MAX})`);
    await assertDerivedMatchProfiles(profiles, shop, 'after the busy rebuild');
    await assertOneGeneration(shop);
  });

  it('a save given a stale previous profile (written over since the caller read it) moves the entries and counts of what it replaced', async () => {
    const shop = 'derived-step-stale.myshopify.com';
    const ids = await seedShop(shop);
    const stale = await profiles.getDoc(shop, ids[11]!);
    // A writer the caller did not see (the whole-shop pass, or another save) moves the customer first.
    await save(shop, ids[11]!, 'vip', 222_222);
    await profiles.save(shop, ids[11]!, update('loyal-customer', 3_333), stale);
    await assertDerivedMatchProfiles(profiles, shop, 'after the stale save');
  });

  it('a rebuild that begins while another runs takes over; the first leaves no trace', async () => {
    const shop = 'derived-step-overlap.myshopify.com';
    const ids = await seedShop(shop);
    let second: Promise<unknown> | null = null;
    let begun = 0;
    on(shop, async (point) => {
      if (point === 'rebuild:begun') begun++;
      if (point === 'rebuild:built' && !second) {
        await save(shop, ids[9]!, 'vip', 888_888);
        second = profiles.rebuildDerived(shop);
        await second;
        await save(shop, ids[10]!, 'vip', 444_444);
      }
    });
    await profiles.rebuildDerived(shop);
    await second;
    assert.equal(begun, 2);
    await assertDerivedMatchProfiles(profiles, shop, 'after both rebuilds');
    await assertOneGeneration(shop);
  });

  it('a rebuild that begins while another switches keeps the generation switched to (its index stays whole)', async () => {
    const shop = 'derived-step-switching.myshopify.com';
    await seedShop(shop);
    let second: Promise<unknown> | null = null;
    const liveAtSwitch: number[] = [];
    on(shop, async (point) => {
      if (point === 'rebuild:switching' && !second) {
        // The first passed its last check and holds the applier's lock; the second begins now (up to its
        // drop of other generations, unless it waits for the switch).
        let begun: () => void = () => undefined;
        const reached = new Promise<void>((r) => {
          begun = r;
        });
        second = profiles.rebuildDerived(shop);
        on(shop, async (p) => {
          if (p === 'rebuild:begun') begun();
          if (p === 'rebuild:switched' && !liveAtSwitch.length) {
            const gen = (await profiles.aggregates.liveGen(shop))!;
            liveAtSwitch.push((await profiles.memberIndex.dump(shop, gen)).size);
          }
        });
        await Promise.race([reached, new Promise((r) => setTimeout(r, 500))]);
      }
    });
    await profiles.rebuildDerived(shop);
    await second;
    assert.ok(liveAtSwitch[0]! > 0, `the first's generation, live, still has its lists (${liveAtSwitch[0]})`);
    await assertDerivedMatchProfiles(profiles, shop, 'after both rebuilds');
    await assertOneGeneration(shop);
  });
});

// The log between the saves and the index (src/profiles/derived-buffer.ts): saves append their change,
// one applier at a time applies it. FerretDB 1.24 loses concurrent updates of one document (measured:
// 18 of 20 `$inc` kept when 40 updates ran at once), which the applier — the only writer of the counts —
// no longer gives it the chance to do.
describe('the change log and its applier', () => {
  let s: TestServices;
  let deps: Deps;
  let profiles: CustomerProfileStore;

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    profiles = deps.stores.profiles;
  });
  after(async () => {
    profiles.hooks = {};
    await deps.close();
    await s.close();
  });

  const save = async (shop: string, id: string, segment: string, spend: number) => profiles.save(shop, id, update(segment, spend), await profiles.getDoc(shop, id));
  const SEGMENTS = ['one-time-buyer', 'loyal-customer', 'vip'];
  async function seedShop(shop: string, n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, (_, i) => String(720_000 + i));
    for (const [i, id] of ids.entries()) await save(shop, id, SEGMENTS[i % 3]!, 1_000 + i * 37);
    await profiles.rebuildDerived(shop);
    return ids;
  }

  it('net change per customer: whatever order the saves recorded in, what the index holds → what it must hold', () => {
    const k = (spend: number, seg = 'loyalty/vip'): BrowserKeys => ({ segmentKeys: [seg], bySpend: spend, byOrders: 1, byLastOrder: 2, byChurn: -1, byClv: 3 });
    const rec = (i: string, c: string, b: BrowserKeys | null, a: BrowserKeys | null): DerivedRecord => ({ i, c, b, a });
    const x = k(1), y = k(2, 'loyalty/loyal-customer'), z = k(3);
    assert.deepEqual(netChanges([rec('2', 'c', y, z), rec('1', 'c', x, y)]), [{ customerId: 'c', before: x, after: z, closed: true }], 'recorded out of order');
    assert.deepEqual(netChanges([rec('1', 'c', null, x), rec('2', 'c', x, null)]), [{ customerId: 'c', before: null, after: null, closed: true }], 'created and deleted: nothing');
    assert.deepEqual(netChanges([rec('1', 'c', x, y), rec('2', 'd', null, z)]).length, 2);
    // Two saves that both report replacing x (not atomic on FerretDB): open — the applier re-reads the profile.
    assert.deepEqual(netChanges([rec('1', 'c', x, y), rec('2', 'c', x, z)]), [{ customerId: 'c', before: x, after: z, closed: false }]);
  });

  it('many saves at once, several of one customer: the counts and pages equal the derivation (exact on FerretDB too)', async () => {
    const shop = 'derived-log-burst.myshopify.com';
    const ids = await seedShop(shop, 30);
    await Promise.all([
      ...ids.map((id, i) => save(shop, id, SEGMENTS[(i + 1) % 3]!, 50_000 + i * 11)),
      ...ids.slice(0, 10).map((id, i) => save(shop, id, 'vip', 90_000 + i)),
      ...Array.from({ length: 10 }, (_, i) => save(shop, String(729_000 + i), 'one-time-buyer', 700 + i)),
      profiles.deleteCustomer(shop, ids[29]!),
    ]);
    await profiles.applyDerived(shop);
    await assertDerivedMatchProfiles(profiles, shop, 'after the burst');
    assert.deepEqual(await profiles.derived.state(shop), { rebuild: null, pending: [], writers: [], log: 0, applier: false });
  });

  it('an applier that stopped after counting a batch and before dropping it from the log: the next one counts it once', async () => {
    const shop = 'derived-log-crash.myshopify.com';
    const ids = await seedShop(shop, 20);
    // Another applier holds the lock: the saves only record.
    const token = (await profiles.derived.lock(shop))!;
    for (const [i, id] of ids.slice(0, 8).entries()) await save(shop, id, 'vip', 30_000 + i);
    const records = await profiles.derived.peek(shop, 100);
    assert.equal(records.length, 8);
    // ... and dies after applying the first five (index and counts) without trimming them.
    const head = (await profiles.aggregates.head(shop))!;
    const first = records.slice(0, 5);
    await profiles.memberIndex.apply(shop, head.gen, netChanges(first));
    assert.ok(await profiles.aggregates.applyBatch(shop, head.gen, head.lastApplied, first.at(-1)!.i, first.map((r) => ({ customerId: r.c, before: r.b, after: r.a }))));
    await profiles.derived.unlock(shop, token);
    await save(shop, ids[9]!, 'vip', 31_000);
    await assertDerivedMatchProfiles(profiles, shop, 'after the next applier');
    assert.equal((await profiles.derived.state(shop)).log, 0);
  });

  it('two saves that both report replacing the same profile (FerretDB\'s findOneAndUpdate under concurrency): the index and counts follow the stored profile', async () => {
    const shop = 'derived-log-double.myshopify.com';
    const ids = await seedShop(shop, 12);
    const token = (await profiles.derived.lock(shop))!;
    const x = keysOfDoc((await profiles.getDoc(shop, ids[2]!))!);
    await save(shop, ids[2]!, 'vip', 41_000);
    await save(shop, ids[2]!, 'loyal-customer', 42_000);
    // What a non-atomic findOneAndUpdate returns to two writers at once: both replaced x; and the later
    // write recorded first.
    const logKey = profiles.derived.k(shop, 'log');
    const [first, second] = (await deps.redis.lrange(logKey, 0, 1)).map((r) => JSON.parse(r) as DerivedRecord);
    await deps.redis.lset(logKey, 0, JSON.stringify({ ...second, b: x }));
    await deps.redis.lset(logKey, 1, JSON.stringify(first));
    await profiles.derived.unlock(shop, token);
    await profiles.applyDerived(shop);
    await assertDerivedMatchProfiles(profiles, shop, 'after the double report');
  });

  it('a rebuild whose Redis keys vanished mid-way (a Redis restart) starts over instead of switching blind', async () => {
    const shop = 'derived-log-lost.myshopify.com';
    const ids = await seedShop(shop, 20);
    let lostOnce = false;
    let begun = 0;
    profiles.hooks = { at: async (point, sh) => {
      if (sh !== shop) return;
      if (point === 'rebuild:begun') begun++;
      if (point === 'rebuild:built' && !lostOnce) {
        lostOnce = true;
        await save(shop, ids[3]!, 'vip', 77_000);
        await profiles.derived.forgetShop(shop);
        await save(shop, ids[4]!, 'vip', 78_000);
      }
    } };
    await profiles.rebuildDerived(shop);
    profiles.hooks = {};
    assert.equal(begun, 2, 'begun again');
    await assertDerivedMatchProfiles(profiles, shop, 'after the lost keys');
  });
});
