// The Overview's "sizes over time" chart reads recorded daily sizes, not the segment events
// (src/profiles/segment-size-history.ts): each whole-shop recompute records its day; days without a
// record carry the previous one; the last day is the live counts; a shop without records gets its past
// backfilled once from its segment events — after which deleting every event changes nothing (before
// the daily records the chart walked back through the events on every read, so this test fails there).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { recalibrateShop } from '../../jobs/recalibrate-shop.ts';
import { sizesOverTime, type SizesOverTime } from '../../web/admin/overview.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';
import { AS_OF, DAY, RecordingShopify, installShop, order, runtimeFor, seedOrders, seededOrders, testDeps } from '../jobs/support.ts';

const SHOP = 'overview-sizes.myshopify.com';
const FAMILY = 'loyalty';

describe('sizes over time from recorded daily sizes', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  const orders = seededOrders(50, 31);
  const ids = [...new Set(orders.map((o) => o.customerId!))].sort();
  /** The family's live counts after each recompute, by day offset from AS_OF. */
  const countsAt = new Map<number, Record<string, number>>();

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    rt = runtimeFor(deps, new RecordingShopify());
    await installShop(deps, SHOP);
    await seedOrders(deps, SHOP, orders.filter((o) => o.createdAt <= AS_OF - 20 * DAY));
    // Three nightly recalibrations 20 and 8 days ago and today, new orders between them.
    for (const [offset, extra] of [[-20, []], [-8, ids.slice(0, 15).map((id, i) => order(id, AS_OF - 9 * DAY + i, 90_000 + i))], [0, ids.slice(15, 30).map((id, i) => order(id, AS_OF - DAY + i, 120_000 + i))]] as const) {
      if (extra.length) await seedOrders(deps, SHOP, [...extra]);
      await recalibrateShop(rt.context, { shop: SHOP, reason: 'nightly', asOf: AS_OF + offset * DAY });
      countsAt.set(offset, (await deps.stores.profiles.segmentCounts(SHOP))[FAMILY] ?? {});
    }
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  const chart = () => sizesOverTime(deps.stores.profiles, deps.stores.events, SHOP, FAMILY, 30, AS_OF);
  const sizesOn = (c: SizesOverTime, i: number) => Object.fromEntries(c.series.map((x) => [x.segment, x.sizes[i]!]).filter(([, n]) => n));

  it('each recompute recorded its day; days between carry it; the last day is the live counts', async () => {
    const c = await chart();
    assert.equal(c.days.length, 30);
    assert.equal(c.days.at(-1), new Date(AS_OF).toISOString().slice(0, 10));
    const at = (offset: number) => 29 + offset;
    assert.deepEqual(sizesOn(c, at(0)), countsAt.get(0), 'today: the live counts');
    for (const offset of [-8, -5, -1]) assert.deepEqual(sizesOn(c, at(offset)), countsAt.get(-8), `day ${offset}: the recompute of day -8`);
    for (const offset of [-20, -15, -9]) assert.deepEqual(sizesOn(c, at(offset)), countsAt.get(-20), `day ${offset}: the recompute of day -20`);
    assert.notDeepEqual(countsAt.get(-20), countsAt.get(0), 'the sizes moved over the month');
  });

  it('a shop without records is backfilled once from its events', async () => {
    const history = deps.stores.profiles.sizeHistory;
    await history.model.deleteMany(shopScope('segment_size_days', SHOP));
    const backfilled = await chart();
    // The backfill walks back from today's counts through the events: day -20 onwards as recorded before.
    assert.deepEqual(sizesOn(backfilled, 29), countsAt.get(0));
    assert.deepEqual(sizesOn(backfilled, 29 - 8), countsAt.get(-8), 'the end of day -8 from the events');
    assert.deepEqual(sizesOn(backfilled, 29 - 20), countsAt.get(-20), 'the end of day -20 from the events');
    assert.ok(await history.backfilledThrough(SHOP));
  });

  it('once the chart has been read, deleting every segment event changes nothing in it', async () => {
    const before = await chart();
    assert.ok(before.series.some((x) => new Set(x.sizes).size > 1), 'the chart is not flat');
    await deps.stores.events.model.deleteMany({ shop: SHOP });
    assert.deepEqual(await chart(), before, 'the same chart without a single event');
  });
});
