// Segments fed by signals besides orders, and the order-shape behaviours added with them:
//   intent:    Abandoned Cart (an unfinished checkout in the last N days, no order since), Curious
//              Prospect (visited recently, never bought), Undecided Prospect (cart or checkout
//              started recently, never bought);
//   behaviour: Trend Follower (bought products soon after their first sale in the shop), Bulk Buyer /
//              One-item Buyer (items per order in the shop's top / bottom share of repeat buyers).
// Pure: summaries and a calibration in, flags out.
import { DAY_MS } from './calendar.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { percentileOfSorted, topShareThreshold } from './percentiles.ts';
import type { ShopSettings } from './settings.ts';

export interface SignalCalibration {
  /** Items per order at or above which a repeat buyer is a Bulk Buyer (null: the shop's spread is too narrow). */
  bulkMinItemsPerOrder: number | null;
  /** Items per order at or below which a repeat buyer is a One-item Buyer (null: no repeat buyers). */
  oneItemMaxItemsPerOrder: number | null;
  /**
   * Day of each product's first sale in the shop, for products first sold after the shop's first
   * trendWindowDays (a product on sale since the shop opened has no launch to follow). Sorted by key;
   * pairs rather than an object because product keys may contain '.'.
   */
  productLaunchDays: Array<[string, number]>;
}

/** Learns the items-per-order cut points and product launch days from the buyers' summaries. */
export function calibrateSignals(buyers: readonly CustomerSummary[], settings: ShopSettings): SignalCalibration {
  const b = settings.behaviour;
  const perOrder = Float64Array.from(buyers.filter((s) => s.orders >= b.itemsMinOrders).map((s) => s.items / s.orders));
  perOrder.sort();
  const oneItemMax = perOrder.length ? percentileOfSorted(perOrder, b.oneItemBottomShare) : null;
  const bulkMin = perOrder.length ? topShareThreshold(perOrder, b.bulkTopShare) : null;
  const launch = new Map<string, number>();
  let shopFirstDay = Number.POSITIVE_INFINITY;
  for (const s of buyers) {
    shopFirstDay = Math.min(shopFirstDay, s.firstDay);
    for (const p of s.products) {
      const known = launch.get(p.key);
      if (known === undefined || p.firstDay < known) launch.set(p.key, p.firstDay);
    }
  }
  const productLaunchDays = [...launch]
    .filter(([, day]) => day > shopFirstDay + b.trendWindowDays)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return {
    bulkMinItemsPerOrder: bulkMin !== null && oneItemMax !== null && bulkMin > oneItemMax ? bulkMin : null,
    oneItemMaxItemsPerOrder: oneItemMax,
    productLaunchDays,
  };
}

const launchMaps = new WeakMap<SignalCalibration, Map<string, number>>();
function launchMap(c: SignalCalibration): Map<string, number> {
  let m = launchMaps.get(c);
  if (m === undefined) launchMaps.set(c, (m = new Map(c.productLaunchDays)));
  return m;
}

export interface TrendResult {
  early: number;
  datable: number;
}

/** Trend Follower: enough orders and at least trendMinShare of the datable products bought early; null if not. */
export function trendFollower(s: CustomerSummary, c: SignalCalibration, settings: ShopSettings): TrendResult | null {
  const b = settings.behaviour;
  if (s.orders < b.trendMinOrders) return null;
  const launches = launchMap(c);
  let early = 0;
  let datable = 0;
  for (const p of s.products) {
    const launched = launches.get(p.key);
    if (launched === undefined) continue;
    datable++;
    if (p.firstDay - launched <= b.trendWindowDays) early++;
  }
  return early > 0 && early / datable >= b.trendMinShare ? { early, datable } : null;
}

export type ItemsShape = { kind: 'bulk-buyer' | 'one-item-buyer'; itemsPerOrder: number; threshold: number };

export function itemsShape(s: CustomerSummary, c: SignalCalibration, settings: ShopSettings): ItemsShape | null {
  if (s.orders < settings.behaviour.itemsMinOrders) return null;
  const perOrder = s.items / s.orders;
  if (c.bulkMinItemsPerOrder !== null && perOrder >= c.bulkMinItemsPerOrder) return { kind: 'bulk-buyer', itemsPerOrder: perOrder, threshold: c.bulkMinItemsPerOrder };
  if (c.oneItemMaxItemsPerOrder !== null && perOrder <= c.oneItemMaxItemsPerOrder) return { kind: 'one-item-buyer', itemsPerOrder: perOrder, threshold: c.oneItemMaxItemsPerOrder };
  return null;
}

const within = (at: number | null | undefined, asOf: number, days: number): at is number => at != null && at <= asOf && asOf - at <= days * DAY_MS;

export interface IntentFlags {
  /** The unfinished checkout behind Abandoned Cart, or null. */
  abandoned: { at: number; products: string[] } | null;
  /** Last visit behind Curious Prospect, or null. */
  curiousVisitAt: number | null;
  /** Last cart or checkout behind Undecided Prospect, or null. */
  undecidedAt: number | null;
}

export function intentFlags(s: CustomerSummary, settings: ShopSettings, asOf: number): IntentFlags {
  const t = settings.intent;
  const c = s.checkout;
  const orderedSince = c !== null && s.lastAt !== null && s.lastAt >= c.at;
  const abandoned = c !== null && !orderedSince && within(c.at, asOf, t.abandonedCartDays) ? { at: c.at, products: [...c.products] } : null;
  const never = s.orders === 0;
  const lastIntent = Math.max(s.lastCartAt ?? Number.NEGATIVE_INFINITY, c?.at ?? Number.NEGATIVE_INFINITY);
  return {
    abandoned,
    curiousVisitAt: never && within(s.lastVisitAt, asOf, t.curiousVisitDays) ? s.lastVisitAt : null,
    undecidedAt: never && Number.isFinite(lastIntent) && within(lastIntent, asOf, t.undecidedDays) ? lastIntent : null,
  };
}

/** Days (in the shop's calendar) on which an intent window lapses with no new signal: for nextChangeAt. */
export function intentExpiryDays(s: CustomerSummary, settings: ShopSettings, dayStart0: number): number[] {
  const t = settings.intent;
  const out: number[] = [];
  const add = (at: number | null | undefined, days: number): void => {
    if (at != null) out.push(Math.floor((at + days * DAY_MS - dayStart0) / DAY_MS) + 1);
  };
  add(s.checkout?.at, t.abandonedCartDays);
  if (s.orders === 0) {
    add(s.lastVisitAt, t.curiousVisitDays);
    add(s.lastCartAt, t.undecidedDays);
    add(s.checkout?.at, t.undecidedDays);
  }
  return out;
}
