// Where connections get their items: filtered by `query`, by scopes (read_all_orders 60-day rule) and
// sorted by sortKey. Shared by the GraphQL resolvers (which paginate) and bulk queries (which stream all).
import { GraphQLError } from 'graphql';
import { compileSearch } from './search-query.ts';
import type { FieldSpec } from './search-query.ts';
import { hasScope, SIXTY_DAYS_MS } from './context.ts';
import type { RequestContext } from './context.ts';
import { compareKeys } from './connection.ts';
import type { SortKey } from './connection.ts';
import { totalMinor } from './store.ts';
import type { CustomerRecord, OrderRecord, LineItemRecord } from './store.ts';

export const CUSTOMER_FIELDS: Record<string, FieldSpec<CustomerRecord>> = {
  id: { kind: 'id', get: (c) => c.id },
  tag: { kind: 'tags', get: (c) => c.tags },
  tag_not: { kind: 'tags', get: (c) => c.tags, negate: true },
  updated_at: { kind: 'date', get: (c) => c.updatedAt },
  created_at: { kind: 'date', get: (c) => c.createdAt },
  orders_count: { kind: 'number', get: (c) => c.orderIds.length },
};

export const ORDER_FIELDS: Record<string, FieldSpec<OrderRecord>> = {
  id: { kind: 'id', get: (o) => o.id },
  customer_id: { kind: 'id', get: (o) => o.customerId },
  updated_at: { kind: 'date', get: (o) => o.updatedAt },
  created_at: { kind: 'date', get: (o) => o.createdAt },
  processed_at: { kind: 'date', get: (o) => o.processedAt },
  financial_status: { kind: 'string', get: (o) => o.financialStatus },
  status: { kind: 'string', get: (o) => (o.cancelledAt ? 'cancelled' : 'open') },
  tag: { kind: 'tags', get: (o) => o.tags },
  tag_not: { kind: 'tags', get: (o) => o.tags, negate: true },
  test: { kind: 'bool', get: (o) => o.test },
  name: { kind: 'string', get: (o) => o.name },
};

export function accessDenied(field: string, scope: string): GraphQLError {
  return new GraphQLError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
    extensions: { code: 'ACCESS_DENIED', documentation: 'https://shopify.dev/api/usage/access-scopes', requiredAccess: `\`${scope}\` access scope.` },
  });
}

export function requireScope(ctx: RequestContext, scope: string, field: string): void {
  if (!hasScope(ctx.install.scopes, scope)) throw accessDenied(field, scope);
}

/** Without read_all_orders an app sees only orders created in the last 60 days (like Shopify). */
export function orderVisible(ctx: RequestContext, o: OrderRecord): boolean {
  return hasScope(ctx.install.scopes, 'read_all_orders') || o.createdAt >= ctx.now - SIXTY_DAYS_MS;
}

export interface ListArgs {
  query?: string | null;
  sortKey?: string | null;
}

export function customerKey(sortKey: string | null | undefined): (c: CustomerRecord) => SortKey {
  switch (sortKey) {
    case 'CREATED_AT': return (c) => ({ id: c.id, value: c.createdAt });
    case 'UPDATED_AT': return (c) => ({ id: c.id, value: c.updatedAt });
    default: return (c) => ({ id: c.id, value: c.id });
  }
}

export function orderKey(sortKey: string | null | undefined): (o: OrderRecord) => SortKey {
  switch (sortKey) {
    case 'CREATED_AT': return (o) => ({ id: o.id, value: o.createdAt });
    case 'UPDATED_AT': return (o) => ({ id: o.id, value: o.updatedAt });
    case 'PROCESSED_AT': return (o) => ({ id: o.id, value: o.processedAt });
    case 'NUMBER': return (o) => ({ id: o.id, value: o.number });
    case 'TOTAL_PRICE': return (o) => ({ id: o.id, value: totalMinor(o) });
    case 'FINANCIAL_STATUS': return (o) => ({ id: o.id, value: o.financialStatus });
    default: return (o) => ({ id: o.id, value: o.id });
  }
}

function sortBy<T>(items: T[], keyOf: (t: T) => SortKey, alreadyById: boolean, sortKey: string | null | undefined): T[] {
  if (alreadyById && (!sortKey || sortKey === 'ID' || sortKey === 'RELEVANCE')) return items;
  return items.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
}

function noteSearch(ctx: RequestContext, path: string[], query: string | null | undefined, warnings: Array<{ field: string; message: string }>): void {
  if (query && warnings.length > 0) ctx.search.push({ path, query, warnings });
}

export function listCustomers(ctx: RequestContext, args: ListArgs, path: string[] = ['customers']): CustomerRecord[] {
  requireScope(ctx, 'read_customers', 'customers');
  const search = compileSearch(args.query, CUSTOMER_FIELDS);
  noteSearch(ctx, path, args.query, search.warnings);
  const out: CustomerRecord[] = [];
  for (const c of ctx.shop.customers.values()) if (search.matches(c)) out.push(c);
  return sortBy(out, customerKey(args.sortKey), true, args.sortKey);
}

export function listOrders(ctx: RequestContext, args: ListArgs, path: string[] = ['orders']): OrderRecord[] {
  requireScope(ctx, 'read_orders', 'orders');
  const search = compileSearch(args.query, ORDER_FIELDS);
  noteSearch(ctx, path, args.query, search.warnings);
  const out: OrderRecord[] = [];
  for (const o of ctx.shop.orders.values()) if (orderVisible(ctx, o) && search.matches(o)) out.push(o);
  return sortBy(out, orderKey(args.sortKey ?? 'PROCESSED_AT'), true, args.sortKey ?? 'PROCESSED_AT');
}

export function listCustomerOrders(ctx: RequestContext, c: CustomerRecord, args: ListArgs): OrderRecord[] {
  requireScope(ctx, 'read_orders', 'orders');
  const search = compileSearch(args.query, ORDER_FIELDS);
  const out: OrderRecord[] = [];
  for (const id of c.orderIds) {
    const o = ctx.shop.orders.get(id);
    if (o && orderVisible(ctx, o) && search.matches(o)) out.push(o);
  }
  return sortBy(out, orderKey(args.sortKey), true, args.sortKey);
}

export function listLineItems(_ctx: RequestContext, o: OrderRecord): LineItemRecord[] {
  return o.lineItems;
}

export const lineItemKey = (li: LineItemRecord): SortKey => ({ id: li.id, value: li.id });
