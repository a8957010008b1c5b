// A cost-aware Admin GraphQL client for one shop. Shopify rate-limits with a leaky bucket per app and
// shop, reported in every response (extensions.cost.throttleStatus). We keep a local estimate of the
// bucket, wait before a request that would not fit (pacing to the restore rate), and retry what is
// transient: THROTTLED (HTTP 200 with errors[].extensions.code), 429 (Retry-After) and 5xx/network
// errors, with exponential backoff and full jitter, a bounded number of times. The official client
// retries only 429/503 and throws on THROTTLED, hence this one.
import type { Logger } from '../logger.ts';
import type { FetchFn } from './admin-fetch.ts';
import { ShopifyAuthError, ShopifyGraphqlError, ShopifyShopUnavailableError, ShopifyTransientError } from './errors.ts';

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost: number | null;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

export interface GraphqlResult<T> {
  data: T;
  cost: QueryCost | null;
}

/**
 * Where a client gets its access token when tokens expire (src/shopify/offline-tokens.ts): the current
 * one before each request, a renewed one after a 401, and the error to throw when renewed tokens are
 * refused too (FRESH_TOKEN_REFUSALS in a row).
 */
/** Renewed tokens refused right after their renewal, in a row, before the shop's tokens count as refused. */
export const FRESH_TOKEN_REFUSALS = 2;

export interface AccessTokenSource {
  current(): Promise<string>;
  unauthorized(stale: string): Promise<string>;
  rejected(token: string): Promise<Error>;
}

export interface AdminGraphqlClientOptions {
  shop: string;
  /** A fixed token, or a source that renews expiring tokens. */
  accessToken: string | AccessTokenSource;
  apiVersion: string;
  fetch: FetchFn;
  logger: Logger;
  /** Attempts for 429/5xx/network failures (THROTTLED has its own, larger budget). Default 5. */
  maxAttempts?: number;
  /** Retries of THROTTLED answers; each waits for the bucket to refill. Default 20. */
  maxThrottleRetries?: number;
  /** First backoff step in ms (doubles each attempt, capped at maxBackoffMs). Default 500. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Cost assumed for a query never seen before (until Shopify tells us). Default 50. */
  defaultCost?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

interface ErrorEntry { message?: string; extensions?: { code?: string } }
interface Body { data?: unknown; errors?: ErrorEntry[] | string; extensions?: { cost?: QueryCost } }

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AdminGraphqlClient {
  readonly shop: string;
  private readonly o: Required<Omit<AdminGraphqlClientOptions, 'shop' | 'accessToken'>>;
  private readonly tokens: AccessTokenSource | null;
  private readonly fixedToken: string;
  private readonly endpoint: string;
  /** Bucket estimate: what was available at `at` (ms), refilling at restoreRate points/s. */
  private bucket: { available: number; max: number; restoreRate: number; at: number } | null = null;
  private readonly lastCost = new Map<string, number>();
  /** Requests answered THROTTLED and retried, for stats and tests. */
  throttledCount = 0;
  retriedCount = 0;

  constructor(opts: AdminGraphqlClientOptions) {
    this.shop = opts.shop;
    this.tokens = typeof opts.accessToken === 'string' ? null : opts.accessToken;
    this.fixedToken = typeof opts.accessToken === 'string' ? opts.accessToken : '';
    this.o = {
      apiVersion: opts.apiVersion, fetch: opts.fetch, logger: opts.logger,
      maxAttempts: opts.maxAttempts ?? 5, maxThrottleRetries: opts.maxThrottleRetries ?? 20,
      baseBackoffMs: opts.baseBackoffMs ?? 500, maxBackoffMs: opts.maxBackoffMs ?? 30_000, defaultCost: opts.defaultCost ?? 50,
      sleep: opts.sleep ?? defaultSleep, random: opts.random ?? Math.random, now: opts.now ?? Date.now,
    };
    this.endpoint = `https://${opts.shop}/admin/api/${opts.apiVersion}/graphql.json`;
  }

  /** The current bucket estimate (null before the first answer). */
  throttleStatus(): ThrottleStatus | null {
    if (!this.bucket) return null;
    return { maximumAvailable: this.bucket.max, currentlyAvailable: this.availableNow(), restoreRate: this.bucket.restoreRate };
  }

  async request<T>(query: string, variables?: Record<string, unknown>): Promise<GraphqlResult<T>> {
    let failures = 0;
    let throttles = 0;
    /** A token just renewed after a 401: used by the next attempt only. */
    let renewed: string | null = null;
    let freshRefusals = 0;
    for (;;) {
      const expected = this.lastCost.get(query) ?? this.o.defaultCost;
      await this.paceFor(expected);
      const fresh = renewed !== null;
      const token = renewed ?? (this.tokens ? await this.tokens.current() : this.fixedToken);
      renewed = null;
      let res: Response;
      try {
        res = await this.o.fetch(this.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-shopify-access-token': token },
          body: JSON.stringify(variables ? { query, variables } : { query }),
        });
      } catch (err) {
        failures += 1;
        if (failures >= this.o.maxAttempts) throw new ShopifyTransientError(`network error after ${failures} attempts`, { shop: this.shop, cause: err });
        await this.backoff(failures, null);
        continue;
      }

      if (res.status === 401 && this.tokens) {
        await res.body?.cancel();
        // Expired or rotated away: renew (or pick up what another process stored), then retry. Later
        // retries (throttling, 5xx) take the current token again: a renewed token kept across their
        // waits could expire meanwhile, and its refusal is no sign of a dead shop. Only renewed tokens
        // refused right away, FRESH_TOKEN_REFUSALS times in a row, are (found by the chaos suite: a shop
        // marked needs-reauth under a 5 s token lifetime and a loaded machine).
        if (fresh) freshRefusals += 1;
        if (freshRefusals >= FRESH_TOKEN_REFUSALS) throw await this.tokens.rejected(token);
        renewed = await this.tokens.unauthorized(token);
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new ShopifyAuthError(`Shopify answered ${res.status}: token revoked or missing scope`, { shop: this.shop, status: res.status });
      }
      if (res.status === 402 || res.status === 404 || res.status === 423) {
        await res.body?.cancel();
        throw new ShopifyShopUnavailableError(`Shopify answered ${res.status}: shop unavailable`, { shop: this.shop, status: res.status });
      }
      if (res.status === 429 || res.status >= 500) {
        await res.body?.cancel();
        failures += 1;
        this.retriedCount += 1;
        if (failures >= this.o.maxAttempts) throw new ShopifyTransientError(`Shopify answered ${res.status} ${failures} times`, { shop: this.shop, status: res.status });
        await this.backoff(failures, res.status === 429 ? res.headers.get('retry-after') : null);
        continue;
      }

      const body = (await res.json().catch(() => null)) as Body | null;
      if (!body) {
        failures += 1;
        if (failures >= this.o.maxAttempts) throw new ShopifyTransientError('unreadable response body', { shop: this.shop, status: res.status });
        await this.backoff(failures, null);
        continue;
      }
      const cost = body.extensions?.cost ?? null;
      if (cost) this.observe(query, cost);

      if (!res.ok) {
        throw new ShopifyGraphqlError(`Shopify answered ${res.status}`, { shop: this.shop, status: res.status, errors: body.errors });
      }
      const errors = Array.isArray(body.errors) ? body.errors : body.errors ? [{ message: body.errors }] : [];
      if (errors.some((e) => e.extensions?.code === 'THROTTLED')) {
        throttles += 1;
        this.throttledCount += 1;
        if (throttles > this.o.maxThrottleRetries) throw new ShopifyTransientError(`still THROTTLED after ${throttles} tries`, { shop: this.shop, status: 200 });
        const need = cost?.requestedQueryCost ?? expected;
        const wait = this.msUntilAvailable(need);
        this.o.logger.debug({ shop: this.shop, waitMs: wait, throttles }, 'THROTTLED; waiting for the bucket');
        await this.o.sleep(wait + this.jitter(this.o.baseBackoffMs));
        continue;
      }
      if (errors.length > 0) {
        throw new ShopifyGraphqlError(`GraphQL errors: ${errors.map((e) => e.message ?? e.extensions?.code ?? 'error').join('; ').slice(0, 300)}`, { shop: this.shop, status: res.status, errors });
      }
      return { data: body.data as T, cost };
    }
  }

  private observe(query: string, cost: QueryCost): void {
    const t = cost.throttleStatus;
    if (t) this.bucket = { available: t.currentlyAvailable, max: t.maximumAvailable, restoreRate: t.restoreRate, at: this.o.now() };
    const seen = cost.requestedQueryCost ?? cost.actualQueryCost;
    if (typeof seen === 'number') this.lastCost.set(query, seen);
  }

  private availableNow(): number {
    const b = this.bucket!;
    return Math.min(b.max, b.available + (b.restoreRate * (this.o.now() - b.at)) / 1000);
  }

  private msUntilAvailable(points: number): number {
    if (!this.bucket || this.bucket.restoreRate <= 0) return this.o.baseBackoffMs;
    const missing = Math.min(points, this.bucket.max) - this.availableNow();
    return missing <= 0 ? 0 : Math.ceil((missing / this.bucket.restoreRate) * 1000);
  }

  /** Wait until the bucket estimate holds `points`, then take them (concurrent callers see less). */
  private async paceFor(points: number): Promise<void> {
    if (!this.bucket) return;
    const wait = this.msUntilAvailable(points);
    if (wait > 0) await this.o.sleep(wait);
    const available = this.availableNow();
    this.bucket = { ...this.bucket, available: available - points, at: this.o.now() };
  }

  private jitter(ms: number): number {
    return Math.floor(this.o.random() * ms);
  }

  private async backoff(attempt: number, retryAfter: string | null): Promise<void> {
    const ceiling = Math.min(this.o.maxBackoffMs, this.o.baseBackoffMs * 2 ** (attempt - 1));
    const fromHeader = retryAfter && /^\d+(\.\d+)?$/.test(retryAfter) ? Number(retryAfter) * 1000 : 0;
    // Full jitter spreads retries of many workers; Retry-After is a floor.
    await this.o.sleep(Math.max(fromHeader, this.jitter(ceiling) + 1));
  }
}
