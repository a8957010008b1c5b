// Replenishment: each product's typical reorder interval, learned from customers who bought it on
// two or more different days (with a minimum support); a customer is due when a consumable they
// bought is due within the window or overdue by at most settings.replenishment.maxOverdueIntervals.
import type { CustomerSummary } from './customer-summary.ts';
import { medianOfSorted, percentileOfSorted, sortedAscending } from './percentiles.ts';
import type { ShopSettings } from './settings.ts';

export interface ProductInterval {
  product: string;
  /** Median over repeat customers of each customer's median reorder gap, whole days (>= 1). */
  intervalDays: number;
  /** Customers who bought it on 2+ different days. */
  customers: number;
}

export interface ProductIntervalSpread extends ProductInterval {
  /** Quartiles (nearest rank) of the customers' own median reorder gaps, days. */
  q1Days: number;
  q3Days: number;
}

/** Stored as an array (product keys may contain '.', which MongoDB keys may not). */
export interface ReplenishmentCalibration {
  products: ProductInterval[];
}

export class ReplenishmentLearner {
  private readonly perProduct = new Map<string, number[]>();

  add(s: CustomerSummary): void {
    for (const p of s.products) {
      const own = p.medianIntervalDays;
      if (own === null) continue;
      const list = this.perProduct.get(p.key);
      if (list === undefined) this.perProduct.set(p.key, [own]);
      else list.push(own);
    }
  }

  finish(settings: ShopSettings): ReplenishmentCalibration {
    return { products: this.finishWithSpread(settings).map(({ product, intervalDays, customers }) => ({ product, intervalDays, customers })) };
  }

  /** The learned products (as finish) with the nearest-rank quartiles of the customers' own intervals. */
  finishWithSpread(settings: ShopSettings): ProductIntervalSpread[] {
    const products: ProductIntervalSpread[] = [];
    for (const [product, owns] of this.perProduct) {
      if (owns.length < settings.replenishment.minRepeatCustomers) continue;
      const sorted = sortedAscending(owns);
      products.push({
        product,
        intervalDays: Math.max(1, Math.round(medianOfSorted(sorted))),
        customers: owns.length,
        q1Days: percentileOfSorted(sorted, 0.25),
        q3Days: percentileOfSorted(sorted, 0.75),
      });
    }
    products.sort((a, b) => (a.product < b.product ? -1 : a.product > b.product ? 1 : 0));
    return products;
  }
}

export interface ReplenishmentItem {
  product: string;
  lastPurchaseDay: number;
  dueDay: number;
  intervalDays: number;
}

export interface ReplenishmentStatus {
  /** Products due now (within the window or recently overdue), earliest due first. */
  due: ReplenishmentItem[];
  /** First day after asOf on which the due list changes with no new order, or null. */
  nextChangeDay: number | null;
}

const lookups = new WeakMap<ReplenishmentCalibration, Map<string, ProductInterval>>();

function lookup(cal: ReplenishmentCalibration): Map<string, ProductInterval> {
  let m = lookups.get(cal);
  if (m === undefined) {
    m = new Map(cal.products.map((p) => [p.product, p]));
    lookups.set(cal, m);
  }
  return m;
}

export function replenishmentStatus(s: CustomerSummary, cal: ReplenishmentCalibration, settings: ShopSettings, asOfDay: number): ReplenishmentStatus {
  const known = lookup(cal);
  const due: ReplenishmentItem[] = [];
  let next: number | null = null;
  const consider = (day: number): void => {
    if (day > asOfDay && (next === null || day < next)) next = day;
  };
  for (const p of s.products) {
    const pi = known.get(p.key);
    if (pi === undefined) continue;
    const dueDay = p.lastDay + pi.intervalDays;
    const from = dueDay - settings.replenishment.windowDays;
    const until = dueDay + Math.floor(pi.intervalDays * settings.replenishment.maxOverdueIntervals);
    if (asOfDay >= from && asOfDay <= until) due.push({ product: p.key, lastPurchaseDay: p.lastDay, dueDay, intervalDays: pi.intervalDays });
    consider(from);
    consider(until + 1);
  }
  due.sort((a, b) => a.dueDay - b.dueDay || (a.product < b.product ? -1 : 1));
  return { due, nextChangeDay: next };
}
