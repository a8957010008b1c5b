// The checkouts a simulated shop keeps (started by checkouts.ts, with or without webhooks) and the Admin
// GraphQL `abandonedCheckouts` connection that lists them. Apart from checkouts.ts so the resolvers can
// use it without importing the simulator.
import { gid, isoUtc } from './formats.ts';
import { paginate, type ConnectionArgs } from './connection.ts';
import { compileSearch, type FieldSpec } from './search-query.ts';
import { requireScope } from './sources.ts';
import type { RequestContext } from './context.ts';
import type { ShopState } from './store.ts';

export interface CheckoutLine {
  productId: string;
  variantId?: string;
  quantity: number;
  price?: string;
}

export interface SimCheckout {
  id: string;
  token: string;
  customerId: string | null;
  lines: CheckoutLine[];
  createdAt: number;
  updatedAt: number;
  completedAt: number | null;
}

const kept = new WeakMap<ShopState, Map<string, SimCheckout>>();

export function checkoutsOf(shop: ShopState): Map<string, SimCheckout> {
  let m = kept.get(shop);
  if (!m) kept.set(shop, (m = new Map()));
  return m;
}

// abandonedCheckouts: "Returns a list of abandoned checkouts … Includes both abandoned and recovered
// checkouts"; read_orders; `query` filters created_at, updated_at (ISO 8601 times), status (open, closed)
// and id; default order by id: https://shopify.dev/docs/api/admin-graphql/2026-10/queries/abandonedCheckouts
// Fields: https://shopify.dev/docs/api/admin-graphql/2026-10/objects/AbandonedCheckout (customer "may be
// null if the checkout was created from a draft order or via an app"; completedAt null until completed).
const CHECKOUT_FIELDS: Record<string, FieldSpec<SimCheckout>> = {
  id: { kind: 'id', get: (c) => c.id },
  created_at: { kind: 'date', get: (c) => c.createdAt },
  updated_at: { kind: 'date', get: (c) => c.updatedAt },
  status: { kind: 'string', get: (c) => (c.completedAt === null ? 'open' : 'closed') },
};

function wrapAbandonedCheckout(ctx: RequestContext, c: SimCheckout): object {
  const customer = c.customerId === null ? undefined : ctx.shop.customers.get(c.customerId);
  const lines = c.lines.map((l, i) => ({ key: `${c.id}${String(i + 1).padStart(3, '0')}`, l }));
  return {
    __typename: 'AbandonedCheckout',
    id: gid('AbandonedCheckout', c.id),
    name: `#C${c.id.slice(-6)}`,
    abandonedCheckoutUrl: `https://${ctx.shop.domain}/${ctx.shop.id}/checkouts/${c.token}/recover?key=${c.token.slice(0, 8)}`,
    createdAt: isoUtc(c.createdAt),
    updatedAt: isoUtc(c.updatedAt),
    completedAt: c.completedAt === null ? null : isoUtc(c.completedAt),
    // A Customer as the Customer resolvers expect it (resolvers.ts wrapCustomer).
    customer: customer ? { __typename: 'Customer', rec: customer } : null,
    lineItems: (a: ConnectionArgs) => paginate(lines, a, (x) => ({ id: x.key, value: x.key }), ({ key, l }) => ({
      __typename: 'AbandonedCheckoutLineItem', id: gid('AbandonedCheckoutLineItem', key), quantity: l.quantity, title: `Product ${l.productId}`,
      product: { __typename: 'Product', id: gid('Product', l.productId) },
      variant: l.variantId ? { __typename: 'ProductVariant', id: gid('ProductVariant', l.variantId) } : null,
    })),
  };
}

export const ABANDONED_CHECKOUT_RESOLVERS = {
  Query: {
    abandonedCheckouts: (_s: unknown, a: Record<string, unknown>, ctx: RequestContext) => {
      requireScope(ctx, 'read_orders', 'abandonedCheckouts');
      const search = compileSearch(a.query as string | null | undefined, CHECKOUT_FIELDS);
      if (a.query && search.warnings.length) ctx.search.push({ path: ['abandonedCheckouts'], query: String(a.query), warnings: search.warnings });
      const all = [...checkoutsOf(ctx.shop).values()].filter((c) => search.matches(c));
      return paginate(all, a as ConnectionArgs, (c) => ({ id: c.id, value: c.id }), (c) => wrapAbandonedCheckout(ctx, c));
    },
  },
};
