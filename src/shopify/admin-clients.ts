// One cost-aware AdminGraphqlClient per shop, so every caller in this process shares that shop's
// bucket estimate. Its access token comes from OfflineTokens (the shop's offline session, decrypted
// from MongoDB; renewed before expiry and after a 401).
import type { Logger } from '../logger.ts';
import type { FetchFn } from './admin-fetch.ts';
import { AdminGraphqlClient, type AdminGraphqlClientOptions } from './admin-graphql-client.ts';
import type { OfflineTokens } from './offline-tokens.ts';

export interface AdminClientsDeps {
  tokens: OfflineTokens;
  fetch: FetchFn;
  apiVersion: string;
  logger: Logger;
  /** Overrides for the client (retry budgets, sleep/clock in tests). */
  clientOptions?: Partial<Omit<AdminGraphqlClientOptions, 'shop' | 'accessToken' | 'apiVersion' | 'fetch' | 'logger'>>;
}

export class AdminClients {
  private readonly deps: AdminClientsDeps;
  private readonly clients = new Map<string, AdminGraphqlClient>();
  constructor(deps: AdminClientsDeps) {
    this.deps = deps;
  }

  /** Throws ShopifyAuthError (permanent) when the shop has no offline session: not installed. */
  async forShop(shop: string): Promise<AdminGraphqlClient> {
    const { tokens } = this.deps;
    // Checks the session now (not installed → permanent error before any work starts).
    await tokens.current(shop);
    const cached = this.clients.get(shop);
    if (cached) return cached;
    const client = new AdminGraphqlClient({
      ...this.deps.clientOptions,
      shop,
      accessToken: { current: () => tokens.current(shop), unauthorized: (stale) => tokens.unauthorized(shop, stale), rejected: (t) => tokens.rejected(shop, t) },
      apiVersion: this.deps.apiVersion, fetch: this.deps.fetch, logger: this.deps.logger,
    });
    this.clients.set(shop, client);
    return client;
  }

  forget(shop: string): void {
    this.clients.delete(shop);
    this.deps.tokens.forget(shop);
  }
}
