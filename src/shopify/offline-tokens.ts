// Expiring offline access tokens (https://shopify.dev/docs/apps/build/security/credentials-and-data/use-expiring-offline-access-tokens):
// a token lasts an hour and comes with a refresh token that Shopify replaces on every use. This keeps
// each shop's token fresh for every process:
// - before expiry (within min(5 min, a fifth of its lifetime), as the changelog advises: "refresh a few
//   minutes before they expire") and after a 401, the token is renewed — once per shop at a time
//   across all processes: a Redis lock; whoever waits re-reads the stored session afterwards and reuses
//   the pair the holder stored (https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh);
// - the new pair is stored (one atomic document write, encrypted) before it is used: the refresh
//   token just used is retired as soon as its replacement is used;
// - a lost refresh answer (network drop, crash, failed write) is recovered by retrying the stored
//   refresh token: Shopify keeps it valid until the app uses its replacement, up to 30 days from its
//   first use (https://shopify.dev/changelog/more-resilient-refreshes-for-expiring-offline-access-tokens);
// - a non-expiring token (stored before expiring tokens) is migrated to an expiring pair without a user
//   session, as "Migrate to expiring offline access tokens" describes for apps merchants don't open
//   (https://shopify.dev/docs/apps/build/authentication-authorization/migrate-to-expiring-offline-access-tokens);
//   the app never calls the Admin API with it;
// - a dead token (refresh rejected, refresh token expired, migration refused) marks the shop
//   `needs-reauth` and throws ShopifyReauthRequiredError: work waits until the merchant opens the app
//   and a new token is exchanged. Only app/uninstalled means uninstalled.
// The grants themselves are @shopify/shopify-api's `auth.refreshToken` and `auth.migrateToExpiringToken`.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { HttpResponseError, HttpRetriableError, type Session } from '@shopify/shopify-api';
import type { Logger } from '../logger.ts';
import { shopKeysOf, type ShopKeys } from '../redis.ts';
import type { MongoSessionStore } from '../profiles/session-store.ts';
import type { ShopStore } from '../profiles/shop-store.ts';
import { ShopifyAuthError, ShopifyReauthRequiredError, ShopifyTransientError } from './errors.ts';
import { TokenDecryptionError } from './token-crypto.ts';
import type { ShopifyContext } from './shopify-api.ts';

/** What the library does at the token endpoint, as a port (tests and the composition root bind it). */
export interface TokenGrants {
  refresh(shop: string, refreshToken: string): Promise<Session>;
  migrate(shop: string, nonExpiringToken: string): Promise<Session>;
}

export function tokenGrantsFrom(ctx: ShopifyContext): TokenGrants {
  return {
    refresh: async (shop, refreshToken) => (await ctx.shopify.auth.refreshToken({ shop, refreshToken })).session,
    migrate: async (shop, token) => (await ctx.shopify.auth.migrateToExpiringToken({ shop, nonExpiringOfflineAccessToken: token })).session,
  };
}

/** The token endpoint refused the grant itself (400/401): retrying the same grant cannot help. */
export function isGrantRefused(err: unknown): boolean {
  return err instanceof HttpResponseError && !(err instanceof HttpRetriableError) && (err.response.code === 400 || err.response.code === 401);
}

export const AUTH_COUNTERS = ['tokenRefreshes', 'reexchanges', 'migrations', 'refreshFailures'] as const;
export type AuthCounters = Record<(typeof AUTH_COUNTERS)[number], number>;

/** Per-shop counters of token work in Redis, summed over every process (dashboard, support, demo). */
export class AuthStats {
  private readonly redis: Redis;
  private readonly keys: ShopKeys;
  /** `keys`: where each shop's keys live (src/redis.ts ShopKeys; a string: one prefix for every shop). */
  constructor(redis: Redis, keys: ShopKeys | string) {
    this.redis = redis;
    this.keys = shopKeysOf(keys);
  }

  private key(shop: string): string {
    return `${this.keys.of(shop)}:auth-stats:${shop}`;
  }

  async bump(shop: string, what: keyof AuthCounters): Promise<void> {
    await this.redis.hincrby(this.key(shop), what, 1);
  }

  async read(shop: string): Promise<AuthCounters> {
    const h = await this.redis.hgetall(this.key(shop));
    return Object.fromEntries(AUTH_COUNTERS.map((k) => [k, Number(h[k] ?? 0)])) as AuthCounters;
  }
}

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One holder per shop across processes; the TTL frees the lock of a process that died holding it. */
export class ShopTokenLock {
  private readonly redis: Redis;
  private readonly keys: ShopKeys;
  private readonly ttlMs: number;
  private readonly waitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** `keys`: where each shop's keys live (src/redis.ts ShopKeys; a string: one prefix for every shop). */
  constructor(redis: Redis, keys: ShopKeys | string, o: { ttlMs?: number; waitMs?: number; sleep?: (ms: number) => Promise<void> } = {}) {
    this.redis = redis;
    this.keys = shopKeysOf(keys);
    this.ttlMs = o.ttlMs ?? 30_000;
    this.waitMs = o.waitMs ?? 45_000;
    this.sleep = o.sleep ?? defaultSleep;
  }

  async run<T>(shop: string, fn: () => Promise<T>): Promise<T> {
    const key = `${this.keys.of(shop)}:token-lock:${shop}`;
    const id = randomUUID();
    const until = Date.now() + this.waitMs;
    for (let step = 25; ; step = Math.min(step * 2, 250)) {
      if ((await this.redis.set(key, id, 'PX', this.ttlMs, 'NX')) === 'OK') break;
      if (Date.now() > until) throw new ShopifyTransientError('another process is renewing the token and did not finish in time', { shop });
      await this.sleep(step);
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE, 1, key, id).catch(() => undefined);
    }
  }
}

export interface OfflineTokensDeps {
  sessions: MongoSessionStore;
  shops: Pick<ShopStore, 'markNeedsReauth' | 'needsReauth'>;
  grants: TokenGrants;
  lock: ShopTokenLock;
  stats: AuthStats;
  logger: Logger;
  now?: () => number;
  /** Longest head start for a refresh before expiry (default 5 minutes, as @shopify/shopify-app-express). */
  refreshMarginMs?: number;
  /** Tries of one grant whose answer was lost (network, 5xx) before the job retries later (default 3). */
  grantAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A token refused this close to its expiry (clocks differ, requests wait) is taken for expired. */
const EXPIRY_SKEW_MS = 5000;

interface Known {
  token: string;
  /** Renew from this instant on (epoch ms). */
  renewAt: number;
}

export class OfflineTokens {
  private readonly d: OfflineTokensDeps;
  private readonly known = new Map<string, Known>();
  private readonly renewing = new Map<string, Promise<string>>();
  private readonly now: () => number;
  constructor(deps: OfflineTokensDeps) {
    this.d = deps;
    this.now = deps.now ?? Date.now;
  }

  /** A token to call the Admin API with now: renewed first if it is about to expire. */
  async current(shop: string): Promise<string> {
    const k = this.known.get(shop);
    if (k && this.now() < k.renewAt) return k.token;
    const loaded = await this.loadOffline(shop);
    if (!loaded?.session.accessToken) throw this.notInstalled(shop);
    const usable = this.usable(loaded.session, loaded.storedAt);
    if (usable) return usable.token;
    return this.renew(shop, loaded.session.accessToken);
  }

  /** Shopify answered 401 to `stale`: a token some process stored since, or a renewed one. */
  async unauthorized(shop: string, stale: string): Promise<string> {
    this.known.delete(shop);
    return this.renew(shop, stale);
  }

  /**
   * A token renewed a moment ago was refused too. Only when it is still the stored one and, by our
   * clock, more than EXPIRY_SKEW_MS from its expiry is that a dead token (a new exchange is needed);
   * otherwise it merely expired before use (a short lifetime, a wait for the bucket, a loaded machine)
   * or was replaced meanwhile: a transient error, the job retries (found by the chaos suite: 5 s tokens
   * at load average 30 marked the shop needs-reauth).
   */
  async rejected(shop: string, token?: string): Promise<Error> {
    const loaded = await this.loadOffline(shop).catch(() => null);
    const s = loaded?.session;
    const stillStored = token === undefined || s?.accessToken === token;
    const expiring = s?.expires !== undefined && s.expires.getTime() - this.now() < EXPIRY_SKEW_MS;
    if (!stillStored || expiring) {
      this.known.delete(shop);
      return new ShopifyTransientError('a renewed access token was refused as it expired or was replaced; retrying', { shop });
    }
    return this.markDead(shop, 'Shopify refused a freshly renewed access token');
  }

  forget(shop: string): void {
    this.known.delete(shop);
  }

  /** Runs fn while no process renews this shop's token (the web's re-exchange uses it). */
  exclusive<T>(shop: string, fn: () => Promise<T>): Promise<T> {
    this.known.delete(shop);
    return this.d.lock.run(shop, fn);
  }

  private notInstalled(shop: string): ShopifyAuthError {
    this.known.delete(shop);
    return new ShopifyAuthError('no offline session: the app is not installed on this shop', { shop, status: 401 });
  }

  /** Usable without renewing: expiring and not within its renewal margin. Non-expiring = never. */
  private usable(s: Session, storedAt: Date): Known | null {
    if (!s.accessToken || !s.expires) return null;
    const expires = s.expires.getTime();
    const lifetime = Math.max(0, expires - storedAt.getTime());
    const renewAt = expires - Math.min(this.d.refreshMarginMs ?? 300_000, lifetime / 5);
    if (this.now() >= renewAt) return null;
    const k = { token: s.accessToken, renewAt };
    this.known.set(s.shop, k);
    return k;
  }

  private renew(shop: string, stale: string): Promise<string> {
    // Callers in this process share one renewal; other processes wait on the Redis lock.
    let p = this.renewing.get(shop);
    if (!p) {
      p = this.d.lock.run(shop, () => this.renewLocked(shop, stale)).finally(() => this.renewing.delete(shop));
      this.renewing.set(shop, p);
    }
    return p;
  }

  /**
   * A stored token that neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS opens (the key was changed
   * without keeping the old one) cannot be used or renewed: the shop needs a new exchange, the next time
   * the merchant opens the app — needs-reauth, never a dead shop.
   */
  private async loadOffline(shop: string): Promise<Awaited<ReturnType<OfflineTokensDeps['sessions']['loadOffline']>>> {
    try {
      return await this.d.sessions.loadOffline(shop);
    } catch (err) {
      if (err instanceof TokenDecryptionError) throw await this.markDead(shop, 'the stored token does not decrypt with ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS');
      throw err;
    }
  }

  private async renewLocked(shop: string, stale: string): Promise<string> {
    const loaded = await this.loadOffline(shop);
    if (!loaded?.session.accessToken) throw this.notInstalled(shop);
    const s = loaded.session;
    // Another process renewed while we waited: reuse what it stored.
    if (s.accessToken !== stale) {
      const usable = this.usable(s, loaded.storedAt);
      if (usable) return usable.token;
    }
    if (await this.d.shops.needsReauth(shop)) {
      throw new ShopifyReauthRequiredError(`${shop} needs the merchant to open the app (token not renewable)`, { shop });
    }
    if (!s.expires) return this.grant(shop, 'migrations', () => this.d.grants.migrate(shop, s.accessToken!), 'the non-expiring token could not be migrated');
    if (!s.refreshToken) return this.deadToken(shop, 'the expiring token has no refresh token');
    if (s.refreshTokenExpires && s.refreshTokenExpires.getTime() <= this.now()) return this.deadToken(shop, 'the refresh token expired');
    return this.grant(shop, 'tokenRefreshes', () => this.d.grants.refresh(shop, s.refreshToken!), 'the refresh token was rejected');
  }

  private async grant(shop: string, counter: 'tokenRefreshes' | 'migrations', call: () => Promise<Session>, refusedReason: string): Promise<string> {
    const attempts = this.d.grantAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      let fresh: Session;
      try {
        fresh = await call();
      } catch (err) {
        if (isGrantRefused(err)) {
          await this.d.stats.bump(shop, 'refreshFailures').catch(() => undefined);
          return this.deadToken(shop, refusedReason);
        }
        // No answer (network drop, 5xx): the grant may have taken effect. The stored refresh token
        // stays valid until its replacement is used, so trying it again recovers the pair.
        this.d.logger.warn({ shop, attempt, err: (err as Error).message }, 'token grant got no usable answer; retrying with the stored token');
        if (attempt >= attempts) throw new ShopifyTransientError(`token renewal got no answer ${attempt} times`, { shop, cause: err });
        await (this.d.sleep ?? defaultSleep)(200 * 2 ** (attempt - 1));
        continue;
      }
      if (!fresh.accessToken || !fresh.expires) return this.deadToken(shop, 'Shopify answered without an expiring token');
      // Persist before use: the pair just received is the only copy of the new refresh token.
      await this.d.sessions.storeSession(fresh);
      await this.d.stats.bump(shop, counter).catch(() => undefined);
      this.d.logger.info({ shop, expires: fresh.expires.toISOString(), grant: counter }, 'offline token renewed');
      const k = this.usable(fresh, new Date(this.now()));
      return k?.token ?? fresh.accessToken;
    }
  }

  private async markDead(shop: string, reason: string): Promise<ShopifyReauthRequiredError> {
    this.known.delete(shop);
    await this.d.shops.markNeedsReauth(shop, reason, new Date(this.now()));
    this.d.logger.warn({ shop, reason }, 'offline token dead: shop needs the merchant to open the app');
    return new ShopifyReauthRequiredError(`${shop} needs re-authentication: ${reason}`, { shop });
  }

  private async deadToken(shop: string, reason: string): Promise<never> {
    throw await this.markDead(shop, reason);
  }
}
