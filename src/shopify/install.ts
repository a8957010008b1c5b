// Install for an embedded app: App Bridge's session token is exchanged for an offline access token
// (token exchange; no OAuth redirect), stored encrypted, and the shop's facts recorded — including
// whether read_all_orders was granted. The token is an expiring one with a refresh token
// (`expiring: true`): public apps must use them, and from 2027-01-01 Shopify refuses Admin API calls
// made with non-expiring ones
// (https://shopify.dev/docs/apps/build/security/credentials-and-data/use-expiring-offline-access-tokens).
// Renewal is src/shopify/offline-tokens.ts.
import { HttpResponseError, InvalidJwtError, RequestedTokenType, type Session } from '@shopify/shopify-api';
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
    shop, sessionToken, requestedTokenType: RequestedTokenType.OfflineAccessToken, expiring: true,
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

/**
 * Why a token exchange failed, the way @shopify/shopify-app-express answers it
 * (middlewares/perform-token-exchange): the session token itself is bad (InvalidJwtError, or Shopify
 * says 400 invalid_subject_token) → the client should retry with a fresh session token; Shopify
 * answered 401 → re-authentication is needed, a retry would not help; anything else → Shopify or the
 * network failed, try again shortly.
 */
export function exchangeFailureKind(err: unknown): 'invalid-session-token' | 'unauthorized' | 'unavailable' {
  if (err instanceof InvalidJwtError) return 'invalid-session-token';
  if (err instanceof HttpResponseError) {
    const body = err.response.body as { error?: unknown } | undefined;
    if (err.response.code === 400 && body?.error === 'invalid_subject_token') return 'invalid-session-token';
    if (err.response.code === 401) return 'unauthorized';
  }
  return 'unavailable';
}
