// The Overview page's numbers from the shop's precomputed aggregates (one point read, whatever the
// shop's size): customers per segment per family, the 5×5 Recency × Frequency grid (the RFM cells'
// member counts, the same the segment browser pages through), and revenue share per segment. Sizes over
// time from the recorded daily sizes (src/profiles/segment-size-history.ts): a few point reads too.
// Plain finds and cursors only (FerretDB: no $lookup, no date operators in $group).
// GET /overview and GET /overview/sizes.
import express, { type Router } from 'express';
import { z } from 'zod';
import type { CustomerProfileStore } from '../../src/profiles/customer-profile-store.ts';
import type { ShopAggregates } from '../../src/profiles/shop-aggregates.ts';
import { RFM_CELL_FAMILY, rfmCellKey } from '../../src/profiles/segment-browser-keys.ts';
import type { SegmentEventStore } from '../../src/profiles/segment-event-store.ts';
import { SEGMENT_DEFINITIONS, FAMILIES } from '../../src/segments/tags.ts';
import { BACKFILL_DAYS, chartSizes, DAY_MS, dayKey } from '../../src/profiles/segment-size-history.ts';

const sameSizes = (a: Record<string, number> | undefined, b: Record<string, number>): boolean =>
  !!a && Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, n]) => a[k] === n);
import type { DashboardPorts } from '../ports.ts';
import { parseInput } from '../validate.ts';
import { shopOf } from './session-token.ts';

export interface SegmentSlice {
  segment: string;
  label: string;
  customers: number;
  revenueMinor: number;
  /** Share of the family's revenue, 0..1 (4 decimals). */
  revenueShare: number;
}

export interface Overview {
  customers: number;
  revenueMinor: number;
  families: Array<{ family: string; segments: SegmentSlice[] }>;
  /** grid[r-1][f-1] = customers with recency score r and frequency score f. */
  rfmGrid: { rows: 'recency'; columns: 'frequency'; counts: number[][]; scored: number };
}

const labelOf = new Map(SEGMENT_DEFINITIONS.map((d) => [`${d.family}/${d.segment}`, d.label]));

/** The Overview from a shop's precomputed aggregates (src/profiles/shop-aggregates.ts): no scan. */
export function overviewOf(a: ShopAggregates): Overview {
  const grid = Array.from({ length: 5 }, (_, r) => Array.from({ length: 5 }, (_, f) => a.members[rfmCellKey(r + 1, f + 1)] ?? 0));
  const scored = grid.flat().reduce((x, y) => x + y, 0);
  const counts = new Map<string, { customers: number; revenue: number }>();
  for (const [key, n] of Object.entries(a.members)) if (n > 0 && !key.startsWith(`${RFM_CELL_FAMILY}/`)) counts.set(key, { customers: n, revenue: a.revenue[key] ?? 0 });
  const families = FAMILIES.map((family) => {
    const known = SEGMENT_DEFINITIONS.filter((d) => d.family === family).map((d) => d.segment);
    const seen = [...counts.keys()].filter((k) => k.startsWith(`${family}/`)).map((k) => k.slice(family.length + 1));
    const ids = [...known, ...seen.filter((s) => !known.includes(s))];
    const familyRevenue = ids.reduce((sum, s) => sum + (counts.get(`${family}/${s}`)?.revenue ?? 0), 0);
    const segments = ids.map((segment) => {
      const c = counts.get(`${family}/${segment}`) ?? { customers: 0, revenue: 0 };
      return {
        segment,
        label: labelOf.get(`${family}/${segment}`) ?? segment,
        customers: c.customers,
        revenueMinor: c.revenue,
        revenueShare: familyRevenue > 0 ? Math.round((c.revenue / familyRevenue) * 10_000) / 10_000 : 0,
      };
    });
    return { family, segments };
  });
  return { customers: a.customers, revenueMinor: a.revenueMinor, families, rfmGrid: { rows: 'recency', columns: 'frequency', counts: grid, scored } };
}

export async function computeOverview(profiles: CustomerProfileStore, shop: string): Promise<Overview> {
  return overviewOf(await profiles.derivedState(shop));
}

export interface SizesOverTime {
  family: string;
  days: string[];
  series: Array<{ segment: string; label: string; sizes: number[] }>;
}

/**
 * Segment sizes per day of the window ending at `endAt` (now, or the engine's as-of the demo pins in the
 * past), from the recorded daily sizes (src/profiles/segment-size-history.ts): a few point reads, whatever
 * the shop's size. The last day is today's live counts (recorded as today's value). Days before the
 * shop's first record are backfilled once from its segment events.
 */
export async function sizesOverTime(profiles: CustomerProfileStore, events: SegmentEventStore, shop: string, family: string, days: number, endAt: number): Promise<SizesOverTime> {
  const endDay = Math.floor(endAt / DAY_MS);
  const startDay = endDay - days + 1;
  const history = profiles.sizeHistory;
  // One month before the window too, for the value a first unrecorded day carries.
  const read = () => history.range(shop, startDay - 31, endDay);
  const [live, backfilled, first] = await Promise.all([profiles.derivedState(shop).then((a) => chartSizes(a.members)), history.backfilledThrough(shop), read()]);
  let recorded = first;
  if (!backfilled) {
    await backfillSizes(profiles, events, shop, endDay, live);
    recorded = await read();
  }
  // The last day is today's live counts; recorded as the day's value when they moved since.
  if (!sameSizes(recorded.get(dayKey(endDay)), live)) await history.record(shop, endDay, live);
  recorded.set(dayKey(endDay), live);
  const before = [...recorded.keys()].filter((k) => k < dayKey(startDay)).sort().at(-1);
  let carried: Record<string, number> = before ? recorded.get(before)! : {};
  const perDay: Array<Record<string, number>> = [];
  for (let d = startDay; d <= endDay; d++) {
    carried = recorded.get(dayKey(d)) ?? carried;
    perDay.push(carried);
  }
  const prefix = `${family}/`;
  const known = SEGMENT_DEFINITIONS.filter((d) => d.family === family).map((d) => d.segment);
  const seen = new Set<string>();
  for (const day of perDay) for (const k of Object.keys(day)) if (k.startsWith(prefix)) seen.add(k.slice(prefix.length));
  const ids = [...new Set([...known, ...seen])];
  const series = ids.map((segment) => ({ segment, label: labelOf.get(`${family}/${segment}`) ?? segment, sizes: perDay.map((day) => day[`${prefix}${segment}`] ?? 0) }));
  const dayList = Array.from({ length: days }, (_, i) => dayKey(startDay + i));
  return { family, days: dayList, series };
}

/**
 * The one-time backfill of a shop's daily sizes from its segment events: sizes at the end of each of the
 * last BACKFILL_DAYS days, walked back from today's counts through the events of that window (every
 * family at once), written for the days that have no record yet.
 */
async function backfillSizes(profiles: CustomerProfileStore, events: SegmentEventStore, shop: string, endDay: number, live: Record<string, number>): Promise<void> {
  const startDay = endDay - BACKFILL_DAYS + 1;
  const delta = new Map<string, number[]>();
  const cursor = events.model
    .find({ shop, at: { $gte: new Date(startDay * DAY_MS) } }, { family: 1, segment: 1, change: 1, at: 1, _id: 0 })
    .lean<Array<{ family: string; segment: string; change: 'entered' | 'left'; at: Date }>>()
    .cursor({ batchSize: 5000 });
  for await (const e of cursor) {
    const i = Math.floor(e.at.getTime() / DAY_MS) - startDay;
    if (i < 0 || i >= BACKFILL_DAYS) continue;
    const key = `${e.family}/${e.segment}`;
    const d = delta.get(key) ?? new Array<number>(BACKFILL_DAYS).fill(0);
    d[i]! += e.change === 'entered' ? 1 : -1;
    delta.set(key, d);
  }
  const perDay = Array.from({ length: BACKFILL_DAYS }, () => ({}) as Record<string, number>);
  for (const key of new Set([...Object.keys(live), ...delta.keys()])) {
    if (key.startsWith(`${RFM_CELL_FAMILY}/`)) continue;
    let size = live[key] ?? 0;
    const d = delta.get(key);
    for (let i = BACKFILL_DAYS - 1; i >= 0; i--) {
      // History older than the app's first calibration is unknown: never below zero.
      if (size > 0) perDay[i]![key] = size;
      size -= d?.[i] ?? 0;
    }
  }
  // Today is recorded from the live counts by the caller; the backfill fills the days before it.
  await profiles.sizeHistory.recordMissing(shop, new Map(perDay.slice(0, -1).map((v, i) => [startDay + i, v])));
  await profiles.sizeHistory.markBackfilled(shop, endDay);
}

const sizesQuery = z.object({
  family: z.enum(FAMILIES as unknown as [string, ...string[]]).default('loyalty'),
  days: z.coerce.number().int().min(7).max(366).default(90),
});

export function overviewRouter(ports: Pick<DashboardPorts, 'shops' | 'profiles' | 'events'>, asOf: () => number): Router {
  const r = express.Router();
  r.get('/overview', async (_req, res) => {
    const shop = shopOf(res);
    const [{ settings }, overview] = await Promise.all([ports.shops.effective(shop), computeOverview(ports.profiles, shop)]);
    res.json({ shop, currency: settings.currency, ...overview });
  });
  r.get('/overview/sizes', async (req, res) => {
    const q = parseInput(sizesQuery, req.query);
    res.json(await sizesOverTime(ports.profiles, ports.events, shopOf(res), q.family, q.days, asOf()));
  });
  return r;
}
