// One cost-aware AdminGraphqlClient per shop, so every caller in this process shares that shop's
// bucket estimate. Built from the shop's offline session (decrypted from MongoDB).
import type { Logger } from '../logger.ts';
import type { MongoSessionStore } from '../profiles/session-store.ts';
import type { FetchFn } from './admin-fetch.ts';
import { AdminGraphqlClient, type AdminGraphqlClientOptions } from './admin-graphql-client.ts';
import { ShopifyAuthError } from './errors.ts';

export interface AdminClientsDeps {
  sessions: MongoSessionStore;
  fetch: FetchFn;
  apiVersion: string;
  logger: Logger;
  /** Overrides for the client (retry budgets, sleep/clock in tests). */
  clientOptions?: Partial<Omit<AdminGraphqlClientOptions, 'shop' | 'accessToken' | 'apiVersion' | 'fetch' | 'logger'>>;
}

export class AdminClients {
  private readonly deps: AdminClientsDeps;
  private readonly clients = new Map<string, { token: string; client: AdminGraphqlClient }>();
  constructor(deps: AdminClientsDeps) {
    this.deps = deps;
  }

  /** Throws ShopifyAuthError (permanent) when the shop has no offline session: not installed. */
  async forShop(shop: string): Promise<AdminGraphqlClient> {
    const session = await this.deps.sessions.loadOfflineSession(shop);
    if (!session?.accessToken) {
      this.clients.delete(shop);
      throw new ShopifyAuthError('no offline session: the app is not installed on this shop', { shop, status: 401 });
    }
    const cached = this.clients.get(shop);
    if (cached && cached.token === session.accessToken) return cached.client;
    const client = new AdminGraphqlClient({
      ...this.deps.clientOptions,
      shop, accessToken: session.accessToken, apiVersion: this.deps.apiVersion, fetch: this.deps.fetch, logger: this.deps.logger,
    });
    this.clients.set(shop, { token: session.accessToken, client });
    return client;
  }

  forget(shop: string): void {
    this.clients.delete(shop);
  }
}
