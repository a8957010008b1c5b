// "Is the app still installed on this shop?", asked of Shopify with the shop's offline token, before an
// app/uninstalled delivery deletes anything: the topic header of a webhook is not signed, so a captured
// signed body resent as app/uninstalled must not drop a working installation. Shopify revokes the
// app's tokens on uninstall, so a call answered 401/403 — or a token that can no longer be renewed —
// means uninstalled (https://shopify.dev/docs/api/usage/authentication). Anything transient throws: the
// delivery is retried. In the app the client comes from AdminClients (expiring tokens are renewed
// first, jobs/shopify-port.ts); installationProbe() below reads the stored token directly.
import type { Logger } from '../logger.ts';
import type { MongoSessionStore } from '../profiles/session-store.ts';
import { createAdminFetch, type FetchFn } from './admin-fetch.ts';
import { AdminGraphqlClient } from './admin-graphql-client.ts';
import { ShopifyAuthError, ShopifyReauthRequiredError, ShopifyShopUnavailableError } from './errors.ts';

export type InstallationState = 'active' | 'revoked' | 'no-token';

export const APP_STILL_INSTALLED_QUERY = 'query AppStillInstalled { currentAppInstallation { id } }';

/** `forShop` throws ShopifyAuthError when the shop has no (readable) token, ShopifyReauthRequiredError when it cannot be renewed. */
export async function probeInstallation(forShop: (shop: string) => Promise<Pick<AdminGraphqlClient, 'request'>>, shop: string): Promise<InstallationState> {
  let client: Pick<AdminGraphqlClient, 'request'>;
  try {
    client = await forShop(shop);
  } catch (err) {
    if (err instanceof ShopifyReauthRequiredError) return 'revoked';
    if (err instanceof ShopifyAuthError) return 'no-token';
    throw err;
  }
  try {
    await client.request(APP_STILL_INSTALLED_QUERY);
    return 'active';
  } catch (err) {
    // 401/403: token revoked; 404: the shop is gone. A frozen or locked shop (402/423) still has the
    // app installed: not confirmed, retried.
    if (err instanceof ShopifyAuthError || err instanceof ShopifyReauthRequiredError || (err instanceof ShopifyShopUnavailableError && err.status === 404)) return 'revoked';
    throw err;
  }
}

export interface InstallationProbeDeps {
  sessions: Pick<MongoSessionStore, 'loadOfflineSession'>;
  fetch: FetchFn;
  apiVersion: string;
  logger: Logger;
}

/** With the stored token as it is (no renewal): for processes without the job runtime's token renewal. */
export function installationProbe(deps: InstallationProbeDeps): { probe(shop: string): Promise<InstallationState> } {
  return {
    probe: (shop) => probeInstallation(async (s) => {
      const session = await deps.sessions.loadOfflineSession(s);
      if (!session?.accessToken) throw new ShopifyAuthError('no offline session', { shop: s, status: 401 });
      // Few, short retries: this runs while a webhook delivery waits.
      return new AdminGraphqlClient({ shop: s, accessToken: session.accessToken, apiVersion: deps.apiVersion, fetch: deps.fetch, logger: deps.logger, maxAttempts: 2, baseBackoffMs: 200, maxThrottleRetries: 2 });
    }, shop),
  };
}

/** From the app's configuration (SHOPIFY_API_ORIGIN only for the local simulator). */
export function installationProbeFrom(config: { SHOPIFY_API_ORIGIN?: string | undefined; SHOPIFY_API_VERSION: string }, sessions: MongoSessionStore, logger: Logger) {
  return installationProbe({ sessions, fetch: createAdminFetch(config.SHOPIFY_API_ORIGIN), apiVersion: config.SHOPIFY_API_VERSION, logger });
}
