// The app's one read of a protected customer field: the names of the customers on the dashboard's
// screen, fetched live when the merchant has opted in (web/admin/customer-names.ts) and never stored,
// logged or exported. Customer.displayName is level 2 protected customer data; the app itself asks for
// level 1, so Shopify answers with names only where the shop's app (a custom app, or a public app
// approved for the name field) may read them. Unapproved, Shopify answers HTTP 200 with the field null
// and "This app is not approved to access the Customer object. See …/customer_data for more details."
// in `errors` (https://shopify.dev/docs/apps/launch/protected-customer-data, "Using protected customer
// data"): that is a result here ('not-approved'), not a failure.
// test/proof/protected-customer-data.test.ts allows this document, and only this one, to read a name.
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import { ShopifyGraphqlError } from './errors.ts';
import { customerGid } from './gid.ts';

/** nodes(ids:) takes at most 250 ids (https://shopify.dev/docs/api/admin-graphql/2026-10/queries/nodes); a page shows at most 200. */
export const MAX_NAME_IDS = 250;

export const CUSTOMER_NAMES_QUERY = 'query CustomerNames($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { legacyResourceId displayName } } }';

export type CustomerNames =
  | { status: 'ok'; names: Record<string, string> }
  /** Shopify refused the name field: the app is not approved for protected customer fields on this shop. */
  | { status: 'not-approved' };

const NOT_APPROVED = /not approved to (access|use)/i;

/** Every GraphQL error of the answer is Shopify refusing protected customer data. */
export function isProtectedDataRefusal(err: unknown): boolean {
  if (!(err instanceof ShopifyGraphqlError) || !Array.isArray(err.errors) || err.errors.length === 0) return false;
  return (err.errors as Array<{ message?: unknown }>).every((e) => typeof e.message === 'string' && NOT_APPROVED.test(e.message));
}

/** The display names of these customers (numeric ids), read live; customers without a name are left out. */
export async function fetchCustomerNames(client: Pick<AdminGraphqlClient, 'request'>, customerIds: readonly string[]): Promise<CustomerNames> {
  if (customerIds.length > MAX_NAME_IDS) throw new RangeError(`at most ${MAX_NAME_IDS} ids at once`);
  if (customerIds.length === 0) return { status: 'ok', names: {} };
  try {
    const { data } = await client.request<{ nodes: Array<{ legacyResourceId?: string; displayName?: string } | null> }>(CUSTOMER_NAMES_QUERY, { ids: customerIds.map(customerGid) });
    const names: Record<string, string> = {};
    // "•••": a customer without a name whose e-mail or phone the app may not read (shopify.dev changelog,
    // displayName no longer exposes unapproved email or phone): no name to show.
    for (const n of data.nodes) if (n?.legacyResourceId && n.displayName && n.displayName !== '•••') names[String(n.legacyResourceId)] = n.displayName;
    return { status: 'ok', names };
  } catch (err) {
    if (isProtectedDataRefusal(err)) return { status: 'not-approved' };
    throw err;
  }
}
