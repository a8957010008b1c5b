// Shopify-managed installation: the first admin request of a shop carries an App Bridge session token
// but the app holds no offline access token yet. After the token is verified (session-token.ts), this
// exchanges it for an offline token (token exchange, no OAuth redirect), records the shop (time zone,
// currency, plan, scopes), schedules its nightly recalibration and queues the first resync (backfill →
// segments → tags). Also after a reinstall: an uninstalled shop has no usable session. Positive checks
// are remembered for a minute so ordinary requests cost no extra database read.
// The merchant opening the app is also when a token that cannot be renewed is replaced: a stored
// non-expiring token (exchanged again for an expiring one, "Migrate to expiring offline access tokens":
// https://shopify.dev/docs/apps/build/authentication-authorization/migrate-to-expiring-offline-access-tokens)
// or a shop marked needs-reauth by a worker. That re-exchange holds the shop's token lock (no refresh
// runs meanwhile) and wakes the shop's waiting work.
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { isInstalled } from '../../src/profiles/shop-store.ts';
import { createShopifyApi, type ShopifyContext } from '../../src/shopify/shopify-api.ts';
import { installFromSessionToken } from '../../src/shopify/install.ts';
import { AuthStats, ShopTokenLock } from '../../src/shopify/offline-tokens.ts';

/** `recheck`: ignore the remembered check (the dashboard's first call on each open, GET /api/session). */
export type OnVerifiedShop = (shop: string, sessionToken: string, recheck?: boolean) => Promise<void>;

export function installOnFirstUse(deps: Deps, runtime: JobRuntime, o: { shopify?: ShopifyContext; rememberMs?: number } = {}): OnVerifiedShop {
  let shopify = o.shopify ?? null;
  const rememberMs = o.rememberMs ?? 60_000;
  const knownUntil = new Map<string, number>();
  const inFlight = new Map<string, Promise<void>>();
  const lock = new ShopTokenLock(deps.redis, deps.shopKeys);
  const stats = new AuthStats(deps.redis, deps.shopKeys);
  const install = async (shop: string, token: string): Promise<void> => {
    const { sessions, shops } = deps.stores;
    const [session, doc] = await Promise.all([sessions.loadOfflineSession(shop), shops.get(shop)]);
    // An installed shop whose stored token reads as none (it no longer decrypts: the encryption key
    // changed without ENCRYPTION_KEY_PREVIOUS) is exchanged again like a needs-reauth one.
    const known = isInstalled(doc);
    const installed = Boolean(session?.accessToken) && known;
    const renewable = Boolean(session?.expires && session.refreshToken) && !doc?.needsReauthAt;
    if (!installed || !renewable) {
      shopify ??= createShopifyApi(deps.config, deps.logger);
      const ctx = { shopify, sessions, shops, logger: deps.logger };
      if (known) {
        await lock.run(shop, () => installFromSessionToken(ctx, shop, token));
        await stats.bump(shop, 'reexchanges');
        const woken = await runtime.enqueue.resumeShop(shop);
        deps.logger.info({ shop, woken, was: !session ? 'unreadable token' : session.expires ? 'needs-reauth' : 'non-expiring' }, 'offline token exchanged again; waiting work resumed');
      } else {
        await installFromSessionToken(ctx, shop, token);
        const state = await shops.get(shop);
        await runtime.enqueue.scheduleShop(shop, state?.timezone ?? 'UTC');
        await runtime.enqueue.resyncShop(shop, 'install');
        deps.logger.info({ shop }, 'installed on first use; first resync queued');
      }
    }
    knownUntil.set(shop, Date.now() + rememberMs);
  };
  return async (shop, token, recheck = false) => {
    if (!recheck && (knownUntil.get(shop) ?? 0) > Date.now()) return;
    // Concurrent first requests (the dashboard loads several at once) share one installation.
    let p = inFlight.get(shop);
    if (!p) {
      p = install(shop, token).finally(() => inFlight.delete(shop));
      inFlight.set(shop, p);
    }
    await p;
  };
}
