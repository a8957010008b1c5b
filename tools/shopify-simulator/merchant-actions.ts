// What merchants and buyers do in a shop — create customers and orders, pay, refund, cancel, delete,
// edit tags in the admin — each firing the webhooks Shopify fires, with a fresh updated_at.
import type { Clock } from './clock.ts';
import { gid, parseGid, parseMoney, JsonId } from './formats.ts';
import { currentTotalMinor, mergeTags, refundedMinor, splitTags, totalMinor } from './store.ts';
import type { CustomerRecord, FinancialStatus, OrderRecord, RefundRecord, ShopState } from './store.ts';
import { customerPayload, orderPayload, refundPayload } from './webhook-payloads.ts';

export type TimeInput = number | Date | string;

export interface LineItemInput {
  quantity: number;
  price: string | number;
  sku?: string | null;
  productId?: string | null;
  variantId?: string | null;
  title?: string;
}

export interface CreateOrderInput {
  customerId: string | null;
  createdAt?: TimeInput;
  processedAt?: TimeInput;
  currency?: string;
  financialStatus?: FinancialStatus;
  lineItems?: LineItemInput[];
  totalPrice?: string | number;
  discountCodes?: Array<{ code: string; amount: string | number; type?: 'fixed_amount' | 'percentage' | 'shipping' }>;
  sourceName?: string | null;
  tags?: string[];
  test?: boolean;
  /** A B2B order: bought for this company location (Order.purchasingEntity / REST `company`). */
  company?: { id: string; locationId: string } | null;
}

/** Units of line items given back in a refund (they leave currentQuantity, as on Shopify). */
export interface RefundLineItemInput {
  lineItemId: string;
  quantity: number;
}

export function toMs(t: TimeInput): number {
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${String(t)}`);
  return ms;
}

export interface MerchantActionDeps {
  clock: Clock;
  shop(domain: string): ShopState;
  emit(shop: ShopState, topic: string, payload: object): void;
  nextId(kind: 'customer' | 'order' | 'lineItem' | 'refund'): string;
}

export class MerchantActions {
  readonly #d: MerchantActionDeps;

  constructor(deps: MerchantActionDeps) {
    this.#d = deps;
  }

  createCustomer(shopDomain: string, input: { id?: string; tags?: string[]; createdAt?: TimeInput; firstName?: string; lastName?: string } = {}, silent = false): CustomerRecord {
    const shop = this.#d.shop(shopDomain);
    const id = input.id ?? this.#d.nextId('customer');
    if (shop.customers.get(id)) throw new Error(`customer ${id} exists`);
    const now = this.#d.clock.now();
    const createdAt = input.createdAt === undefined ? now : toMs(input.createdAt);
    const c: CustomerRecord = { id, tags: mergeTags([], splitTags(input.tags ?? [])), createdAt, updatedAt: Math.max(createdAt, silent ? createdAt : now), orderIds: [], ...(input.firstName !== undefined ? { firstName: input.firstName } : {}), ...(input.lastName !== undefined ? { lastName: input.lastName } : {}) };
    shop.addCustomer(c);
    if (!silent) this.#d.emit(shop, 'customers/create', customerPayload(shop, c));
    return c;
  }

  /** A merchant edits tags in the admin: replaces all tags and fires customers/update. */
  setMerchantTags(shopDomain: string, customerId: string, tags: string[]): CustomerRecord {
    const shop = this.#d.shop(shopDomain);
    const c = this.#customer(shop, customerId);
    c.tags = mergeTags([], splitTags(tags));
    c.updatedAt = Math.max(this.#d.clock.now(), c.updatedAt);
    this.#d.emit(shop, 'customers/update', customerPayload(shop, c));
    return c;
  }

  deleteCustomer(shopDomain: string, customerId: string): void {
    const shop = this.#d.shop(shopDomain);
    const c = this.#customer(shop, customerId);
    shop.deleteCustomer(c.id);
    this.#d.emit(shop, 'customers/delete', { id: new JsonId(c.id), phone: null, addresses: [], tax_exemptions: [], email_marketing_consent: null, sms_marketing_consent: null, admin_graphql_api_id: gid('Customer', c.id) });
  }

  getCustomer(shopDomain: string, id: string): CustomerRecord | undefined {
    const p = parseGid(id);
    return p ? this.#d.shop(shopDomain).customers.get(p.id) : undefined;
  }

  listCustomers(shopDomain: string): CustomerRecord[] {
    return [...this.#d.shop(shopDomain).customers.values()];
  }

  getOrder(shopDomain: string, id: string): OrderRecord | undefined {
    const p = parseGid(id);
    return p ? this.#d.shop(shopDomain).orders.get(p.id) : undefined;
  }

  listOrders(shopDomain: string, filter: { customerId?: string } = {}): OrderRecord[] {
    const all = [...this.#d.shop(shopDomain).orders.values()];
    return filter.customerId ? all.filter((o) => o.customerId === filter.customerId) : all;
  }

  #customer(shop: ShopState, id: string): CustomerRecord {
    const p = parseGid(id);
    const c = p ? shop.customers.get(p.id) : undefined;
    if (!c) throw new Error(`unknown customer ${id} in ${shop.domain}`);
    return c;
  }

  #order(shop: ShopState, id: string): OrderRecord {
    const p = parseGid(id);
    const o = p ? shop.orders.get(p.id) : undefined;
    if (!o) throw new Error(`unknown order ${id} in ${shop.domain}`);
    // The caller changes it in place: kept when the orders are generated on read (streamed-shop.ts).
    shop.orders.set(o.id, o);
    return o;
  }

  /** Builds an order record (no webhooks); used by createOrder and the seeders. */
  buildOrder(shop: ShopState, input: CreateOrderInput, updatedAt: number): OrderRecord {
    const createdAt = input.createdAt === undefined ? this.#d.clock.now() : toMs(input.createdAt);
    const processedAt = input.processedAt === undefined ? createdAt : toMs(input.processedAt);
    const items = input.lineItems ?? [{ quantity: 1, price: input.totalPrice ?? '10.00' }];
    const number = shop.nextOrderNumber++;
    return {
      id: this.#d.nextId('order'), number, name: `#${number}`, customerId: input.customerId ? (parseGid(input.customerId)?.id ?? input.customerId) : null,
      createdAt, processedAt, updatedAt: Math.max(updatedAt, createdAt), cancelledAt: null, cancelReason: null, test: input.test ?? false,
      financialStatus: input.financialStatus ?? 'paid', currency: input.currency ?? shop.currency,
      lineItems: items.map((li) => ({
        id: this.#d.nextId('lineItem'), quantity: li.quantity, currentQuantity: li.quantity, priceMinor: parseMoney(li.price), sku: li.sku ?? null,
        title: li.title ?? (li.sku ? `Product ${li.sku}` : 'Product'), productId: li.productId ?? null, variantId: li.variantId ?? null,
      })),
      discountCodes: (input.discountCodes ?? []).map((d) => ({ code: d.code, amountMinor: parseMoney(d.amount), type: d.type ?? 'fixed_amount' })),
      refunds: [], sourceName: input.sourceName === undefined ? 'web' : input.sourceName, tags: mergeTags([], splitTags(input.tags ?? [])),
      company: input.company ?? null,
    };
  }

  createOrder(shopDomain: string, input: CreateOrderInput): OrderRecord {
    const shop = this.#d.shop(shopDomain);
    if (input.customerId) this.#customer(shop, input.customerId);
    const o = this.buildOrder(shop, input, this.#d.clock.now());
    shop.addOrder(o);
    const c = o.customerId ? shop.customers.get(o.customerId) : undefined;
    if (c) c.updatedAt = Math.max(c.updatedAt, this.#d.clock.now());
    this.#d.emit(shop, 'orders/create', orderPayload(shop, o));
    if (o.financialStatus === 'paid') this.#d.emit(shop, 'orders/paid', orderPayload(shop, o));
    return o;
  }

  #touch(o: OrderRecord): void {
    // A fresh updated_at for every change, strictly increasing even under a frozen fake clock.
    o.updatedAt = Math.max(this.#d.clock.now(), o.updatedAt + 1000);
  }

  updateOrder(shopDomain: string, orderId: string, patch: { tags?: string[]; test?: boolean; sourceName?: string | null }): OrderRecord {
    const shop = this.#d.shop(shopDomain);
    const o = this.#order(shop, orderId);
    if (patch.tags) o.tags = mergeTags([], splitTags(patch.tags));
    if (patch.test !== undefined) o.test = patch.test;
    if (patch.sourceName !== undefined) o.sourceName = patch.sourceName;
    this.#touch(o);
    this.#d.emit(shop, 'orders/updated', orderPayload(shop, o));
    return o;
  }

  markOrderPaid(shopDomain: string, orderId: string): OrderRecord {
    const shop = this.#d.shop(shopDomain);
    const o = this.#order(shop, orderId);
    o.financialStatus = 'paid';
    this.#touch(o);
    this.#d.emit(shop, 'orders/paid', orderPayload(shop, o));
    this.#d.emit(shop, 'orders/updated', orderPayload(shop, o));
    return o;
  }

  /**
   * Refunds money and, with lineItems, units: those leave the line item's current quantity
   * (https://shopify.dev/changelog/addition-of-lineitem-current_quantity-on-admin-rest-api). Without
   * an amount, refunds the value of the listed units (or, with none listed, everything left).
   */
  refundOrder(shopDomain: string, orderId: string, opts: { amount?: string | number; note?: string; lineItems?: RefundLineItemInput[] } = {}): OrderRecord {
    const shop = this.#d.shop(shopDomain);
    const o = this.#order(shop, orderId);
    const units = (opts.lineItems ?? []).map((r) => {
      const li = o.lineItems.find((l) => l.id === (parseGid(r.lineItemId)?.id ?? r.lineItemId));
      if (!li) throw new Error(`unknown line item ${r.lineItemId} on order ${o.id}`);
      if (r.quantity <= 0 || r.quantity > li.currentQuantity) throw new Error(`cannot refund ${r.quantity} of line item ${li.id} (current quantity ${li.currentQuantity})`);
      return { li, quantity: r.quantity };
    });
    const unitsValue = units.reduce((sum, u) => sum + u.quantity * u.li.priceMinor, 0);
    const amount = opts.amount !== undefined ? parseMoney(opts.amount) : units.length > 0 ? Math.min(unitsValue, currentTotalMinor(o)) : currentTotalMinor(o);
    for (const u of units) u.li.currentQuantity -= u.quantity;
    this.#refund(shop, o, amount, opts.note ?? null, units.map((u) => ({ lineItemId: u.li.id, quantity: u.quantity })));
    this.#d.emit(shop, 'orders/updated', orderPayload(shop, o));
    return o;
  }

  #refund(shop: ShopState, o: OrderRecord, amountMinor: number, note: string | null, lineItems: RefundRecord['lineItems'] = []): void {
    const remaining = currentTotalMinor(o);
    if (amountMinor <= 0 || amountMinor > remaining) throw new Error(`refund of ${amountMinor} exceeds refundable ${remaining} on order ${o.id}`);
    this.#touch(o);
    const r: RefundRecord = { id: this.#d.nextId('refund'), createdAt: this.#d.clock.now(), amountMinor, note, lineItems };
    o.refunds.push(r);
    o.financialStatus = refundedMinor(o) >= totalMinor(o) ? 'refunded' : 'partially_refunded';
    this.#d.emit(shop, 'refunds/create', refundPayload(shop, o, r));
  }

  /** Cancels (refunding what is left unless refund: false) → orders/cancelled (+ refunds/create) + orders/updated. */
  cancelOrder(shopDomain: string, orderId: string, opts: { reason?: string; refund?: boolean } = {}): OrderRecord {
    const shop = this.#d.shop(shopDomain);
    const o = this.#order(shop, orderId);
    if (o.cancelledAt !== null) throw new Error(`order ${o.id} is already cancelled`);
    if (opts.refund !== false && (o.financialStatus === 'paid' || o.financialStatus === 'partially_refunded') && currentTotalMinor(o) > 0) {
      this.#refund(shop, o, currentTotalMinor(o), 'Order cancelled');
    } else if (o.financialStatus === 'pending' || o.financialStatus === 'authorized') {
      o.financialStatus = 'voided';
    }
    this.#touch(o);
    o.cancelledAt = o.updatedAt;
    o.cancelReason = opts.reason ?? 'customer';
    this.#d.emit(shop, 'orders/cancelled', orderPayload(shop, o));
    this.#d.emit(shop, 'orders/updated', orderPayload(shop, o));
    return o;
  }

  deleteOrder(shopDomain: string, orderId: string): void {
    const shop = this.#d.shop(shopDomain);
    const o = this.#order(shop, orderId);
    shop.deleteOrder(o.id);
    this.#d.emit(shop, 'orders/delete', { id: new JsonId(o.id) });
  }
}
