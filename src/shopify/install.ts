// Install for an embedded app: App Bridge's session token is exchanged for an offline access token
// (token exchange; no OAuth redirect), stored encrypted, and the shop's facts recorded — including
// whether read_all_orders was granted.
import { RequestedTokenType, type Session } from '@shopify/shopify-api';
import type { Logger } from '../logger.ts';
import type { MongoSessionStore } from '../profiles/session-store.ts';
import type { ShopStore } from '../profiles/shop-store.ts';
import { AdminGraphqlClient } from './admin-graphql-client.ts';
import type { ShopifyContext } from './shopify-api.ts';

export interface InstallDeps {
  shopify: ShopifyContext;
  sessions: MongoSessionStore;
  shops: ShopStore;
  logger: Logger;
}

export interface InstallResult {
  session: Session;
  scopes: string[];
  hasReadAllOrders: boolean;
}

interface ShopFacts {
  shop: { ianaTimezone: string; currencyCode: string; plan: { publicDisplayName: string } };
  currentAppInstallation: { accessScopes: Array<{ handle: string }> };
}

// ShopPlan.publicDisplayName, not the deprecated displayName:
// https://shopify.dev/docs/api/admin-graphql/2026-10/objects/ShopPlan
export const INSTALL_FACTS_QUERY = 'query InstallFacts { shop { ianaTimezone currencyCode plan { publicDisplayName } } currentAppInstallation { accessScopes { handle } } }';

export async function installFromSessionToken(deps: InstallDeps, shop: string, sessionToken: string, now = new Date()): Promise<InstallResult> {
  const { session } = await deps.shopify.shopify.auth.tokenExchange({
    shop, sessionToken, requestedTokenType: RequestedTokenType.OfflineAccessToken,
  });
  await deps.sessions.storeSession(session);
  const client = new AdminGraphqlClient({ shop: session.shop, accessToken: session.accessToken!, apiVersion: deps.shopify.apiVersion, fetch: deps.shopify.fetch, logger: deps.logger });
  const { data } = await client.request<ShopFacts>(INSTALL_FACTS_QUERY);
  const scopes = data.currentAppInstallation.accessScopes.map((s) => s.handle).sort();
  await deps.shops.markInstalled(session.shop, {
    scopes, timezone: data.shop.ianaTimezone, currency: data.shop.currencyCode, plan: data.shop.plan.publicDisplayName,
  }, now);
  deps.logger.info({ shop: session.shop, scopes }, 'shop installed');
  return { session, scopes, hasReadAllOrders: scopes.includes('read_all_orders') };
}

/** Token exchange only when the shop has no usable offline session (first load, or after a reinstall). */
export async function ensureInstalled(deps: InstallDeps, shop: string, sessionToken: string): Promise<void> {
  const [session, installed] = await Promise.all([deps.sessions.loadOfflineSession(shop), deps.shops.isInstalled(shop)]);
  if (session?.accessToken && installed) return;
  await installFromSessionToken(deps, shop, sessionToken);
}
