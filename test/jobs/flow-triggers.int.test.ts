// Flow trigger calls: only Flow-enabled segments, only real changes (not the first computation), the
// previous segment of the same family named; refused calls counted and dropped; calls hit by transport
// failures put back, but dropped after MAX_ATTEMPTS — never retried forever. A change is pushed once
// (a whole-shop pass's retry computes the same changes again), and an erased customer leaves no key.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { FlowOutbox, MAX_ATTEMPTS } from '../../src/profiles/flow-outbox.ts';
import { drainFlowTriggers, flowTriggersOf } from '../../jobs/flow-triggers.ts';
import { parseShopSettings } from '../../src/segments/settings.ts';
import type { JobContext } from '../../jobs/ports.ts';
import type { SegmentEvent } from '../../src/profiles/segment-event-store.ts';
import type { FlowTriggerOutcome } from '../../src/shopify/flow-triggers.ts';
import { ShopifyTransientError } from '../../src/shopify/errors.ts';
import { deleteKeysUnder } from '../../tools/redis-cleanup.ts';
import { scanKeys } from '../../src/redis.ts';

const SHOP = 'flow.myshopify.com';
const at = new Date('2026-11-20T00:00:00Z');
const ev = (change: 'entered' | 'left', family: string, segment: string, when = at): SegmentEvent => ({ shop: SHOP, customerId: '42', family, segment, tag: `seg:${segment}`, change, at: when, explanation: `${change} ${segment} because of 3 orders` });

describe('Flow triggers from the jobs', () => {
  let s: TestServices;
  let outbox: FlowOutbox;
  before(async () => {
    s = await openTestServices(import.meta.url);
    outbox = new FlowOutbox(s.redis(), s.queuePrefix);
  });
  after(async () => {
    await deleteKeysUnder(s.redisUrl, s.queuePrefix);
    await s.close();
  });

  const settings = parseShopSettings({ currency: 'EUR', shopify: { flowSegments: ['loyal-customer', 'one-time-buyer'] } });
  const events = [ev('left', 'loyalty', 'one-time-buyer'), ev('entered', 'loyalty', 'loyal-customer'), ev('entered', 'churn', 'churn-risk-low')];

  it('queues calls for enabled segments only, for real changes only, with the previous segment and the why', () => {
    assert.deepEqual(flowTriggersOf(settings, '42', events, { churnProbability: 0.25, clv12mMinor: 12345 }, false), [], 'first computation: nothing');
    const items = flowTriggersOf(settings, '42', events, { churnProbability: 0.25, clv12mMinor: 12345 }, true);
    assert.deepEqual(items.map((i) => i.handle), ['customer-left-segment', 'customer-entered-segment']);
    assert.deepEqual(items[1]!.payload, {
      customer_id: 42, 'Segment': 'Loyal Customer', 'Segment family': 'loyalty', 'Tag': 'seg:loyal-customer', 'Explanation': 'entered loyal-customer because of 3 orders',
      'Previous segment': 'One Time Buyer', 'Churn probability': 0.25, 'Predicted 12-month value': 123.45,
    });
  });

  const ctxWith = (fire: (calls: unknown[], on: (i: number, o: FlowTriggerOutcome) => void) => Promise<void>) => ({
    logger: testLogger, now: () => at.getTime(), enqueue: { flowOutbox: outbox },
    shopify: { fireFlowTriggers: (_shop: string, calls: unknown[], on: (i: number, o: FlowTriggerOutcome) => void) => fire(calls, on) },
  }) as unknown as JobContext;

  it('counts refused calls and does not retry them', async () => {
    await outbox.push(SHOP, flowTriggersOf(settings, '42', events, null, true));
    const r = await drainFlowTriggers(ctxWith(async (calls, on) => { calls.forEach((_, i) => on(i, i === 0 ? { status: 'refused', errors: ['Flow is not installed'] } : { status: 'sent' })); }), SHOP);
    assert.deepEqual(r, { sent: 1, refused: 1, dropped: 0 });
    const st = await outbox.stats(SHOP);
    assert.deepEqual([st.sent, st.refused, st.pending, st.lastRefusal], [1, 1, 0, 'Flow is not installed']);
  });

  it('puts calls back on transport failures, and drops them after MAX_ATTEMPTS', async () => {
    const later = new Date(at.getTime() + 86_400_000);
    assert.equal(await outbox.push(SHOP, flowTriggersOf(settings, '42', [ev('left', 'loyalty', 'one-time-buyer', later)], null, true)), 1);
    const failing = ctxWith(async () => { throw new ShopifyTransientError('503', { shop: SHOP }); });
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      await assert.rejects(drainFlowTriggers(failing, SHOP), ShopifyTransientError);
      assert.equal((await outbox.stats(SHOP)).pending, i < MAX_ATTEMPTS ? 1 : 0, `after try ${i}`);
    }
    assert.equal((await outbox.stats(SHOP)).dropped, 1);
    assert.deepEqual(await drainFlowTriggers(failing, SHOP), { sent: 0, refused: 0, dropped: 0 }, 'nothing left to try');
  });

  it('pushes each change once: the same change again (a retried pass) is skipped, a later one is not', async () => {
    const day = (n: number) => new Date(at.getTime() + n * 86_400_000);
    const change = (n: number) => flowTriggersOf(settings, '42', [ev('left', 'loyalty', 'one-time-buyer', day(n)), ev('entered', 'loyalty', 'loyal-customer', day(n))], null, true, { keyed: true });
    // A customer's own recompute pushes unkeyed calls: the same change at the same (fixed) instant again is sent again.
    assert.ok(flowTriggersOf(settings, '42', [ev('left', 'loyalty', 'one-time-buyer', day(9))], null, true).every((c) => c.key === undefined));
    const before = (await outbox.stats(SHOP)).pending;
    assert.equal(await outbox.push(SHOP, change(10)), 2);
    assert.equal(await outbox.push(SHOP, change(10)), 0, 'the same change: nothing pushed');
    assert.equal(await outbox.push(SHOP, [...change(10), ...change(11)]), 2, 'only the new change');
    assert.equal((await outbox.stats(SHOP)).pending, before + 4);
    // Taken and not answered: put back although their keys are known.
    const taken = await outbox.take(SHOP, 100);
    assert.equal(await outbox.push(SHOP, taken, { requeue: true }), taken.length);
    // An erased customer: its calls and its remembered keys go, so nothing of it stays in Redis.
    await outbox.forgetCustomer(SHOP, '42');
    assert.equal((await outbox.stats(SHOP)).pending, 0);
    for await (const keys of scanKeys(s.redis(), `*flow-seen:${SHOP}`)) for (const k of keys) assert.equal(await s.redis().zcard(k), 0, k);
    assert.equal(await outbox.push(SHOP, change(10)), 2, 'forgotten: a change of a customer who came back is pushed again');
  });
});
