// The simulator's state and its programmatic API: shops, apps and installations, tokens, the store
// mutations that fire webhooks, faults and stats. HTTP lives in server.ts.
import { randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import type { Clock } from './clock.ts';
import type { AppRegistration, Installation, ProtectedCustomerField, SimulatorHooks } from './context.ts';
import { hasScope } from './context.ts';
import type { BulkOperationRecord } from './bulk-record.ts';
import { BulkOperations } from './bulk-operations.ts';
import { isoInZone, stringifyWithIds, JsonId } from './formats.ts';
import { LeakyBucket } from './leaky-bucket.ts';
import type { ThrottleStatus } from './leaky-bucket.ts';
import { simulatorSchema } from './schema.ts';
import { sessionTokenClaims, signSessionToken } from './session-token.ts';
import { StagedUploads } from './staged-uploads.ts';
import { RESTORE_RATE, ShopState } from './store.ts';
import type { Faults, Plan, ShopStats } from './store.ts';
import { MerchantActions } from './merchant-actions.ts';
import { AccessTokens, newOfflineToken } from './access-tokens.ts';
import type { AuthBehaviour, AuthStats } from './access-tokens.ts';
import { exchangeToken } from './token-exchange.ts';
import type { HttpAnswer } from './token-exchange.ts';
import { WebhookDelivery } from './webhook-delivery.ts';
import type { DeliveryRecord, WebhookCounters, WebhookOptions } from './webhook-delivery.ts';
import { customerPayload, orderPayload, shopPayload } from './webhook-payloads.ts';

export const DEFAULT_API_VERSION = '2026-10';
export const DEFAULT_SCOPES = ['read_customers', 'write_customers', 'read_orders'];

export interface CreateShopInput {
  domain: string;
  plan?: Plan;
  scopes?: string[];
  timezone?: string;
  currency?: string;
  name?: string;
}

export interface RegisterAppInput {
  apiKey: string;
  apiSecret: string;
  webhookAddress?: string | null;
  webhookTopics?: string[] | null;
  apiVersion?: string;
  scopes?: string[] | null;
  /** Protected customer fields approved (level 2); default none (level 1). */
  customerFields?: ProtectedCustomerField[];
}

export interface InstallAppInput extends RegisterAppInput {
  shop: string;
}




export interface ShopStatsReport extends ShopStats {
  webhooks: WebhookCounters;
  auth: AuthStats;
}

// checkouts/* need read_orders as the order topics do (https://shopify.dev/docs/api/admin-graphql/latest/objects/AbandonedCheckout).
const ORDER_TOPICS = /^(orders|refunds|order_transactions|fulfillments|checkouts)\//;
const CUSTOMER_TOPICS = /^customers\/(create|update|delete|enable|disable)$/;


export class Simulator {
  readonly clock: Clock;
  readonly seed: number;
  readonly schema: GraphQLSchema = simulatorSchema();
  readonly webhooks: WebhookDelivery;
  readonly uploads: StagedUploads;
  readonly bulk: BulkOperations;
  readonly hooks: SimulatorHooks;
  readonly merchant: MerchantActions;
  baseUrl = '';
  readonly #shops = new Map<string, ShopState>();
  readonly #shopsById = new Map<string, ShopState>();
  readonly #apps = new Map<string, AppRegistration>();
  readonly #installs = new Map<string, Installation>();
  readonly tokens: AccessTokens;
  readonly #seq = { customer: 7_100_000_000_000, order: 5_600_000_000_000, lineItem: 13_900_000_000_000, refund: 9_200_000_000_000, shop: 60_000_000_000, install: 400_000_000, dataRequest: 9000 };

  constructor(opts: { clock: Clock; seed: number; tmpDir: string; webhooks?: WebhookOptions }) {
    this.clock = opts.clock;
    this.seed = opts.seed;
    this.tokens = new AccessTokens(opts.clock);
    this.webhooks = new WebhookDelivery(opts.clock, opts.seed, opts.webhooks);
    this.uploads = new StagedUploads(opts.tmpDir, () => this.baseUrl);
    this.bulk = new BulkOperations({
      schema: this.schema, clock: opts.clock, tmpDir: opts.tmpDir, seed: opts.seed, baseUrl: () => this.baseUrl, uploads: this.uploads,
      onFinish: (rec, install) => this.#bulkFinished(rec, install),
    });
    this.merchant = new MerchantActions({
      clock: opts.clock, shop: (d) => this.shop(d), emit: (shop, topic, payload) => this.#emit(shop, topic, payload), nextId: (k) => this.nextId(k),
    });
    this.hooks = {
      baseUrl: () => this.baseUrl,
      tagsChanged: (shop, kind, id) => this.#tagsChanged(shop, kind, id),
      bulk: this.bulk,
      uploads: this.uploads,
    };
  }

  nextId(kind: 'customer' | 'order' | 'lineItem' | 'refund'): string {
    return String(++this.#seq[kind]);
  }

  // ── shops, apps, tokens ────────────────────────────────────────────────────────────────────────

  createShop(input: CreateShopInput): ShopState {
    const domain = input.domain.toLowerCase();
    if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(domain)) throw new Error(`shop domain must look like name.myshopify.com: ${input.domain}`);
    if (this.#shops.has(domain)) throw new Error(`shop exists: ${domain}`);
    const id = String(++this.#seq.shop);
    const shop = new ShopState({
      id, domain, name: input.name ?? domain.replace('.myshopify.com', ''), plan: input.plan ?? 'standard',
      scopes: [...(input.scopes ?? DEFAULT_SCOPES)], timezone: input.timezone ?? 'UTC', currency: input.currency ?? 'USD',
      seed: (this.seed ^ Number(id)) >>> 0,
    });
    this.#shops.set(domain, shop);
    this.#shopsById.set(id, shop);
    return shop;
  }

  shop(domain: string): ShopState {
    const s = this.#shops.get(domain.toLowerCase());
    if (!s) throw new Error(`unknown shop ${domain}`);
    return s;
  }

  findShop(domain: string): ShopState | undefined {
    return this.#shops.get(domain.toLowerCase());
  }

  registerApp(input: RegisterAppInput): AppRegistration {
    const app: AppRegistration = {
      apiKey: input.apiKey, apiSecret: input.apiSecret, webhookAddress: input.webhookAddress ?? null,
      webhookTopics: input.webhookTopics ?? null, apiVersion: input.apiVersion ?? DEFAULT_API_VERSION, scopes: input.scopes ?? null,
      customerFields: [...(input.customerFields ?? [])],
    };
    this.#apps.set(app.apiKey, app);
    return app;
  }

  /** New client secret: token exchange wants it at once; webhooks keep the old one for graceMs. */
  rotateAppSecret(apiKey: string, newSecret: string, opts: { graceMs?: number } = {}): void {
    const app = this.#apps.get(apiKey);
    if (!app) throw new Error(`unknown app ${apiKey}`);
    app.previousSecret = app.apiSecret;
    app.previousSecretUntil = this.clock.now() + (opts.graceMs ?? 3_600_000);
    app.apiSecret = newSecret;
  }

  app(apiKey: string): AppRegistration | undefined {
    return this.#apps.get(apiKey);
  }

  /**
   * Registers (or updates) the app, installs it on the shop and returns an offline access token:
   * non-expiring by default, an expiring one with its refresh token when `expiring` is set.
   */
  installApp(input: InstallAppInput & { expiring?: boolean }): { accessToken: string; scope: string; refreshToken?: string; expiresInS?: number; refreshTokenExpiresInS?: number } {
    const shop = this.shop(input.shop);
    const app = this.registerApp(input);
    const install = this.#install(shop, app);
    if (input.expiring) {
      const p = this.tokens.exchangeExpiring(install);
      return { accessToken: p.access_token, scope: p.scope, refreshToken: p.refresh_token, expiresInS: p.expires_in, refreshTokenExpiresInS: p.refresh_token_expires_in };
    }
    return { accessToken: this.tokens.nonExpiring(install), scope: install.scopes.join(',') };
  }

  #install(shop: ShopState, app: AppRegistration): Installation {
    const key = `${shop.id}:${app.apiKey}`;
    const existing = this.#installs.get(key);
    if (existing?.active) {
      existing.app = app;
      return existing;
    }
    // Granted = what the app asks for, limited to what the shop grants (read_all_orders needs both).
    const scopes = app.scopes ? app.scopes.filter((s) => shop.scopes.includes(s) || (s.startsWith('read_') && shop.scopes.includes(`write_${s.slice(5)}`))) : [...shop.scopes];
    const install: Installation = {
      id: String(++this.#seq.install), shop, app, scopes,
      bucket: new LeakyBucket(RESTORE_RATE[shop.plan], this.clock), offlineToken: newOfflineToken(), active: true,
    };
    this.#installs.set(key, install);
    this.tokens.registerNonExpiring(install);
    return install;
  }

  installation(shopDomain: string, apiKey?: string): Installation | undefined {
    const shop = this.findShop(shopDomain);
    if (!shop) return undefined;
    if (apiKey) return this.#installs.get(`${shop.id}:${apiKey}`);
    return [...this.#installs.values()].find((i) => i.shop === shop && i.active);
  }

  authenticate(token: string): Installation | null {
    return this.tokens.authenticate(token);
  }

  /** Token lifetimes, the 2027 switch (non-expiring tokens refused) and lost refresh answers. */
  setAuthBehaviour(b: Partial<AuthBehaviour>): void {
    this.tokens.configure(b);
  }

  /** Every token the app holds for the shop stops working (refresh tokens too); the app stays installed. */
  revokeTokens(shopDomain: string, apiKey: string): void {
    const install = this.installation(shopDomain, apiKey);
    if (!install?.active) throw new Error(`app ${apiKey} is not installed on ${shopDomain}`);
    this.tokens.revoke(install);
  }

  uninstallApp(shopDomain: string, apiKey: string): void {
    const install = this.installation(shopDomain, apiKey);
    if (!install?.active) return;
    // The app/uninstalled webhook is still delivered to the app that was removed.
    this.#emit(install.shop, 'app/uninstalled', shopPayload(install.shop), install);
    install.active = false;
    this.tokens.revoke(install);
  }

  /**
   * The merchant approves scopes a new app version asks for (or they are revoked): the grant changes
   * and app/scopes_update is delivered with the previous and current lists
   * (https://shopify.dev/changelog/new-webhook-topic-app-scopes_update; shop_id from 2025-07:
   * https://shopify.dev/changelog/add-shopid-to-appscopesupdate-webhook-payload).
   */
  updateGrantedScopes(shopDomain: string, apiKey: string, scopes: string[]): void {
    const install = this.installation(shopDomain, apiKey);
    if (!install?.active) throw new Error(`app ${apiKey} is not installed on ${shopDomain}`);
    const previous = [...install.scopes];
    install.scopes = [...new Set(scopes)];
    const now = this.clock.now();
    this.#emit(install.shop, 'app/scopes_update', {
      id: new JsonId(install.id), shop_id: new JsonId(install.shop.id), previous, current: [...install.scopes],
      updated_at: isoInZone(now, install.shop.timezone), created_at: isoInZone(now, install.shop.timezone),
    }, install);
  }

  mintSessionToken(shopDomain: string, opts: { apiKey: string; apiSecret?: string; ttlSeconds?: number; userId?: string }): string {
    const shop = this.shop(shopDomain);
    const secret = opts.apiSecret ?? this.#apps.get(opts.apiKey)?.apiSecret;
    if (!secret) throw new Error(`unknown app ${opts.apiKey}: pass apiSecret or register the app`);
    return signSessionToken(sessionTokenClaims(shop.domain, opts.apiKey, this.clock.now(), opts.ttlSeconds ?? 60, opts.userId ?? '1'), secret);
  }

  tokenExchange(body: Record<string, unknown>, shopHint: string | null): HttpAnswer {
    return exchangeToken({
      now: () => this.clock.now(),
      app: (k) => this.#apps.get(k),
      issue: (domain, app, kind, _userId, expiring) => {
        const shop = this.findShop(domain);
        if (!shop) return { error: `Shop ${domain} does not exist.` };
        const install = this.#install(shop, app);
        if (kind === 'offline' && expiring) return { pair: this.tokens.exchangeExpiring(install) };
        if (kind === 'offline') return { accessToken: this.tokens.exchangeNonExpiring(install), scopes: install.scopes };
        return { accessToken: this.tokens.issueOnline(install, 86_399_000), scopes: install.scopes };
      },
      migrate: (domain, app, token) => this.tokens.migrate(app.apiKey, domain, token),
      refresh: (app, refreshToken) => this.tokens.refresh(app.apiKey, refreshToken),
    }, body, shopHint);
  }

  // ── webhooks ───────────────────────────────────────────────────────────────────────────────────

  #emit(shop: ShopState, topic: string, payload: object, only?: Installation): void {
    const body = stringifyWithIds(payload);
    const eventId = randomUUID();
    for (const install of this.#installs.values()) {
      if (install.shop !== shop || (!install.active && install !== only) || (only && install !== only)) continue;
      const app = install.app;
      if (!app.webhookAddress) continue;
      if (app.webhookTopics && !app.webhookTopics.includes(topic)) continue;
      if (ORDER_TOPICS.test(topic) && !hasScope(install.scopes, 'read_orders')) continue;
      if (CUSTOMER_TOPICS.test(topic) && !hasScope(install.scopes, 'read_customers')) continue;
      // Shopify may keep signing with the old secret for up to an hour after a rotation.
      const signing = app.previousSecret && this.clock.now() < (app.previousSecretUntil ?? 0) ? app.previousSecret : app.apiSecret;
      this.webhooks.send({ shop: shop.domain, apiKey: app.apiKey, apiSecret: signing, address: app.webhookAddress, apiVersion: app.apiVersion }, topic, body, eventId);
    }
  }

  sendWebhook(shopDomain: string, topic: string, payload: object): void {
    this.#emit(this.shop(shopDomain), topic, payload);
  }

  sendComplianceWebhook(shopDomain: string, topic: 'customers/data_request' | 'customers/redact' | 'shop/redact', opts: { customerId?: string } = {}): void {
    const shop = this.shop(shopDomain);
    const base = { shop_id: new JsonId(shop.id), shop_domain: shop.domain };
    if (topic === 'shop/redact') return this.#emit(shop, topic, base);
    if (!opts.customerId) throw new Error(`${topic} needs customerId`);
    const c = shop.customers.get(opts.customerId);
    const orderIds = (c?.orderIds ?? []).map((id) => new JsonId(id));
    const customer = { id: new JsonId(opts.customerId), email: null, phone: null };
    if (topic === 'customers/redact') return this.#emit(shop, topic, { ...base, customer, orders_to_redact: orderIds });
    this.#emit(shop, topic, { ...base, customer, orders_requested: orderIds, data_request: { id: ++this.#seq.dataRequest } });
  }

  #bulkFinished(rec: BulkOperationRecord, install: Installation): void {
    const shop = install.shop;
    this.#emit(shop, 'bulk_operations/finish', {
      admin_graphql_api_id: rec.gid, completed_at: rec.completedAt === null ? null : isoInZone(rec.completedAt, shop.timezone),
      created_at: isoInZone(rec.createdAt, shop.timezone), error_code: rec.errorCode?.toLowerCase() ?? null,
      status: rec.status.toLowerCase(), type: rec.type.toLowerCase(),
    }, install);
  }

  #tagsChanged(shop: ShopState, kind: 'Customer' | 'Order', id: string): void {
    const now = this.clock.now();
    if (kind === 'Customer') {
      const c = shop.customers.get(id);
      if (!c) return;
      c.updatedAt = Math.max(now, c.updatedAt);
      this.#emit(shop, 'customers/update', customerPayload(shop, c));
    } else {
      const o = shop.orders.get(id);
      if (!o) return;
      shop.orders.set(o.id, o);
      // Order versions are told apart by updated_at (second precision on the wire): keep it increasing.
      o.updatedAt = Math.max(now, o.updatedAt + 1000);
      this.#emit(shop, 'orders/updated', orderPayload(shop, o));
    }
  }

  // ── faults, stats ──────────────────────────────────────────────────────────────────────────────

  setFaults(shopDomain: string, faults: Partial<Faults>): void {
    const shop = this.shop(shopDomain);
    shop.faults = { ...shop.faults, ...faults };
  }

  stats(shopDomain: string): ShopStatsReport {
    const shop = this.shop(shopDomain);
    return { ...structuredClone(shop.stats), webhooks: { ...this.webhooks.counters(shop.domain) }, auth: { ...this.tokens.stats(shop.domain) } };
  }

  webhookLog(shopDomain: string): DeliveryRecord[] {
    return this.webhooks.log(this.shop(shopDomain).domain);
  }

  bucket(shopDomain: string, apiKey?: string): ThrottleStatus {
    const i = this.installation(shopDomain, apiKey);
    if (!i) throw new Error(`no installation on ${shopDomain}`);
    return i.bucket.status();
  }
}
