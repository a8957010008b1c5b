// Access and refresh tokens of every installation: non-expiring offline tokens, expiring offline tokens
// with rotating refresh tokens, online tokens. Each rule follows shopify.dev:
// - Expiring offline tokens last 60 minutes and come with a refresh token; the token endpoint returns
//   access_token, expires_in, refresh_token, refresh_token_expires_in, scope. Refresh with
//   grant_type=refresh_token at the same endpoint. Refresh tokens are replaced on every use.
//   https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh
//   https://shopify.dev/docs/apps/build/security/credentials-and-data/use-expiring-offline-access-tokens
// - A used refresh token stays retryable until the app uses its replacement (so a lost refresh answer
//   can be recovered), at most 30 days from its first use and never past its 90-day lifetime; using the
//   replacement retires it. https://shopify.dev/changelog/more-resilient-refreshes-for-expiring-offline-access-tokens
//   (What a retry returns is not specified: here a new pair, and the unused replacement is retired.)
// - From 2027-01-01 Shopify rejects Admin API calls made with non-expiring offline tokens
//   (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens)
//   and invalidates the remaining ones
//   (https://shopify.dev/docs/apps/build/authentication-authorization/migrate-to-expiring-offline-access-tokens):
//   the `refuseNonExpiring` switch.
// - A non-expiring token can be exchanged for an expiring pair without a user session (token exchange,
//   subject_token_type = offline access token); the original stops working; a retry with the original
//   token within seven days returns the same pair unless it was refreshed or replaced.
//   https://shopify.dev/changelog/more-resilient-token-exchanges-when-migrating-tokens-without-a-user-session
// A dead refresh token is answered 400 {error: 'invalid_grant'} (RFC 6749 §5.2, which the changelog says
// Shopify's refresh aligns with).
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';
import type { Installation } from './context.ts';

const DAY_MS = 86_400_000;

export interface AuthBehaviour {
  /** Lifetime of an expiring offline access token (Shopify: 60 minutes). */
  accessTokenLifetimeMs: number;
  /** Lifetime of a refresh token (Shopify: 90 days). */
  refreshTokenLifetimeMs: number;
  /** The 2027 switch: Admin API calls with non-expiring offline tokens are refused, and they cannot be migrated. */
  refuseNonExpiring: boolean;
  /** The next N refresh answers are lost after the refresh took effect (the connection drops). */
  loseRefreshAnswers: number;
}

export const DEFAULT_AUTH: AuthBehaviour = { accessTokenLifetimeMs: 3_600_000, refreshTokenLifetimeMs: 90 * DAY_MS, refuseNonExpiring: false, loseRefreshAnswers: 0 };

export interface AuthStats {
  /** Token exchanges (session token → access token), by what they issued. */
  exchangesExpiring: number;
  exchangesNonExpiring: number;
  /** Non-expiring tokens migrated to expiring pairs (no user session). */
  migrations: number;
  /** Refresh grants answered with a new pair (lost answers included). */
  refreshes: number;
  /** Of those, refreshes with a refresh token that had been used before (recovery after a lost answer). */
  refreshRetries: number;
  refreshRejected: number;
  lostRefreshAnswers: number;
  /** Admin API calls made with a non-expiring offline token (refused or not). */
  nonExpiringCalls: number;
  refusedNonExpiring: number;
  /** Admin API calls refused because the access token had expired. */
  expiredCalls: number;
}

const emptyStats = (): AuthStats => ({
  exchangesExpiring: 0, exchangesNonExpiring: 0, migrations: 0, refreshes: 0, refreshRetries: 0, refreshRejected: 0,
  lostRefreshAnswers: 0, nonExpiringCalls: 0, refusedNonExpiring: 0, expiredCalls: 0,
});

interface AccessRecord {
  install: Installation;
  expiresAt: number | null;
  kind: 'offline' | 'online';
}

interface RefreshRecord {
  install: Installation;
  expiresAt: number;
  /** The refresh token this one replaced (retired when this one is used). */
  parent: string | null;
  firstUsedAt: number | null;
  /** Replacements issued for this token and not yet used. */
  children: string[];
  retired: boolean;
}

export interface TokenPair {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
  scope: string;
}

export type RefreshResult = { ok: true; pair: TokenPair; lost: boolean } | { ok: false; error: string; description: string };

const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));

export class AccessTokens {
  readonly behaviour: AuthBehaviour = { ...DEFAULT_AUTH };
  readonly #clock: Clock;
  readonly #access = new Map<string, AccessRecord>();
  readonly #refresh = new Map<string, RefreshRecord>();
  /** Non-expiring token → the pair it was migrated to (for the seven-day retry). */
  readonly #migrated = new Map<string, { install: Installation; access: string; refresh: string; at: number }>();
  readonly #stats = new Map<string, AuthStats>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  configure(b: Partial<AuthBehaviour>): void {
    Object.assign(this.behaviour, b);
  }

  stats(shopDomain: string): AuthStats {
    let s = this.#stats.get(shopDomain);
    if (!s) this.#stats.set(shopDomain, (s = emptyStats()));
    return s;
  }

  /** A new installation's non-expiring offline token. */
  registerNonExpiring(install: Installation): void {
    this.#access.set(install.offlineToken, { install, expiresAt: null, kind: 'offline' });
  }

  issueOnline(install: Installation, lifetimeMs: number): string {
    const token = `shpua_${randomBytes(16).toString('hex')}`;
    this.#access.set(token, { install, expiresAt: this.#clock.now() + lifetimeMs, kind: 'online' });
    return token;
  }

  /** Token exchange asking for a non-expiring offline token: the installation's one. */
  exchangeNonExpiring(install: Installation): string {
    this.stats(install.shop.domain).exchangesNonExpiring++;
    return this.nonExpiring(install);
  }

  /** The installation's non-expiring token (a new one after a revocation or migration). */
  nonExpiring(install: Installation): string {
    if (!this.#access.has(install.offlineToken)) this.registerNonExpiring(install);
    return install.offlineToken;
  }

  /** Token exchange asking for an expiring offline token: a new pair that replaces the previous one. */
  exchangeExpiring(install: Installation): TokenPair {
    this.stats(install.shop.domain).exchangesExpiring++;
    this.#retireRefreshTokens(install);
    return this.#issuePair(install, null);
  }

  /** Migration of a non-expiring token without a user session. */
  migrate(apiKey: string, shopDomain: string | null, nonExpiring: string): TokenPair | { error: string; description: string } {
    const now = this.#clock.now();
    const mine = (i: Installation) => i.app.apiKey === apiKey && (!shopDomain || i.shop.domain === shopDomain);
    const earlier = this.#migrated.get(nonExpiring);
    if (earlier && mine(earlier.install) && now < earlier.at + 7 * DAY_MS) {
      const install = earlier.install;
      const r = this.#refresh.get(earlier.refresh);
      const a = this.#access.get(earlier.access);
      if (r && !r.retired && r.firstUsedAt === null && a) {
        // An eligible retry: the same pair, the access token's expiry extended, not the refresh token's.
        a.expiresAt = Math.max(a.expiresAt ?? 0, now + this.behaviour.accessTokenLifetimeMs);
        return this.#pairOf(install, earlier.access, earlier.refresh);
      }
    }
    const rec = this.#access.get(nonExpiring);
    if (!rec || !mine(rec.install) || rec.expiresAt !== null || rec.kind !== 'offline' || !rec.install.active) {
      return { error: 'invalid_subject_token', description: 'The subject token is not a valid offline access token.' };
    }
    const install = rec.install;
    if (this.behaviour.refuseNonExpiring) {
      this.#access.delete(nonExpiring);
      return { error: 'invalid_subject_token', description: 'Non-expiring offline access tokens are no longer valid.' };
    }
    this.stats(install.shop.domain).migrations++;
    this.#retireRefreshTokens(install);
    const pair = this.#issuePair(install, null);
    // The original token stops working for Admin API requests.
    this.#access.delete(nonExpiring);
    if (install.offlineToken === nonExpiring) install.offlineToken = newOfflineToken();
    this.#migrated.set(nonExpiring, { install, access: pair.access_token, refresh: pair.refresh_token, at: now });
    return pair;
  }

  refresh(apiKey: string, refreshToken: string): RefreshResult {
    const rec = this.#refresh.get(refreshToken);
    const now = this.#clock.now();
    const reject = (description: string): RefreshResult => {
      if (rec) this.stats(rec.install.shop.domain).refreshRejected++;
      return { ok: false, error: 'invalid_grant', description };
    };
    if (!rec || rec.install.app.apiKey !== apiKey) return reject('The refresh token is invalid.');
    if (!rec.install.active) return reject('The refresh token has been revoked.');
    if (rec.retired) return reject('The refresh token has been revoked.');
    if (now >= rec.expiresAt) return reject('The refresh token has expired.');
    if (rec.firstUsedAt !== null && now >= rec.firstUsedAt + 30 * DAY_MS) return reject('The refresh token has expired.');
    const stats = this.stats(rec.install.shop.domain);
    // Using this token means the app received it: its predecessor is retired.
    if (rec.parent) this.#retire(rec.parent);
    if (rec.firstUsedAt !== null) stats.refreshRetries++;
    rec.firstUsedAt ??= now;
    // A retry supersedes replacements the app never received.
    for (const child of rec.children) this.#retire(child);
    rec.children = [];
    const pair = this.#issuePair(rec.install, refreshToken);
    rec.children.push(pair.refresh_token);
    stats.refreshes++;
    let lost = false;
    if (this.behaviour.loseRefreshAnswers > 0) {
      this.behaviour.loseRefreshAnswers--;
      stats.lostRefreshAnswers++;
      lost = true;
    }
    return { ok: true, pair, lost };
  }

  /** The installation behind an Admin API access token, or null (unknown, revoked, expired, refused). */
  authenticate(token: string): Installation | null {
    const t = this.#access.get(token);
    if (!t || !t.install.active) return null;
    const stats = this.stats(t.install.shop.domain);
    if (t.expiresAt !== null && this.#clock.now() >= t.expiresAt) {
      stats.expiredCalls++;
      return null;
    }
    if (t.kind === 'offline' && t.expiresAt === null) {
      stats.nonExpiringCalls++;
      if (this.behaviour.refuseNonExpiring) {
        stats.refusedNonExpiring++;
        return null;
      }
    }
    return t.install;
  }

  /** Every token of the installation stops working; the installation stays (a new exchange recovers). */
  revoke(install: Installation): void {
    for (const [token, t] of this.#access) if (t.install === install) this.#access.delete(token);
    this.#retireRefreshTokens(install);
    install.offlineToken = newOfflineToken();
  }

  #issuePair(install: Installation, parent: string | null): TokenPair {
    const now = this.#clock.now();
    const access = newOfflineToken();
    const refresh = `shprt_${randomBytes(16).toString('hex')}`;
    this.#access.set(access, { install, expiresAt: now + this.behaviour.accessTokenLifetimeMs, kind: 'offline' });
    this.#refresh.set(refresh, { install, expiresAt: now + this.behaviour.refreshTokenLifetimeMs, parent, firstUsedAt: null, children: [], retired: false });
    return this.#pairOf(install, access, refresh);
  }

  #pairOf(install: Installation, access: string, refresh: string): TokenPair {
    const now = this.#clock.now();
    return {
      access_token: access,
      expires_in: seconds((this.#access.get(access)?.expiresAt ?? now) - now),
      refresh_token: refresh,
      refresh_token_expires_in: seconds((this.#refresh.get(refresh)?.expiresAt ?? now) - now),
      scope: install.scopes.join(','),
    };
  }

  #retire(token: string): void {
    const r = this.#refresh.get(token);
    if (r) r.retired = true;
  }

  #retireRefreshTokens(install: Installation): void {
    for (const r of this.#refresh.values()) if (r.install === install) r.retired = true;
  }
}

export const newOfflineToken = (): string => `shpat_${randomBytes(16).toString('hex')}`;
