// A compact summary of one customer's counted orders: everything calibration and segmentation need,
// so a shop of a million customers is held as a million small records instead of millions of orders.
import { dayOf } from './calendar.ts';
import { orderExclusionReason } from './order-eligibility.ts';
import { medianOfSorted } from './percentiles.ts';
import type { ShopSettings } from './settings.ts';
import type { CustomerInput, NormalizedOrder, UnfinishedCheckout } from './types.ts';

export interface ProductHistory {
  /** productId, else variantId, else sku. */
  key: string;
  /** First purchase day of this product (the customer's first order contained it when this equals firstDay). */
  firstDay: number;
  lastDay: number;
  /** Median days between consecutive distinct purchase days of this product; null if bought on one day only. */
  medianIntervalDays: number | null;
}

export interface CustomerSummary {
  customerId: string;
  /** Counted orders (see order-eligibility.ts). */
  orders: number;
  /** Orders excluded by the rules (test, cancelled, zero-value, …; see order-eligibility.ts). */
  ignoredOrders: number;
  /** Orders placed after asOf (not counted, not "ignored": they simply have not happened yet). */
  laterOrders: number;
  spendMinor: number;
  firstAt: number | null;
  lastAt: number | null;
  firstDay: number;
  lastDay: number;
  /** Distinct purchase days: same-day orders are one transaction for BG/NBD. */
  purchaseDays: number;
  /** The second distinct purchase day (the first reorder), or null with one purchase day. */
  secondDay: number | null;
  /** Spend on purchase days after the first one (Gamma-Gamma uses the mean of repeat transactions). */
  repeatSpendMinor: number;
  /** The distinct purchase days, ascending, and the spend on each: the backtest replays history from them. */
  dayList: number[];
  daySpendMinor: number[];
  discountedOrders: number;
  products: ProductHistory[];
  /** Items (line-item quantities) on counted orders: bulk vs one-item buyers. */
  items: number;
  lastEmailClickAt: number | null;
  lastVisitAt: number | null;
  lastCartAt: number | null;
  viewedProducts: readonly string[];
  checkout: UnfinishedCheckout | null;
}

function productKey(item: { productId: string | null; variantId: string | null; sku: string | null }): string | null {
  return item.productId ?? item.variantId ?? item.sku ?? null;
}

/** Each product's purchase days → its first and last day and median reorder interval, by product key. */
function productHistories(productDays: ReadonlyMap<string, number[]>): ProductHistory[] {
  const products: ProductHistory[] = [];
  for (const [key, ds] of productDays) {
    let median: number | null = null;
    if (ds.length === 2) median = ds[1]! - ds[0]!;
    else if (ds.length > 2) {
      const gaps: number[] = [];
      for (let i = 1; i < ds.length; i++) gaps.push(ds[i]! - ds[i - 1]!);
      median = medianOfSorted(gaps.sort((x, y) => x - y));
    }
    products.push({ key, firstDay: ds[0]!, lastDay: ds[ds.length - 1]!, medianIntervalDays: median });
  }
  return products.sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : 0));
}

export function summarizeCustomer(customer: CustomerInput, settings: ShopSettings, asOf: number): CustomerSummary {
  const counted: NormalizedOrder[] = [];
  let later = 0;
  for (const o of customer.orders) {
    const reason = orderExclusionReason(o, settings, asOf);
    if (reason === null) counted.push(o);
    else if (reason === 'after-as-of') later++;
  }
  // Sort by time then id so the summary never depends on input order.
  let sorted = true;
  for (let i = 1; i < counted.length && sorted; i++) sorted = counted[i - 1]!.processedAt < counted[i]!.processedAt;
  if (!sorted) counted.sort((x, y) => x.processedAt - y.processedAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));

  let spend = 0;
  let repeatSpend = 0;
  let discounted = 0;
  let items = 0;
  let purchaseDays = 0;
  let prevDay = Number.NaN;
  let secondDay: number | null = null;
  const dayList: number[] = [];
  const daySpend: number[] = [];
  const productDays = new Map<string, number[]>();
  for (const o of counted) {
    const day = dayOf(o.processedAt, settings);
    spend += o.netMinor;
    if (day !== prevDay) {
      purchaseDays++;
      prevDay = day;
      if (purchaseDays === 2) secondDay = day;
      dayList.push(day);
      daySpend.push(0);
    }
    daySpend[daySpend.length - 1]! += o.netMinor;
    if (purchaseDays > 1) repeatSpend += o.netMinor;
    if (o.discountCodes.length > 0) discounted++;
    for (const item of o.lineItems) {
      if (item.quantity > 0) items += item.quantity;
      const key = productKey(item);
      if (key === null || item.quantity <= 0) continue;
      const list = productDays.get(key);
      if (list === undefined) productDays.set(key, [day]);
      else if (list[list.length - 1] !== day) list.push(day);
    }
  }
  const products = productHistories(productDays);
  const first = counted[0];
  const last = counted[counted.length - 1];
  return {
    customerId: customer.customerId,
    orders: counted.length,
    ignoredOrders: customer.orders.length - counted.length - later,
    laterOrders: later,
    spendMinor: spend,
    firstAt: first ? first.processedAt : null,
    lastAt: last ? last.processedAt : null,
    firstDay: first ? dayOf(first.processedAt, settings) : 0,
    lastDay: last ? dayOf(last.processedAt, settings) : 0,
    purchaseDays,
    secondDay,
    repeatSpendMinor: repeatSpend,
    dayList,
    daySpendMinor: daySpend,
    discountedOrders: discounted,
    products,
    items,
    lastEmailClickAt: customer.engagement?.lastEmailClickAt ?? null,
    lastVisitAt: customer.engagement?.lastVisitAt ?? null,
    lastCartAt: customer.engagement?.lastCartAt ?? null,
    viewedProducts: customer.engagement?.viewedProducts ?? [],
    checkout: customer.engagement?.checkout ?? null,
  };
}

/**
 * Summaries as a whole-shop pass holds them, a million at once: every array at its exact length (an
 * array grown by push keeps up to 17 slots) and each product key one string shared by every customer
 * (a shop has few products; each order read from the database brings its own copy of the id).
 * 1,242 → 743 bytes a customer (docs/benchmarks.md, "Memory of a million summaries"). Keys are kept
 * for the compactor's life: one per whole-shop pass.
 */
export class SummaryCompactor {
  private readonly keys = new Map<string, string>();

  /** `s` itself, made compact (a summary just made by summarizeCustomer, not yet shared). */
  compact(s: CustomerSummary): CustomerSummary {
    s.dayList = s.dayList.slice();
    s.daySpendMinor = s.daySpendMinor.slice();
    s.products = s.products.map((p) => {
      let key = this.keys.get(p.key);
      if (key === undefined) this.keys.set(p.key, (key = p.key));
      p.key = key;
      return p;
    });
    return s;
  }
}

/** Every customer's summary, compact (SummaryCompactor); `each` is told how many so far. */
export function summarizeAll(customers: Iterable<CustomerInput>, settings: ShopSettings, asOf: number, each?: (count: number) => void): CustomerSummary[] {
  const compactor = new SummaryCompactor();
  const summaries: CustomerSummary[] = [];
  for (const c of customers) {
    summaries.push(compactor.compact(summarizeCustomer(c, settings, asOf)));
    each?.(summaries.length);
  }
  return summaries;
}
