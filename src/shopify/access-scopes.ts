// Which scopes the installation really has. Without read_all_orders Shopify returns only the last 60
// days of orders; the app reports that to the merchant instead of silently segmenting on 60 days.
import type { AdminGraphqlClient } from './admin-graphql-client.ts';

// https://shopify.dev/docs/api/admin-graphql/2026-10/queries/currentAppInstallation
export const ACCESS_SCOPES_QUERY = 'query AccessScopes { currentAppInstallation { accessScopes { handle } } }';

export async function fetchAccessScopes(client: AdminGraphqlClient): Promise<string[]> {
  const { data } = await client.request<{ currentAppInstallation: { accessScopes: Array<{ handle: string }> } }>(ACCESS_SCOPES_QUERY);
  return data.currentAppInstallation.accessScopes.map((s) => s.handle).sort();
}

export const READ_ALL_ORDERS_NOTICE =
  'This store has not granted read_all_orders: Shopify only shares the last 60 days of orders, so older purchases are missing from the segments. Grant the permission (Partner Dashboard request + re-approval) to use the full history.';
