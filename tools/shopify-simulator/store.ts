// The in-memory data of one simulated shop: customers, orders, tags. Ids are numeric strings (Shopify
// ids can pass 2^53), money is integer minor units, instants are epoch ms.
import { Prng } from '../seeded-random.ts';

export type Plan = 'standard' | 'advanced' | 'plus' | 'enterprise';
export type FinancialStatus = 'pending' | 'authorized' | 'partially_paid' | 'paid' | 'partially_refunded' | 'refunded' | 'voided';

export interface CustomerRecord {
  id: string;
  tags: string[];
  createdAt: number;
  updatedAt: number;
  /** Ids of the customer's orders, oldest first. */
  orderIds: string[];
  /** Protected customer fields (level 2): only `Customer.displayName` reads them, for apps approved for names. */
  firstName?: string | null;
  lastName?: string | null;
}

export interface LineItemRecord {
  id: string;
  quantity: number;
  /** quantity less refunded and removed units (Shopify's currentQuantity / current_quantity). */
  currentQuantity: number;
  priceMinor: number;
  sku: string | null;
  title: string;
  productId: string | null;
  variantId: string | null;
}

export interface RefundRecord {
  id: string;
  createdAt: number;
  amountMinor: number;
  note: string | null;
  /** Units given back (REST refund_line_items); absent on money-only refunds. */
  lineItems?: Array<{ lineItemId: string; quantity: number }>;
}

export interface DiscountRecord {
  code: string;
  amountMinor: number;
  type: 'fixed_amount' | 'percentage' | 'shipping';
}

export interface OrderRecord {
  id: string;
  number: number;
  name: string;
  customerId: string | null;
  createdAt: number;
  processedAt: number;
  updatedAt: number;
  cancelledAt: number | null;
  cancelReason: string | null;
  test: boolean;
  financialStatus: FinancialStatus;
  currency: string;
  lineItems: LineItemRecord[];
  discountCodes: DiscountRecord[];
  refunds: RefundRecord[];
  sourceName: string | null;
  tags: string[];
  /** B2B: the purchasing company and location (Order.purchasingEntity; REST `company`), else null. */
  company: { id: string; locationId: string } | null;
}

export function lineItemsTotalMinor(o: OrderRecord): number {
  return o.lineItems.reduce((sum, li) => sum + li.quantity * li.priceMinor, 0);
}
export function discountsMinor(o: OrderRecord): number {
  return o.discountCodes.reduce((sum, d) => sum + d.amountMinor, 0);
}
export function totalMinor(o: OrderRecord): number {
  return Math.max(0, lineItemsTotalMinor(o) - discountsMinor(o));
}
export function refundedMinor(o: OrderRecord): number {
  return o.refunds.reduce((sum, r) => sum + r.amountMinor, 0);
}
/** Shopify's current_total_price: after refunds (and edits, which the simulator does not model). */
export function currentTotalMinor(o: OrderRecord): number {
  return Math.max(0, totalMinor(o) - refundedMinor(o));
}

/** Numeric-string order: shorter is smaller, then lexicographic. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Shopify splits tag input on commas, trims, drops empties; tags compare case-insensitively. */
export function splitTags(input: readonly string[]): string[] {
  return input.flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t.length > 0);
}

export function sortTags(tags: string[]): string[] {
  return tags.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()) || (a < b ? -1 : a > b ? 1 : 0));
}

export function mergeTags(existing: readonly string[], add: readonly string[]): string[] {
  const seen = new Set(existing.map((t) => t.toLowerCase()));
  const out = [...existing];
  for (const t of add) {
    if (!seen.has(t.toLowerCase())) {
      seen.add(t.toLowerCase());
      out.push(t);
    }
  }
  return sortTags(out);
}

export function withoutTags(existing: readonly string[], remove: readonly string[]): string[] {
  const gone = new Set(remove.map((t) => t.toLowerCase()));
  return existing.filter((t) => !gone.has(t.toLowerCase()));
}

export interface Faults {
  /** Probability that a GraphQL request is answered with errorStatus instead (seeded per shop). */
  errorRate: number;
  errorStatus: number;
  /** Added before every GraphQL answer (real time). */
  latencyMs: number;
  /** Every request is THROTTLED while true. */
  throttle: boolean;
  /** The next N requests are THROTTLED whatever the bucket holds (deterministic, clock-independent). */
  throttleNext: number;
  /** Bulk operations started while set stop halfway and end FAILED with this error code. */
  bulkFailure: string | null;
  /** Bulk operations stay CREATED while true (deterministic tests of polling, limits and cancel). */
  holdBulk: boolean;
}

export interface ShopStats {
  apiCalls: number;
  pointsUsed: number;
  throttled: number;
  injected5xx: number;
  bulkOperations: { query: number; mutation: number };
}

/** What the shop's orders are kept in: a SortedIdMap, or generated on read (streamed-shop.ts). */
export interface OrderTable {
  readonly size: number;
  get(id: string): OrderRecord | undefined;
  set(id: string, value: OrderRecord): void;
  delete(id: string): boolean;
  values(): IterableIterator<OrderRecord>;
}

/** Keeps a sorted id array next to a map so pagination is a binary search, not a sort per page. */
export class SortedIdMap<T> {
  readonly byId = new Map<string, T>();
  readonly ids: string[] = [];
  get size(): number {
    return this.byId.size;
  }
  get(id: string): T | undefined {
    return this.byId.get(id);
  }
  set(id: string, value: T): void {
    if (!this.byId.has(id)) {
      const at = this.lowerBound(id);
      this.ids.splice(at, 0, id);
    }
    this.byId.set(id, value);
  }
  delete(id: string): boolean {
    if (!this.byId.delete(id)) return false;
    const at = this.lowerBound(id);
    if (this.ids[at] === id) this.ids.splice(at, 1);
    return true;
  }
  /** First index whose id is ≥ id. */
  lowerBound(id: string): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.ids[mid] as string, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  *values(): IterableIterator<T> {
    for (const id of this.ids) yield this.byId.get(id) as T;
  }
}

export interface ShopInit {
  id: string;
  domain: string;
  name: string;
  plan: Plan;
  scopes: string[];
  timezone: string;
  currency: string;
  seed: number;
}

export class ShopState {
  readonly id: string;
  readonly domain: string;
  readonly name: string;
  readonly plan: Plan;
  scopes: string[];
  readonly timezone: string;
  readonly currency: string;
  readonly customers = new SortedIdMap<CustomerRecord>();
  /**
   * A caller that changes an order in place writes it back with set() (a no-op here; it keeps the
   * change when the orders are generated on read, streamed-shop.ts).
   */
  orders: OrderTable = new SortedIdMap<OrderRecord>();
  nextOrderNumber = 1001;
  faults: Faults = { errorRate: 0, errorStatus: 503, latencyMs: 0, throttle: false, throttleNext: 0, bulkFailure: null, holdBulk: false };
  readonly faultPrng: Prng;
  readonly stats: ShopStats = { apiCalls: 0, pointsUsed: 0, throttled: 0, injected5xx: 0, bulkOperations: { query: 0, mutation: 0 } };

  constructor(init: ShopInit) {
    this.id = init.id;
    this.domain = init.domain;
    this.name = init.name;
    this.plan = init.plan;
    this.scopes = init.scopes;
    this.timezone = init.timezone;
    this.currency = init.currency;
    this.faultPrng = new Prng(init.seed);
  }

  addCustomer(c: CustomerRecord): void {
    this.customers.set(c.id, c);
  }

  addOrder(o: OrderRecord): void {
    this.orders.set(o.id, o);
    if (o.customerId) {
      const c = this.customers.get(o.customerId);
      // Assigned, not pushed: a streamed customer's ids are computed until assigned (streamed-shop.ts).
      if (c && !c.orderIds.includes(o.id)) c.orderIds = [...c.orderIds, o.id].sort(compareIds);
    }
  }

  deleteOrder(id: string): OrderRecord | undefined {
    const o = this.orders.get(id);
    if (!o) return undefined;
    this.orders.delete(id);
    const c = o.customerId ? this.customers.get(o.customerId) : undefined;
    if (c) c.orderIds = c.orderIds.filter((x) => x !== id);
    return o;
  }

  deleteCustomer(id: string): CustomerRecord | undefined {
    const c = this.customers.get(id);
    if (!c) return undefined;
    this.customers.delete(id);
    for (const oid of c.orderIds) {
      const o = this.orders.get(oid);
      if (o) o.customerId = null;
    }
    return c;
  }
}

export const RESTORE_RATE: Record<Plan, number> = { standard: 100, advanced: 200, plus: 1000, enterprise: 2000 };
export const PLAN_DISPLAY_NAME: Record<Plan, string> = {
  standard: 'Shopify', advanced: 'Advanced', plus: 'Shopify Plus', enterprise: 'Commerce Components',
};
/**
 * ShopPlan.publicDisplayName: the standardised names ("Shopify" is now "Grow"); the documented list
 * has no Commerce Components entry, so that plan answers "Other".
 * https://shopify.dev/docs/api/admin-graphql/2026-10/objects/ShopPlan
 */
export const PLAN_PUBLIC_DISPLAY_NAME: Record<Plan, string> = {
  standard: 'Grow', advanced: 'Advanced', plus: 'Plus', enterprise: 'Other',
};
