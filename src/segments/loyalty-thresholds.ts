// Adaptive loyalty thresholds: recomputed from the shop's current buyers, so "frequent" can mean
// 3+ orders in March and 4+ in November. Each calibration carries its date; the pipeline keeps the
// history. Invariant (property-tested): 2 < frequentMinOrders <= vipMinOrders.
import { formatDay } from './calendar.ts';
import { percentileOfSorted } from './percentiles.ts';
import type { ShopSettings } from './settings.ts';

export interface LoyaltyThresholds {
  /** Frequent Buyer: orders >= this (at least 3, so it always means more than a Loyal Customer). */
  frequentMinOrders: number;
  /** VIP: orders >= this (at least frequentMinOrders)… */
  vipMinOrders: number;
  /** …and total spend >= this, minor units. */
  vipMinSpendMinor: number;
  /** YYYY-MM-DD of the calibration these thresholds come from. */
  date: string;
  buyers: number;
  repeatBuyers: number;
}

/**
 * @param orderCountsSorted counted orders of every buyer, ascending
 * @param spendSorted total spend of every buyer, ascending (minor units)
 */
export function adaptiveLoyaltyThresholds(
  orderCountsSorted: ArrayLike<number>,
  spendSorted: ArrayLike<number>,
  settings: ShopSettings,
  asOfDay: number,
): LoyaltyThresholds {
  // Repeat buyers are the tail of the ascending order counts.
  let firstRepeat = 0;
  while (firstRepeat < orderCountsSorted.length && orderCountsSorted[firstRepeat]! < 2) firstRepeat++;
  const repeat = Array.prototype.slice.call(orderCountsSorted, firstRepeat) as number[];
  const p = settings.loyalty;
  const frequent = Math.max(3, repeat.length ? Math.ceil(percentileOfSorted(repeat, p.frequentOrdersPercentile)) : 3);
  const vipOrders = Math.max(frequent, repeat.length ? Math.ceil(percentileOfSorted(repeat, p.vipOrdersPercentile)) : frequent);
  const vipSpend = spendSorted.length ? Math.max(1, percentileOfSorted(spendSorted, p.vipSpendPercentile)) : 1;
  return {
    frequentMinOrders: frequent,
    vipMinOrders: vipOrders,
    vipMinSpendMinor: vipSpend,
    date: formatDay(asOfDay),
    buyers: orderCountsSorted.length,
    repeatBuyers: repeat.length,
  };
}
