// REST-shaped webhook payloads (what Shopify sends for orders/*, refunds/create, customers/*, app and
// compliance topics). Numeric ids on the wire, money as strings, shop-local timestamps, tags joined by ', '.
import { formatMoney, gid, isoInZone, JsonId } from './formats.ts';
import {
  currentTotalMinor, discountsMinor, lineItemsTotalMinor, refundedMinor, totalMinor,
} from './store.ts';
import type { CustomerRecord, OrderRecord, RefundRecord, ShopState } from './store.ts';

function moneySet(minor: number, currency: string): object {
  const amount = formatMoney(minor);
  return { shop_money: { amount, currency_code: currency }, presentment_money: { amount, currency_code: currency } };
}

function at(shop: ShopState, ms: number | null): string | null {
  return ms === null ? null : isoInZone(ms, shop.timezone);
}

/** The fields a customer carries both in customers/* payloads and as an order's `customer`. */
function customerFields(shop: ShopState, id: string, c: CustomerRecord | undefined): Record<string, unknown> {
  return {
    id: new JsonId(id),
    email: null,
    created_at: c ? at(shop, c.createdAt) : null,
    updated_at: c ? at(shop, c.updatedAt) : null,
    first_name: null,
    last_name: null,
    state: 'enabled',
    note: null,
    verified_email: true,
    multipass_identifier: null,
    tax_exempt: false,
    phone: null,
    currency: shop.currency,
    tags: c ? c.tags.join(', ') : '',
  };
}

export function customerPayload(shop: ShopState, c: CustomerRecord): object {
  const orders = c.orderIds.map((id) => shop.orders.get(id)).filter((o): o is OrderRecord => o !== undefined);
  const spent = orders.filter((o) => !o.cancelledAt).reduce((s, o) => s + currentTotalMinor(o), 0);
  const last = orders.at(-1);
  return {
    ...customerFields(shop, c.id, c),
    orders_count: orders.length,
    total_spent: formatMoney(spent),
    last_order_id: last ? new JsonId(last.id) : null,
    last_order_name: last ? last.name : null,
    addresses: [],
    tax_exemptions: [],
    admin_graphql_api_id: gid('Customer', c.id),
    default_address: null,
  };
}

function customerStub(shop: ShopState, customerId: string | null): object | null {
  if (!customerId) return null;
  return {
    ...customerFields(shop, customerId, shop.customers.get(customerId)),
    admin_graphql_api_id: gid('Customer', customerId),
    default_address: null,
  };
}

export function refundPayload(shop: ShopState, o: OrderRecord, r: RefundRecord): object {
  return {
    id: new JsonId(r.id),
    admin_graphql_api_id: gid('Refund', r.id),
    order_id: new JsonId(o.id),
    created_at: at(shop, r.createdAt),
    processed_at: at(shop, r.createdAt),
    note: r.note,
    restock: false,
    user_id: null,
    refund_line_items: (r.lineItems ?? []).map((rl, i) => ({
      id: new JsonId(`${r.id}${i}`), line_item_id: new JsonId(rl.lineItemId), quantity: rl.quantity, restock_type: 'return',
    })),
    order_adjustments: [],
    duties: [],
    transactions: [{
      id: new JsonId(r.id),
      admin_graphql_api_id: gid('OrderTransaction', r.id),
      order_id: new JsonId(o.id),
      amount: formatMoney(r.amountMinor),
      currency: o.currency,
      kind: 'refund',
      status: 'success',
      gateway: 'manual',
      created_at: at(shop, r.createdAt),
      processed_at: at(shop, r.createdAt),
      test: o.test,
    }],
  };
}

export function orderPayload(shop: ShopState, o: OrderRecord): object {
  const cur = o.currency;
  const total = totalMinor(o);
  const current = currentTotalMinor(o);
  const discounts = discountsMinor(o);
  const lines = lineItemsTotalMinor(o);
  return {
    id: new JsonId(o.id),
    admin_graphql_api_id: gid('Order', o.id),
    app_id: null,
    browser_ip: null,
    buyer_accepts_marketing: false,
    cancel_reason: o.cancelReason,
    cancelled_at: at(shop, o.cancelledAt),
    closed_at: null,
    confirmation_number: `SIM${o.number}`,
    confirmed: true,
    contact_email: null,
    created_at: at(shop, o.createdAt),
    currency: cur,
    current_subtotal_price: formatMoney(current),
    current_subtotal_price_set: moneySet(current, cur),
    current_total_discounts: formatMoney(discounts),
    current_total_discounts_set: moneySet(discounts, cur),
    current_total_price: formatMoney(current),
    current_total_price_set: moneySet(current, cur),
    current_total_tax: '0.00',
    current_total_tax_set: moneySet(0, cur),
    discount_codes: o.discountCodes.map((d) => ({ code: d.code, amount: formatMoney(d.amountMinor), type: d.type })),
    email: null,
    financial_status: o.financialStatus,
    fulfillment_status: null,
    name: o.name,
    note: null,
    number: o.number - 1000,
    order_number: o.number,
    phone: null,
    presentment_currency: cur,
    processed_at: at(shop, o.processedAt),
    source_name: o.sourceName,
    subtotal_price: formatMoney(total),
    subtotal_price_set: moneySet(total, cur),
    tags: o.tags.join(', '),
    taxes_included: false,
    test: o.test,
    total_discounts: formatMoney(discounts),
    total_discounts_set: moneySet(discounts, cur),
    total_line_items_price: formatMoney(lines),
    total_line_items_price_set: moneySet(lines, cur),
    total_outstanding: o.financialStatus === 'pending' ? formatMoney(total) : '0.00',
    total_price: formatMoney(total),
    total_price_set: moneySet(total, cur),
    total_refunded: formatMoney(refundedMinor(o)),
    total_tax: '0.00',
    total_tax_set: moneySet(0, cur),
    updated_at: at(shop, o.updatedAt),
    customer: customerStub(shop, o.customerId),
    // B2B orders name the company and its location (https://shopify.dev/docs/api/admin-rest/latest/resources/order).
    company: o.company ? { id: new JsonId(o.company.id), location_id: new JsonId(o.company.locationId) } : null,
    line_items: o.lineItems.map((li) => ({
      id: new JsonId(li.id),
      admin_graphql_api_id: gid('LineItem', li.id),
      name: li.title,
      title: li.title,
      price: formatMoney(li.priceMinor),
      price_set: moneySet(li.priceMinor, cur),
      quantity: li.quantity,
      // After refunded and removed units (https://shopify.dev/changelog/addition-of-lineitem-current_quantity-on-admin-rest-api).
      current_quantity: li.currentQuantity,
      sku: li.sku,
      product_id: li.productId ? new JsonId(li.productId) : null,
      variant_id: li.variantId ? new JsonId(li.variantId) : null,
      total_discount: '0.00',
      total_discount_set: moneySet(0, cur),
      gift_card: false,
      taxable: true,
    })),
    refunds: o.refunds.map((r) => refundPayload(shop, o, r)),
  };
}

export function shopPayload(shop: ShopState): object {
  return {
    id: new JsonId(shop.id),
    name: shop.name,
    email: null,
    domain: shop.domain,
    myshopify_domain: shop.domain,
    iana_timezone: shop.timezone,
    currency: shop.currency,
    plan_name: shop.plan,
    created_at: null,
    updated_at: null,
  };
}
