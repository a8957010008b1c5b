// Entry point of the Shopify simulator (a test double, not Shopify): starts the HTTP server and
// returns the programmatic API documented in README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Clock } from './clock.ts';
import { realClock } from './clock.ts';
import type { BulkOperationRecord } from './bulk-record.ts';
import { seedFromCdnow } from './seed-cdnow.ts';
import type { CdnowOptions } from './seed-cdnow.ts';
import { seedSynthetic } from './seed-synthetic.ts';
import { shopifyObjectsView, type ShopifyObjectsView } from './shopify-objects.ts';
import { webPixelView, type WebPixelView } from './web-pixels.ts';
import type { SyntheticOptions } from './seed-synthetic.ts';
import { createSimulatorApp } from './server.ts';
import { Simulator } from './simulator.ts';
import type { CreateShopInput, InstallAppInput, RegisterAppInput, ShopStatsReport } from './simulator.ts';
import type { CreateOrderInput, RefundLineItemInput, TimeInput } from './merchant-actions.ts';
import type { CustomerRecord, Faults, OrderRecord } from './store.ts';
import type { ThrottleStatus } from './leaky-bucket.ts';
import type { AuthBehaviour } from './access-tokens.ts';
import type { DeliveryRecord, WebhookOptions } from './webhook-delivery.ts';

export { FakeClock, realClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { shopifyHmac } from './webhook-delivery.ts';
export { simulatorFetch } from './fetch-redirect.ts';
export type { DeliveryRecord, WebhookOptions } from './webhook-delivery.ts';
export { signSessionToken, verifySessionToken } from './session-token.ts';
export type { CustomerRecord, OrderRecord, Faults, Plan } from './store.ts';
export type { AuthBehaviour, AuthStats } from './access-tokens.ts';
export type { BulkOperationRecord } from './bulk-record.ts';
export type { CreateShopInput, InstallAppInput, ShopStatsReport } from './simulator.ts';
export type { CreateOrderInput, LineItemInput, RefundLineItemInput, TimeInput } from './merchant-actions.ts';
export { MERCHANT_TAGS } from './seed-synthetic.ts';
export { CDNOW_CUSTOMER_ID_BASE } from './seed-cdnow.ts';

export interface SimulatorOptions {
  /** 0 (default) = a random free port. Always bound to 127.0.0.1. */
  port?: number;
  clock?: Clock;
  seed?: number;
  webhooks?: WebhookOptions;
}

export interface ShopifySimulator {
  url: string;
  graphqlUrl(version?: string): string;
  clock: Clock;
  close(): Promise<void>;
  createShop(input: CreateShopInput): { id: string; domain: string };
  registerApp(input: RegisterAppInput): void;
  /** Non-expiring offline token by default; `expiring: true` returns an expiring one with its refresh token. */
  installApp(input: InstallAppInput & { expiring?: boolean }): { accessToken: string; scope: string; refreshToken?: string; expiresInS?: number; refreshTokenExpiresInS?: number };
  /** Token lifetimes, the "2027" switch (non-expiring offline tokens refused) and lost refresh answers. */
  setAuthBehaviour(b: Partial<AuthBehaviour>): void;
  /** Every token of the app on the shop stops working (refresh tokens too); the app stays installed. */
  revokeTokens(shop: string, apiKey: string): void;
  uninstallApp(shop: string, apiKey: string): void;
  /** The merchant approves (or revokes) scopes: the installation's grant changes and app/scopes_update is delivered. */
  updateGrantedScopes(shop: string, apiKey: string, scopes: string[]): void;
  /** New client secret; webhooks stay signed with the old one for graceMs (default 1 h), like Shopify. */
  rotateAppSecret(apiKey: string, newSecret: string, opts?: { graceMs?: number }): void;
  mintSessionToken(shop: string, opts: { apiKey: string; apiSecret?: string; ttlSeconds?: number; userId?: string }): string;
  seedFromCdnow(shop: string, file: string, opts?: CdnowOptions): Promise<{ customers: number; orders: number }>;
  seedSynthetic(shop: string, opts: SyntheticOptions): { customers: number; orders: number };
  getCustomer(shop: string, id: string): CustomerRecord | undefined;
  listCustomers(shop: string): CustomerRecord[];
  getOrder(shop: string, id: string): OrderRecord | undefined;
  listOrders(shop: string, filter?: { customerId?: string }): OrderRecord[];
  /** firstName/lastName: protected customer fields, read only through Customer.displayName by apps approved for names. */
  createCustomer(shop: string, input?: { id?: string; tags?: string[]; createdAt?: TimeInput; firstName?: string; lastName?: string }): CustomerRecord;
  setMerchantTags(shop: string, customerId: string, tags: string[]): CustomerRecord;
  /** Segments, metafields and Flow trigger calls kept in the shop (shopify-objects.ts). */
  shopifyObjects(shop: string): ShopifyObjectsView;
  /** The app's web pixel on the shop (web-pixels.ts). */
  webPixels(shop: string): WebPixelView;
  deleteCustomer(shop: string, customerId: string): void;
  createOrder(shop: string, input: CreateOrderInput): OrderRecord;
  updateOrder(shop: string, orderId: string, patch: { tags?: string[]; test?: boolean; sourceName?: string | null }): OrderRecord;
  markOrderPaid(shop: string, orderId: string): OrderRecord;
  cancelOrder(shop: string, orderId: string, opts?: { reason?: string; refund?: boolean }): OrderRecord;
  /** With lineItems, those units leave the line items' currentQuantity (current_quantity on REST). */
  refundOrder(shop: string, orderId: string, opts?: { amount?: string | number; note?: string; lineItems?: RefundLineItemInput[] }): OrderRecord;
  deleteOrder(shop: string, orderId: string): void;
  sendComplianceWebhook(shop: string, topic: 'customers/data_request' | 'customers/redact' | 'shop/redact', opts?: { customerId?: string }): void;
  sendWebhook(shop: string, topic: string, payload: object): void;
  setFaults(shop: string, faults: Partial<Faults>): void;
  setWebhookBehaviour(opts: WebhookOptions): void;
  /** Empties the shop's bucket, as if another client had just spent it all. */
  drainBucket(shop: string, apiKey?: string): void;
  stats(shop: string): ShopStatsReport;
  webhookLog(shop: string): DeliveryRecord[];
  bucket(shop: string, apiKey?: string): ThrottleStatus;
  webhooksIdle(): Promise<void>;
  /** Stops delivering webhooks: nothing new starts, deliveries in flight get their answer (≤ 5 s). */
  stopWebhooks(): Promise<void>;
  getBulkOperation(id: string): BulkOperationRecord | undefined;
  waitForBulkOperation(shop: string, id: string): Promise<BulkOperationRecord>;
  /** The underlying state (for tools that need more than this API). */
  simulator: Simulator;
}

/** The simulator's files (bulk results: gigabytes at a million customers): removed by close(), or when the process exits without it. */
function ownTmpDir(): { tmpDir: string; removeTmp: () => void } {
  const tmpDir = mkdtempSync(join(tmpdir(), 'shopify-simulator-'));
  const removeTmp = () => {
    rmSync(tmpDir, { recursive: true, force: true });
    process.removeListener('exit', removeTmp);
  };
  process.once('exit', removeTmp);
  return { tmpDir, removeTmp };
}

export async function startShopifySimulator(opts: SimulatorOptions = {}): Promise<ShopifySimulator> {
  const { tmpDir, removeTmp } = ownTmpDir();
  const clock = opts.clock ?? realClock;
  const sim = new Simulator({ clock, seed: opts.seed ?? 1, tmpDir, webhooks: opts.webhooks });
  const app = createSimulatorApp(sim);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port ?? 0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  server.keepAliveTimeout = 1000;
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  sim.baseUrl = url;
  let closed = false;

  return {
    url,
    graphqlUrl: (version = '2026-10') => `${url}/admin/api/${version}/graphql.json`,
    clock,
    simulator: sim,
    async close() {
      if (closed) return;
      closed = true;
      sim.webhooks.close();
      sim.bulk.close();
      await sim.bulk.settled();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      removeTmp();
    },
    createShop: (input) => {
      const s = sim.createShop(input);
      return { id: s.id, domain: s.domain };
    },
    registerApp: (input) => void sim.registerApp(input),
    installApp: (input) => sim.installApp(input),
    uninstallApp: (shop, apiKey) => sim.uninstallApp(shop, apiKey),
    setAuthBehaviour: (b) => sim.setAuthBehaviour(b),
    revokeTokens: (shop, apiKey) => sim.revokeTokens(shop, apiKey),
    updateGrantedScopes: (shop, apiKey, scopes) => sim.updateGrantedScopes(shop, apiKey, scopes),
    rotateAppSecret: (apiKey, secret, o) => sim.rotateAppSecret(apiKey, secret, o),
    mintSessionToken: (shop, o) => sim.mintSessionToken(shop, o),
    seedFromCdnow: (shop, file, o) => seedFromCdnow(sim, shop, file, o),
    seedSynthetic: (shop, o) => seedSynthetic(sim, shop, o),
    getCustomer: (shop, id) => sim.merchant.getCustomer(shop, id),
    listCustomers: (shop) => sim.merchant.listCustomers(shop),
    getOrder: (shop, id) => sim.merchant.getOrder(shop, id),
    listOrders: (shop, f) => sim.merchant.listOrders(shop, f),
    createCustomer: (shop, input) => sim.merchant.createCustomer(shop, input),
    setMerchantTags: (shop, id, tags) => sim.merchant.setMerchantTags(shop, id, tags),
    shopifyObjects: (shop) => shopifyObjectsView(sim.shop(shop), () => clock.now()),
    webPixels: (shop) => webPixelView(sim.shop(shop)),
    deleteCustomer: (shop, id) => sim.merchant.deleteCustomer(shop, id),
    createOrder: (shop, input) => sim.merchant.createOrder(shop, input),
    updateOrder: (shop, id, patch) => sim.merchant.updateOrder(shop, id, patch),
    markOrderPaid: (shop, id) => sim.merchant.markOrderPaid(shop, id),
    cancelOrder: (shop, id, o) => sim.merchant.cancelOrder(shop, id, o),
    refundOrder: (shop, id, o) => sim.merchant.refundOrder(shop, id, o),
    deleteOrder: (shop, id) => sim.merchant.deleteOrder(shop, id),
    sendComplianceWebhook: (shop, topic, o) => sim.sendComplianceWebhook(shop, topic, o),
    sendWebhook: (shop, topic, payload) => sim.sendWebhook(shop, topic, payload),
    setFaults: (shop, f) => sim.setFaults(shop, f),
    setWebhookBehaviour: (o) => sim.webhooks.configure(o),
    drainBucket: (shop, apiKey) => {
      const i = sim.installation(shop, apiKey);
      if (!i) throw new Error(`no installation on ${shop}`);
      i.bucket.drain();
    },
    stats: (shop) => sim.stats(shop),
    webhookLog: (shop) => sim.webhookLog(shop),
    bucket: (shop, apiKey) => sim.bucket(shop, apiKey),
    webhooksIdle: () => sim.webhooks.idle(),
    stopWebhooks: () => sim.webhooks.stop(),
    getBulkOperation: (id) => sim.bulk.find(id),
    waitForBulkOperation: async (shop, id) => {
      sim.shop(shop);
      return sim.bulk.wait(id);
    },
  };
}
