// A seeded synthetic shop that is not held in memory (the 'streamed' model of seed-synthetic.ts, for
// bench:scale's million customers). Each customer's orders are generated from the seed and the
// customer's index whenever they are read — by the bulk query that writes the JSONL file
// (bulk-operations.ts renders them batch by batch and streams the lines to disk), the webhook payloads,
// the resolvers — so the millions of order objects never exist at once. The bulk query's JSONL goes to
// a file as it is rendered and is served from the operation's url once COMPLETED, as Shopify's result
// file (https://shopify.dev/docs/api/admin-graphql/unstable/queries/bulkOperation: "When completed, the
// url field contains a link to download results in JSONL format"). What can change is kept: the
// customer records (tags, updated_at; a few small fields each) and every order that the simulator
// itself changes or adds afterwards (merchant actions, tagsAdd on an order), which is pinned in
// `StreamedOrders` as a normal record.
//
// Ids are arithmetic so an id finds its customer without an index: order = ORDER_BASE + i × stride + k
// (k-th order of customer i), its line items LINE_ITEM_BASE + (i × stride + k) × 4 + j. The bases sit
// below the ids the simulator hands out itself (simulator.ts #seq), so later orders never collide.
import { derivedPrng } from '../seeded-random.ts';
import { SortedIdMap, type CustomerRecord, type FinancialStatus, type OrderRecord, type OrderTable } from './store.ts';

const DAY = 86_400_000;
const CUSTOMER_BASE = 7_000_000_000_000;
const ORDER_BASE = 5_000_000_000_000;
const LINE_ITEM_BASE = 12_000_000_000_000;
const REFUND_BASE = 9_000_000_000_000;
const MAX_LINE_ITEMS = 4;

export interface StreamedShopParams {
  customers: number;
  seed: number;
  /** History ends here (epoch ms). */
  asOf: number;
  historyDays: number;
  /** At most this many orders per customer (also the id stride). */
  maxOrders: number;
  /** floor(Exponential(scale)) orders before the cap. */
  scale: number;
  currency: string;
}

export const streamedCustomerId = (i: number): string => String(CUSTOMER_BASE + i);

/** Customer i's creation time and orders (oldest first), from (seed, i) alone: the same on every call. */
export function streamedCustomer(p: StreamedShopParams, i: number): { createdAt: number; orders: OrderRecord[] } {
  const rng = derivedPrng(p.seed, `streamed-shop/${i}`);
  const createdAt = p.asOf - rng.int(1, p.historyDays) * DAY - rng.int(0, DAY - 1);
  // Skewed order counts: many one-time buyers, a tail of loyal ones.
  const n = Math.min(p.maxOrders, Math.floor(-Math.log(1 - rng.next() * 0.999) * p.scale));
  const times: number[] = [];
  for (let k = 0; k < n; k++) times.push(createdAt + Math.floor(rng.next() * (p.asOf - createdAt)));
  times.sort((a, b) => a - b);
  const orders = times.map((t, k): OrderRecord => {
    const seq = i * p.maxOrders + k;
    const status: FinancialStatus = rng.chance(0.05) ? 'refunded' : rng.chance(0.03) ? 'pending' : 'paid';
    const lineItems = Array.from({ length: rng.int(1, 3) }, (_, j) => {
      const product = rng.int(1, 200);
      const quantity = rng.int(1, 3);
      return {
        id: String(LINE_ITEM_BASE + seq * MAX_LINE_ITEMS + j), quantity, currentQuantity: quantity, priceMinor: rng.int(4, 120) * 100 + rng.int(0, 99),
        sku: `SKU-${product}`, title: `Product ${product}`, productId: String(8_000_000_000_000 + product), variantId: String(44_000_000_000_000 + product),
      };
    });
    const sourceName = rng.chance(0.2) ? 'pos' : 'web';
    const discountCodes = rng.chance(0.1) ? [{ code: 'WELCOME10', amountMinor: 100, type: 'fixed_amount' as const }] : [];
    const number = 1001 + seq;
    const o: OrderRecord = {
      id: String(ORDER_BASE + seq), number, name: `#${number}`, customerId: streamedCustomerId(i), createdAt: t, processedAt: t,
      updatedAt: t + rng.int(0, 3600_000), cancelledAt: null, cancelReason: null, test: false,
      financialStatus: status === 'refunded' ? 'paid' : status, currency: p.currency, lineItems, discountCodes, refunds: [], sourceName, tags: [], company: null,
    };
    if (status === 'refunded') {
      const refundAt = Math.min(p.asOf, o.updatedAt + rng.int(1, 14) * DAY);
      const amountMinor = Math.max(0, lineItems.reduce((s, li) => s + li.quantity * li.priceMinor, 0) - discountCodes.reduce((s, d) => s + d.amountMinor, 0));
      o.refunds.push({ id: String(REFUND_BASE + seq), createdAt: refundAt, amountMinor, note: null });
      o.financialStatus = 'refunded';
      o.updatedAt = refundAt;
    }
    return o;
  });
  return { createdAt, orders };
}

/**
 * A customer record whose order ids are computed from its index (no array held per customer until
 * one is assigned: the store assigns a new array when an order is added or deleted).
 */
export function streamedCustomerRecord(p: StreamedShopParams, i: number, fields: { tags: string[]; createdAt: number; updatedAt: number; orders: number }): CustomerRecord {
  let ids: string[] | null = null;
  const first = ORDER_BASE + i * p.maxOrders;
  const n = fields.orders;
  return {
    id: streamedCustomerId(i), tags: fields.tags, createdAt: fields.createdAt, updatedAt: fields.updatedAt,
    get orderIds(): string[] { return ids ?? Array.from({ length: n }, (_, k) => String(first + k)); },
    set orderIds(v: string[]) { ids = v; },
  };
}

/** The shop's orders: generated on read, except the ones the simulator changed, added or deleted since. */
export class StreamedOrders implements OrderTable {
  readonly #p: StreamedShopParams;
  readonly #total: number;
  /** Orders written through the simulator after seeding (changed synthetic ones and new ones). */
  readonly #own = new SortedIdMap<OrderRecord>();
  readonly #deleted = new Set<string>();
  /** The last customer generated: a customer's orders are usually read one after another. */
  #last: { i: number; orders: OrderRecord[] } | null = null;

  constructor(p: StreamedShopParams, total: number) {
    this.#p = p;
    this.#total = total;
  }

  #ordersOf(i: number): OrderRecord[] {
    if (this.#last?.i !== i) this.#last = { i, orders: streamedCustomer(this.#p, i).orders };
    return this.#last.orders;
  }

  #synthetic(id: string): OrderRecord | undefined {
    const n = Number(id);
    if (!Number.isSafeInteger(n) || n < ORDER_BASE) return undefined;
    const i = Math.floor((n - ORDER_BASE) / this.#p.maxOrders);
    if (i >= this.#p.customers) return undefined;
    return this.#ordersOf(i)[(n - ORDER_BASE) % this.#p.maxOrders];
  }

  get size(): number {
    let added = 0;
    for (const id of this.#own.ids) if (!this.#synthetic(id)) added++;
    return this.#total - this.#deleted.size + added;
  }

  get(id: string): OrderRecord | undefined {
    if (this.#deleted.has(id)) return undefined;
    return this.#own.get(id) ?? this.#synthetic(id);
  }

  /** Also pins a generated order that a caller changes in place (see ShopState.orders). */
  set(id: string, o: OrderRecord): void {
    this.#deleted.delete(id);
    this.#own.set(id, o);
  }

  delete(id: string): boolean {
    const had = this.get(id) !== undefined;
    this.#own.delete(id);
    if (had && this.#synthetic(id)) this.#deleted.add(id);
    return had;
  }

  /** In id order: the generated ones (customer by customer), then the ones added later (higher ids). */
  *values(): IterableIterator<OrderRecord> {
    for (let i = 0; i < this.#p.customers; i++) {
      for (const o of streamedCustomer(this.#p, i).orders) {
        if (!this.#deleted.has(o.id)) yield this.#own.get(o.id) ?? o;
      }
    }
    for (const o of this.#own.values()) if (!this.#synthetic(o.id)) yield o;
  }
}
