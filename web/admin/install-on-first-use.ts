// Shopify-managed installation: the first admin request of a shop carries an App Bridge session token
// but the app holds no offline access token yet. After the token is verified (session-token.ts), this
// exchanges it for an offline token (token exchange, no OAuth redirect), records the shop (time zone,
// currency, plan, scopes), schedules its nightly recalibration and queues the first resync (backfill →
// segments → tags). Also after a reinstall: an uninstalled shop has no usable session. Positive checks
// are remembered for a minute so ordinary requests cost no extra database read.
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { createShopifyApi, type ShopifyContext } from '../../src/shopify/shopify-api.ts';
import { installFromSessionToken } from '../../src/shopify/install.ts';

export type OnVerifiedShop = (shop: string, sessionToken: string) => Promise<void>;

export function installOnFirstUse(deps: Deps, runtime: JobRuntime, o: { shopify?: ShopifyContext; rememberMs?: number } = {}): OnVerifiedShop {
  let shopify = o.shopify ?? null;
  const rememberMs = o.rememberMs ?? 60_000;
  const knownUntil = new Map<string, number>();
  const inFlight = new Map<string, Promise<void>>();
  const install = async (shop: string, token: string): Promise<void> => {
    const { sessions, shops } = deps.stores;
    const [session, installed] = await Promise.all([sessions.loadOfflineSession(shop), shops.isInstalled(shop)]);
    if (!(session?.accessToken && installed)) {
      shopify ??= createShopifyApi(deps.config, deps.logger);
      await installFromSessionToken({ shopify, sessions, shops, logger: deps.logger }, shop, token);
      const state = await shops.get(shop);
      await runtime.enqueue.scheduleShop(shop, state?.timezone ?? 'UTC');
      await runtime.enqueue.resyncShop(shop, 'install');
      deps.logger.info({ shop }, 'installed on first use; first resync queued');
    }
    knownUntil.set(shop, Date.now() + rememberMs);
  };
  return async (shop, token) => {
    if ((knownUntil.get(shop) ?? 0) > Date.now()) return;
    // Concurrent first requests (the dashboard loads several at once) share one installation.
    let p = inFlight.get(shop);
    if (!p) {
      p = install(shop, token).finally(() => inFlight.delete(shop));
      inFlight.set(shop, p);
    }
    await p;
  };
}
