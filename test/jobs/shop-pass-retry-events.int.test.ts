// A whole-shop pass that dies part-way and is retried still records every segment change once: in the
// history (segment events) and in the Flow outbox. The pass writes in batches; an attempt killed after
// a batch's profiles were written left its retry nothing to record for them (the stored profiles already
// were what it computed), so those customers' events and Flow triggers were lost for good (chaos seed
// 2002, docs/reliability.md cause 16). A batch's events and triggers are now recorded before its
// profiles, keyed at the first attempt's instant (firstAttemptAt), so a retry that computes them again
// records nothing twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import type { JobContext } from '../../jobs/ports.ts';
import { firstAttemptAt, passInstants, recomputeShop } from '../../jobs/recompute-shop.ts';
import type { ShopSettings } from '../../src/segments/settings.ts';
import type { CustomerProfileDoc } from '../../src/profiles/customer-profile-store.ts';
import { membershipChanges } from '../../src/profiles/segment-event-store.ts';
import { deleteKeysUnder } from '../../tools/redis-cleanup.ts';
import { AS_OF, DAY, RecordingShopify, installShop, runtimeFor, seedOrders, seededOrders, testDeps } from './support.ts';

/** Batches of 16: 120 customers are written in 8 batches. */
const BATCHES = { batchSize: 16, keepCustomersUpTo: 0 };
const FLOW_SEGMENTS = [
  'one-time-buyer', 'loyal-customer', 'frequent-buyer', 'vip', 'champions', 'loyal', 'potential-loyalist', 'new-customers', 'promising',
  'need-attention', 'about-to-sleep', 'at-risk', 'cannot-lose-them', 'hibernating', 'lost', 'churn-risk-low', 'churn-risk-medium', 'churn-risk-high', 'dormant',
];

describe('a whole-shop pass retried after dying part-way', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  let settings: ShopSettings;

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    rt = runtimeFor(deps, new RecordingShopify());
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await deleteKeysUnder(s.redisUrl, s.queuePrefix);
    await s.close();
  });

  /** Installs the shop and computes everyone at AS_OF; returns the profiles the nightly pass starts from. */
  async function shopAtAsOf(shop: string): Promise<Map<string, CustomerProfileDoc>> {
    await installShop(deps, shop);
    await seedOrders(deps, shop, seededOrders(120, 31));
    settings = { ...(await deps.stores.shops.effective(shop)).settings };
    settings = { ...settings, shopify: { ...settings.shopify, flowSegments: FLOW_SEGMENTS } };
    await recomputeShop(rt.context, shop, { asOf: AS_OF, settings, reason: 'support', onlyChanged: false, ...BATCHES });
    return deps.stores.profiles.allOf(shop);
  }

  /** Every change between two sets of profiles, as "customer change family/segment". */
  const changesBetween = (from: Map<string, CustomerProfileDoc>, to: Map<string, CustomerProfileDoc>): string[] => [...to.values()].flatMap((d) => {
    const { entered, left } = membershipChanges(from.get(d.customerId)?.memberships ?? [], d.memberships);
    return [...entered.map((m) => `${d.customerId} entered ${m.family}/${m.segment}`), ...left.map((m) => `${d.customerId} left ${m.family}/${m.segment}`)];
  }).sort();

  async function recorded(shop: string, at: number): Promise<string[]> {
    const events = await deps.stores.events.model.find({ shop, at: new Date(at) }).lean();
    return events.map((e) => `${e.customerId} ${e.change} ${e.family}/${e.segment}`).sort();
  }

  async function flowCalls(shop: string): Promise<string[]> {
    const calls = await rt.enqueue.flowOutbox.take(shop, 100_000);
    return calls.map((c) => `${c.customerId} ${c.handle === 'customer-entered-segment' ? 'entered' : 'left'} ${String(c.payload['Segment family'])}/${c.key!.split('/')[1]!.split('@')[0]}`).sort();
  }

  /** A context whose `method` of `store` throws on its `nth` call (a worker killed, Redis restarting). */
  function dyingAt(store: 'tagState' | 'profiles', method: string, nth: number): JobContext {
    let calls = 0;
    const real = rt.context[store] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const wrapped = Object.create(real, {
      [method]: { value: async (...a: unknown[]) => { if (++calls === nth) throw new Error('Connection is closed.'); return real[method]!.apply(real, a); } },
    });
    return { ...rt.context, [store]: wrapped };
  }

  for (const [where, store, method] of [
    ['after writing a batch of profiles, before recording their tags', 'tagState', 'setDesired'],
    ['after recording a batch\'s events, before writing its profiles', 'profiles', 'replaceMany'],
  ] as const) {
    it(`dies ${where}: its retry leaves every change recorded once, in the history and the Flow outbox`, async () => {
      const shop = `retry-${method.toLowerCase()}.myshopify.com`;
      const start = await shopAtAsOf(shop);
      await flowCalls(shop);
      const later = AS_OF + 200 * DAY;
      const pass = { settings, reason: 'nightly', onlyChanged: true, eventsAt: later, ...BATCHES };
      // The first attempt at `later`; the retry computes 2 minutes later but keys its events at the first attempt's instant.
      await assert.rejects(recomputeShop(dyingAt(store, method, 3), shop, { ...pass, asOf: later }), /Connection is closed/);
      await recomputeShop(rt.context, shop, { ...pass, asOf: later + 120_000 });
      const expected = changesBetween(start, await deps.stores.profiles.allOf(shop));
      assert.ok(expected.length > 20, `time moved customers: ${expected.length} changes`);
      assert.deepEqual(await recorded(shop, later), expected, 'every change in the history, once');
      const flow = await flowCalls(shop);
      assert.ok(flow.length > 0);
      assert.deepEqual(flow, expected.filter((e) => FLOW_SEGMENTS.includes(e.split('/')[1]!)), 'every Flow-enabled change in the outbox, once');
    });
  }

  it('firstAttemptAt / passInstants: the first attempt keeps its clock in the job; a retry reads it back and computes at its own; a fixed as-of wins', async () => {
    let data: { shop: string; asOf?: number; firstAttemptAt?: number } = { shop: 'x.myshopify.com' };
    const job = { updateData: async (d: typeof data) => { data = d; } };
    assert.equal(await firstAttemptAt({ now: () => 1_000 }, data, job), 1_000);
    assert.deepEqual(data, { shop: 'x.myshopify.com', firstAttemptAt: 1_000 });
    assert.equal(await firstAttemptAt({ now: () => 99_000 }, data, job), 1_000, 'the retry');
    assert.equal(await firstAttemptAt({ now: () => 99_000 }, { shop: 'y', asOf: 5 }, job), 5);
    // The pass's as-of: the same clock reading as its events on a first attempt, the retry's own clock after.
    let fresh: { shop: string; firstAttemptAt?: number } = { shop: 'z' };
    const freshJob = { updateData: async (d: typeof fresh) => { fresh = d; } };
    let clock = 7_000;
    const now = () => clock++;
    assert.deepEqual(await passInstants({ now }, fresh, freshJob), { asOf: 7_000, eventsAt: 7_000 });
    assert.deepEqual(await passInstants({ now }, fresh, freshJob), { asOf: 7_001, eventsAt: 7_000 });
  });
});
