// Field resolvers. Records travel through graphql-js wrapped as { __typename, rec } so the Node
// interface resolves and every field of a record type has an explicit resolver.
import { GraphQLError } from 'graphql';
import { formatMoney, gid, isoUtc, parseGid } from './formats.ts';
import { paginate } from './connection.ts';
import type { ConnectionArgs } from './connection.ts';
import type { RequestContext, UserError } from './context.ts';
import type { BulkOperationRecord } from './bulk-record.ts';
import {
  customerKey, lineItemKey, listCustomerOrders, listCustomers, listLineItems, listOrders, orderKey, orderVisible, requireScope,
} from './sources.ts';
import {
  currentTotalMinor, discountsMinor, mergeTags, PLAN_DISPLAY_NAME, PLAN_PUBLIC_DISPLAY_NAME, refundedMinor, splitTags, totalMinor, withoutTags,
} from './store.ts';
import type { CustomerRecord, LineItemRecord, OrderRecord, RefundRecord } from './store.ts';
import { SHOPIFY_OBJECT_RESOLVERS } from './shopify-objects.ts';
import { WEB_PIXEL_RESOLVERS } from './web-pixels.ts';
import { ABANDONED_CHECKOUT_RESOLVERS } from './checkout-store.ts';

export interface Wrapped<T> {
  __typename: string;
  rec: T;
}

const wrap = <T>(__typename: string) => (rec: T): Wrapped<T> => ({ __typename, rec });
export const wrapCustomer = wrap<CustomerRecord>('Customer');
export const wrapOrder = wrap<OrderRecord>('Order');
const wrapLineItem = wrap<LineItemRecord>('LineItem');
const wrapRefund = wrap<RefundRecord>('Refund');
export const wrapBulk = wrap<BulkOperationRecord>('BulkOperation');

type Args = Record<string, unknown>;
type Resolver<S> = (source: S, args: Args, ctx: RequestContext) => unknown;
type W<T> = Wrapped<T>;

function money(minor: number, currency: string): object {
  return { amount: formatMoney(minor), currencyCode: currency };
}
function moneyBag(minor: number, currency: string): object {
  const m = money(minor, currency);
  return { shopMoney: m, presentmentMoney: m };
}
const date = (ms: number | null): string | null => (ms === null ? null : isoUtc(ms));

function amountSpent(ctx: RequestContext, c: CustomerRecord): number {
  let sum = 0;
  for (const id of c.orderIds) {
    const o = ctx.shop.orders.get(id);
    if (o && !o.test) sum += currentTotalMinor(o);
  }
  return sum;
}

/**
 * Customer.displayName, a protected customer field. An app not approved for customer names gets HTTP 200
 * with an entry in `errors` ("This app is not approved to access the Customer object. See
 * https://partners.shopify.com/…/customer_data for more details.", `path` ending at the field) and the
 * field null — shopify.dev, "Using protected customer data" / "Example API requests for protected
 * customer data": https://shopify.dev/docs/apps/launch/protected-customer-data. displayName is non-null,
 * so graphql-js nulls the nearest nullable parent (in `nodes(ids:)`, that customer's entry).
 * Approved: first and last name; without a name Shopify falls back to e-mail, then phone, each only
 * with access to it, else "•••", and "" when there is none (https://shopify.dev/changelog/displayname-no-longer-exposes-unapproved-email-or-phone);
 * the simulator keeps no e-mails or phones, so a customer without a name reads "".
 */
function customerDisplayName(ctx: RequestContext, c: CustomerRecord): string {
  if (!ctx.install.app.customerFields.includes('name')) {
    throw new GraphQLError(`This app is not approved to access the Customer object. See https://partners.shopify.com/${ctx.shop.id}/apps/${ctx.install.id}/customer_data for more details.`);
  }
  return [c.firstName, c.lastName].filter((x): x is string => Boolean(x)).join(' ');
}

/** Resolves a gid to a wrapped record the app may see, or null. */
export function resolveNode(ctx: RequestContext, id: string): unknown {
  const parsed = parseGid(id);
  if (!parsed?.type) return null;
  switch (parsed.type) {
    case 'Customer': {
      requireScope(ctx, 'read_customers', 'customer');
      const c = ctx.shop.customers.get(parsed.id);
      return c ? wrapCustomer(c) : null;
    }
    case 'Order': {
      requireScope(ctx, 'read_orders', 'order');
      const o = ctx.shop.orders.get(parsed.id);
      return o && orderVisible(ctx, o) ? wrapOrder(o) : null;
    }
    case 'BulkOperation': {
      const op = ctx.hooks.bulk.get(ctx, id);
      return op ? wrapBulk(op) : null;
    }
    case 'Shop':
      return parsed.id === ctx.shop.id ? shopObject(ctx) : null;
    default:
      return null;
  }
}

function shopObject(ctx: RequestContext): object {
  const s = ctx.shop;
  return {
    __typename: 'Shop', id: gid('Shop', s.id), name: s.name, myshopifyDomain: s.domain, ianaTimezone: s.timezone,
    currencyCode: s.currency,
    plan: { displayName: PLAN_DISPLAY_NAME[s.plan], publicDisplayName: PLAN_PUBLIC_DISPLAY_NAME[s.plan], partnerDevelopment: false, shopifyPlus: s.plan === 'plus' || s.plan === 'enterprise' },
    // Every distinct tag on the shop's customers (Shopify compares tags case-insensitively), sorted.
    customerTags: (args: Args) => {
      const first = Number(args.first);
      if (!Number.isInteger(first) || first < 1 || first > 250) throw new Error('first must be between 1 and 250');
      const seen = new Map<string, string>();
      for (const c of s.customers.values()) for (const t of c.tags) if (!seen.has(t.toLowerCase())) seen.set(t.toLowerCase(), t);
      const all = [...seen.values()].sort((a, b) => a.localeCompare(b));
      const page = all.slice(0, first);
      return {
        edges: page.map((node, i) => ({ cursor: Buffer.from(`tag:${i}`).toString('base64'), node })), nodes: page,
        pageInfo: { hasNextPage: all.length > first, hasPreviousPage: false, startCursor: null, endCursor: null },
      };
    },
  };
}

function tagsMutation(ctx: RequestContext, args: Args, mode: 'add' | 'remove'): object {
  const id = String(args.id);
  const tags = splitTags(args.tags as string[]);
  const errors: UserError[] = [];
  if ((args.tags as string[]).length > 250) errors.push({ field: ['tags'], message: 'The input array size of 251 is greater than the maximum allowed of 250.' });
  for (const t of tags) if (t.length > 255) errors.push({ field: ['tags'], message: `Tag '${t.slice(0, 20)}…' is too long (maximum is 255 characters)` });
  const parsed = parseGid(id);
  if (!parsed?.type || (parsed.type !== 'Customer' && parsed.type !== 'Order')) {
    return { node: null, userErrors: [{ field: ['id'], message: 'Invalid global id' }] };
  }
  const isCustomer = parsed.type === 'Customer';
  requireScope(ctx, isCustomer ? 'write_customers' : 'write_orders', mode === 'add' ? 'tagsAdd' : 'tagsRemove');
  const rec = isCustomer ? ctx.shop.customers.get(parsed.id) : ctx.shop.orders.get(parsed.id);
  if (!rec || (!isCustomer && !orderVisible(ctx, rec as OrderRecord))) {
    return { node: null, userErrors: [{ field: ['id'], message: `${parsed.type} does not exist` }] };
  }
  if (errors.length > 0) return { node: null, userErrors: errors };
  const next = mode === 'add' ? mergeTags(rec.tags, tags) : withoutTags(rec.tags, tags);
  if (next.length > 250) return { node: null, userErrors: [{ field: ['tags'], message: 'Tags cannot exceed 250' }] };
  const changed = next.length !== rec.tags.length || next.some((t, i) => t !== rec.tags[i]);
  if (changed) {
    rec.tags = next;
    // Kept when the orders are generated on read (streamed-shop.ts); a no-op otherwise.
    if (!isCustomer) ctx.shop.orders.set(parsed.id, rec as OrderRecord);
    ctx.hooks.tagsChanged(ctx.shop, parsed.type, parsed.id);
  }
  return { node: isCustomer ? wrapCustomer(rec as CustomerRecord) : wrapOrder(rec as OrderRecord), userErrors: [] };
}

export const RESOLVERS: Record<string, Record<string, Resolver<never>>> = {
  Query: {
    shop: (_s: unknown, _a, ctx) => shopObject(ctx),
    currentAppInstallation: (_s: unknown, _a, ctx) => ({
      __typename: 'AppInstallation',
      id: gid('AppInstallation', ctx.install.id),
      accessScopes: ctx.install.scopes.map((handle) => ({ handle, description: handle })),
      app: { __typename: 'App', id: gid('App', ctx.install.app.apiKey.replace(/\D/g, '') || '1'), apiKey: ctx.install.app.apiKey },
    }),
    customers: (_s: unknown, a, ctx) => paginate(listCustomers(ctx, a), a as ConnectionArgs, customerKey(a.sortKey as string), wrapCustomer),
    customer: (_s: unknown, a, ctx) => {
      requireScope(ctx, 'read_customers', 'customer');
      const p = parseGid(String(a.id));
      const c = p?.type === 'Customer' ? ctx.shop.customers.get(p.id) : undefined;
      return c ? wrapCustomer(c) : null;
    },
    customersCount: (_s: unknown, a, ctx) => countOf(listCustomers(ctx, a, ['customersCount']).length, a.limit),
    orders: (_s: unknown, a, ctx) => paginate(listOrders(ctx, a), a as ConnectionArgs, orderKey((a.sortKey as string) ?? 'PROCESSED_AT'), wrapOrder),
    order: (_s: unknown, a, ctx) => {
      requireScope(ctx, 'read_orders', 'order');
      const p = parseGid(String(a.id));
      const o = p?.type === 'Order' ? ctx.shop.orders.get(p.id) : undefined;
      return o && orderVisible(ctx, o) ? wrapOrder(o) : null;
    },
    ordersCount: (_s: unknown, a, ctx) => countOf(listOrders(ctx, a, ['ordersCount']).length, a.limit),
    node: (_s: unknown, a, ctx) => resolveNode(ctx, String(a.id)),
    nodes: (_s: unknown, a, ctx) => {
      if (ctx.bulkItems) return ctx.bulkItems;
      const ids = a.ids as string[];
      if (ids.length > 250) throw new GraphQLError('The input array size is greater than the maximum allowed of 250.');
      return ids.map((id) => resolveNode(ctx, id));
    },
    bulkOperation: (_s: unknown, a, ctx) => {
      const op = ctx.hooks.bulk.get(ctx, String(a.id));
      return op ? wrapBulk(op) : null;
    },
    currentBulkOperation: (_s: unknown, a, ctx) => {
      const op = ctx.hooks.bulk.current(ctx, (a.type as 'QUERY' | 'MUTATION') ?? 'QUERY');
      return op ? wrapBulk(op) : null;
    },
    ...SHOPIFY_OBJECT_RESOLVERS.Query,
    ...WEB_PIXEL_RESOLVERS.Query,
    ...ABANDONED_CHECKOUT_RESOLVERS.Query,
  },
  Mutation: {
    ...SHOPIFY_OBJECT_RESOLVERS.Mutation,
    ...WEB_PIXEL_RESOLVERS.Mutation,
    tagsAdd: (_s: unknown, a, ctx) => tagsMutation(ctx, a, 'add'),
    tagsRemove: (_s: unknown, a, ctx) => tagsMutation(ctx, a, 'remove'),
    stagedUploadsCreate: (_s: unknown, a, ctx) => ctx.hooks.uploads.create(ctx, a.input as never),
    bulkOperationRunQuery: (_s: unknown, a, ctx) => bulkPayload(ctx.hooks.bulk.runQuery(ctx, String(a.query))),
    bulkOperationRunMutation: (_s: unknown, a, ctx) => bulkPayload(ctx.hooks.bulk.runMutation(ctx, String(a.mutation), String(a.stagedUploadPath))),
    bulkOperationCancel: (_s: unknown, a, ctx) => bulkPayload(ctx.hooks.bulk.cancel(ctx, String(a.id))),
  },
  Customer: {
    id: (s: W<CustomerRecord>) => gid('Customer', s.rec.id),
    legacyResourceId: (s: W<CustomerRecord>) => s.rec.id,
    tags: (s: W<CustomerRecord>) => s.rec.tags,
    numberOfOrders: (s: W<CustomerRecord>) => String(s.rec.orderIds.length),
    amountSpent: (s: W<CustomerRecord>, _a, ctx) => money(amountSpent(ctx, s.rec), ctx.shop.currency),
    createdAt: (s: W<CustomerRecord>) => date(s.rec.createdAt),
    updatedAt: (s: W<CustomerRecord>) => date(s.rec.updatedAt),
    state: () => 'ENABLED',
    displayName: (s: W<CustomerRecord>, _a, ctx) => customerDisplayName(ctx, s.rec),
    orders: (s: W<CustomerRecord>, a, ctx) => paginate(listCustomerOrders(ctx, s.rec, a), a as ConnectionArgs, orderKey(a.sortKey as string), wrapOrder),
  },
  Order: {
    id: (s: W<OrderRecord>) => gid('Order', s.rec.id),
    legacyResourceId: (s: W<OrderRecord>) => s.rec.id,
    name: (s: W<OrderRecord>) => s.rec.name,
    createdAt: (s: W<OrderRecord>) => date(s.rec.createdAt),
    processedAt: (s: W<OrderRecord>) => date(s.rec.processedAt),
    updatedAt: (s: W<OrderRecord>) => date(s.rec.updatedAt),
    cancelledAt: (s: W<OrderRecord>) => date(s.rec.cancelledAt),
    cancelReason: (s: W<OrderRecord>) => s.rec.cancelReason?.toUpperCase() ?? null,
    test: (s: W<OrderRecord>) => s.rec.test,
    displayFinancialStatus: (s: W<OrderRecord>) => s.rec.financialStatus.toUpperCase(),
    currencyCode: (s: W<OrderRecord>) => s.rec.currency,
    currentTotalPriceSet: (s: W<OrderRecord>) => moneyBag(currentTotalMinor(s.rec), s.rec.currency),
    totalPriceSet: (s: W<OrderRecord>) => moneyBag(totalMinor(s.rec), s.rec.currency),
    subtotalPriceSet: (s: W<OrderRecord>) => moneyBag(totalMinor(s.rec), s.rec.currency),
    totalDiscountsSet: (s: W<OrderRecord>) => moneyBag(discountsMinor(s.rec), s.rec.currency),
    totalRefundedSet: (s: W<OrderRecord>) => moneyBag(refundedMinor(s.rec), s.rec.currency),
    discountCodes: (s: W<OrderRecord>) => s.rec.discountCodes.map((d) => d.code),
    sourceName: (s: W<OrderRecord>) => s.rec.sourceName,
    tags: (s: W<OrderRecord>) => s.rec.tags,
    customer: (s: W<OrderRecord>, _a, ctx) => {
      if (!s.rec.customerId) return null;
      requireScope(ctx, 'read_customers', 'customer');
      const c = ctx.shop.customers.get(s.rec.customerId);
      return c ? wrapCustomer(c) : null;
    },
    // https://shopify.dev/docs/api/admin-graphql/2026-10/unions/PurchasingEntity
    purchasingEntity: (s: W<OrderRecord>, _a, ctx) => {
      if (s.rec.company) {
        return { __typename: 'PurchasingCompany', company: { __typename: 'Company', id: gid('Company', s.rec.company.id) }, location: { __typename: 'CompanyLocation', id: gid('CompanyLocation', s.rec.company.locationId) } };
      }
      if (!s.rec.customerId) return null;
      requireScope(ctx, 'read_customers', 'customer');
      const c = ctx.shop.customers.get(s.rec.customerId);
      return c ? wrapCustomer(c) : null;
    },
    lineItems: (s: W<OrderRecord>, a, ctx) => paginate(listLineItems(ctx, s.rec), a as ConnectionArgs, lineItemKey, wrapLineItem),
    refunds: (s: W<OrderRecord>, a) => s.rec.refunds.slice(0, (a.first as number | null) ?? undefined).map((r) => ({ ...wrapRefund(r), currency: s.rec.currency })),
  },
  LineItem: {
    id: (s: W<LineItemRecord>) => gid('LineItem', s.rec.id),
    name: (s: W<LineItemRecord>) => s.rec.title,
    title: (s: W<LineItemRecord>) => s.rec.title,
    quantity: (s: W<LineItemRecord>) => s.rec.quantity,
    currentQuantity: (s: W<LineItemRecord>) => s.rec.currentQuantity,
    sku: (s: W<LineItemRecord>) => s.rec.sku,
    product: (s: W<LineItemRecord>) => (s.rec.productId ? { __typename: 'Product', id: gid('Product', s.rec.productId) } : null),
    variant: (s: W<LineItemRecord>) => (s.rec.variantId ? { __typename: 'ProductVariant', id: gid('ProductVariant', s.rec.variantId) } : null),
    originalUnitPriceSet: (s: W<LineItemRecord>, _a, ctx) => moneyBag(s.rec.priceMinor, ctx.shop.currency),
    originalTotalSet: (s: W<LineItemRecord>, _a, ctx) => moneyBag(s.rec.priceMinor * s.rec.quantity, ctx.shop.currency),
  },
  Refund: {
    id: (s: W<RefundRecord>) => gid('Refund', s.rec.id),
    createdAt: (s: W<RefundRecord>) => date(s.rec.createdAt),
    note: (s: W<RefundRecord>) => s.rec.note,
    totalRefundedSet: (s: W<RefundRecord> & { currency: string }) => moneyBag(s.rec.amountMinor, s.currency),
  },
  BulkOperation: {
    id: (s: W<BulkOperationRecord>) => s.rec.gid,
    status: (s: W<BulkOperationRecord>) => s.rec.status,
    errorCode: (s: W<BulkOperationRecord>) => s.rec.errorCode,
    objectCount: (s: W<BulkOperationRecord>) => String(s.rec.objectCount),
    rootObjectCount: (s: W<BulkOperationRecord>) => String(s.rec.rootObjectCount),
    fileSize: (s: W<BulkOperationRecord>) => (s.rec.fileSize === null ? null : String(s.rec.fileSize)),
    url: (s: W<BulkOperationRecord>) => s.rec.url,
    partialDataUrl: (s: W<BulkOperationRecord>) => s.rec.partialDataUrl,
    type: (s: W<BulkOperationRecord>) => s.rec.type,
    query: (s: W<BulkOperationRecord>) => s.rec.query,
    createdAt: (s: W<BulkOperationRecord>) => date(s.rec.createdAt),
    completedAt: (s: W<BulkOperationRecord>) => date(s.rec.completedAt),
  },
};

function countOf(n: number, limit: unknown): object {
  const max = typeof limit === 'number' ? limit : 10000;
  return n > max ? { count: max, precision: 'AT_LEAST' } : { count: n, precision: 'EXACT' };
}

function bulkPayload(r: { bulkOperation: BulkOperationRecord | null; userErrors: UserError[] }): object {
  return { bulkOperation: r.bulkOperation ? wrapBulk(r.bulkOperation) : null, userErrors: r.userErrors };
}

/** Connection fields a bulk query may traverse: parent type + field → items and their GraphQL type. */
export const BULK_CONNECTIONS: Record<string, (ctx: RequestContext, parent: unknown, args: Args) => { items: Array<{ id: string }>; type: string }> = {
  'Query.customers': (ctx, _p, a) => ({ items: listCustomers(ctx, a), type: 'Customer' }),
  'Query.orders': (ctx, _p, a) => ({ items: listOrders(ctx, a), type: 'Order' }),
  'Customer.orders': (ctx, p, a) => ({ items: listCustomerOrders(ctx, p as CustomerRecord, a), type: 'Order' }),
  'Order.lineItems': (ctx, p) => ({ items: listLineItems(ctx, p as OrderRecord), type: 'LineItem' }),
};
