// Abandoned checkouts read during a resync (install backfill or a requested resync), so checkouts started
// before the install count like those the checkouts/* webhooks bring (webhooks/checkouts.ts) — and keep
// exactly what that path keeps: per customer the checkout's time and product ids, nothing else (no
// address, e-mail, recovery URL or price is even asked for).
//   Query: https://shopify.dev/docs/api/admin-graphql/2026-10/queries/abandonedCheckouts — a paginated
//   connection ("Includes both abandoned and recovered checkouts"), `query` in Shopify's search syntax
//   with updated_at (ISO 8601): https://shopify.dev/docs/api/usage/search-syntax
//   Object: https://shopify.dev/docs/api/admin-graphql/2026-10/objects/AbandonedCheckout — updatedAt,
//   completedAt (null until completed), customer (may be null), lineItems { product }.
//   Access: read_orders, and the user permission manage_abandoned_checkouts; a refusal (ACCESS_DENIED)
//   is reported, never fails the resync.
// Like the webhook path: a checkout without a customer is dropped and counted; a completed one clears
// the customer's checkouts up to its completion; an unfinished one is kept by $max (a date never moves
// back); and an order of the customer after it clears it (orders/create clears up to the order's time).
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import { ShopifyGraphqlError } from './errors.ts';
import { legacyId } from './gid.ts';
import type { EngagementStore } from '../profiles/engagement-store.ts';
import type { OrderStore } from '../profiles/order-store.ts';

/** 10 checkouts × 40 line items: a page costs about 850 points, under the single-query limit of 1,000. */
export const ABANDONED_CHECKOUTS_QUERY = `query AppAbandonedCheckouts($after: String, $query: String) {
  abandonedCheckouts(first: 10, after: $after, query: $query) {
    nodes { id createdAt updatedAt completedAt customer { id } lineItems(first: 40) { nodes { product { id } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface CheckoutNode {
  id: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  customer: { id: string } | null;
  lineItems: { nodes: Array<{ product: { id: string } | null }> };
}

interface CheckoutsPage { abandonedCheckouts: { nodes: CheckoutNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }

export interface CheckoutBackfillReport {
  /** Checkouts Shopify listed (updated since `since`). */
  read: number;
  /** Unfinished checkouts of a customer, kept. */
  kept: number;
  /** Completed (recovered) checkouts: they cleared the customer's checkout. */
  completed: number;
  /** Without a customer: dropped. */
  guests: number;
  /** Kept checkouts an order of the customer followed (cleared, as orders/create does). */
  followedByOrder: number;
  /** Why Shopify refused the read, if it did (the resync goes on without checkouts). */
  error: string | null;
}

export interface CheckoutBackfillOptions {
  client: AdminGraphqlClient;
  engagement: Pick<EngagementStore, 'recordCheckout' | 'record' | 'clearCheckout'>;
  orders: Pick<OrderStore, 'forCustomers'>;
  /** Only checkouts updated at or after this instant (the longest window a segment looks at). */
  since: Date;
  now: () => Date;
}

const productIds = (c: CheckoutNode): string[] =>
  [...new Set(c.lineItems.nodes.map((l) => (l.product ? legacyId(l.product.id) : null)).filter((id): id is string => id !== null))];

/** One checkout, as webhooks/checkouts.ts handles it; returns the customer of a kept checkout. */
async function storeCheckout(o: CheckoutBackfillOptions, c: CheckoutNode, r: CheckoutBackfillReport): Promise<{ customerId: string; at: number } | null> {
  const shop = o.client.shop;
  if (!c.customer) { r.guests++; return null; }
  const customerId = legacyId(c.customer.id);
  if (c.completedAt) {
    r.completed++;
    await o.engagement.clearCheckout(shop, customerId, new Date(c.completedAt), o.now());
    return null;
  }
  // The checkout's id stands in for the webhook's token: the time decides which checkout is the last.
  await o.engagement.recordCheckout(shop, { customerId, token: legacyId(c.id), at: new Date(c.updatedAt), productIds: productIds(c) }, o.now());
  await o.engagement.record(shop, [{ customerId, cartAt: new Date(c.createdAt) }], o.now());
  r.kept++;
  return { customerId, at: Date.parse(c.updatedAt) };
}

/** A later order of the customer clears the checkout up to the order's time (the webhook path's rule). */
async function clearFollowedByOrders(o: CheckoutBackfillOptions, customers: ReadonlyMap<string, number>, r: CheckoutBackfillReport): Promise<void> {
  const ids = [...customers.keys()];
  for (let i = 0; i < ids.length; i += 200) {
    const books = await o.orders.forCustomers(o.client.shop, ids.slice(i, i + 200));
    for (const [customerId, orders] of books) {
      const last = Math.max(...orders.map((x) => x.createdAt));
      if (!(last >= customers.get(customerId)!)) continue;
      await o.engagement.clearCheckout(o.client.shop, customerId, new Date(last), o.now());
      r.followedByOrder++;
    }
  }
}

export async function backfillAbandonedCheckouts(o: CheckoutBackfillOptions): Promise<CheckoutBackfillReport> {
  const r: CheckoutBackfillReport = { read: 0, kept: 0, completed: 0, guests: 0, followedByOrder: 0, error: null };
  /** Customer → time of their latest kept checkout. */
  const customers = new Map<string, number>();
  const query = `updated_at:>='${o.since.toISOString()}'`;
  try {
    for (let after: string | null = null; ;) {
      const { data } = await o.client.request<CheckoutsPage>(ABANDONED_CHECKOUTS_QUERY, { after, query });
      for (const c of data.abandonedCheckouts.nodes) {
        r.read++;
        const kept = await storeCheckout(o, c, r);
        if (kept) customers.set(kept.customerId, Math.max(kept.at, customers.get(kept.customerId) ?? 0));
      }
      const page: CheckoutsPage['abandonedCheckouts']['pageInfo'] = data.abandonedCheckouts.pageInfo;
      if (!page.hasNextPage || !page.endCursor) break;
      after = page.endCursor;
    }
  } catch (err) {
    if (!(err instanceof ShopifyGraphqlError)) throw err;
    r.error = err.message.slice(0, 300);
  }
  await clearFollowedByOrders(o, customers, r);
  return r;
}
