// Shared setup of the pipeline's integration tests: real MongoDB-compatible server and Redis (a
// database and BullMQ prefix per file), the real stores and engine; only Shopify is replaced, by a
// recording fake here or by the simulator in the end-to-end tests.
import { loadConfig, type Config } from '../../src/config.ts';
import { depsFromConnection, type Deps } from '../../src/deps.ts';
import type { NormalizedOrder } from '../../src/segments/types.ts';
import { createJobRuntime, type JobRuntime } from '../../jobs/runtime.ts';
import type { ShopifyPort, TagChange, TagWriteResult } from '../../jobs/ports.ts';
import { testLogger, type TestServices } from '../support/test-services.ts';
import { seededRng } from '../../tools/seeded-random.ts';

export const DAY = 86_400_000;
export const AS_OF = Date.parse('2026-11-20T00:00:00Z');

export function testConfig(s: TestServices, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    SHOPIFY_API_KEY: 'test-key',
    SHOPIFY_API_SECRET: 'test-secret',
    SHOPIFY_APP_URL: 'http://127.0.0.1:3000',
    ENCRYPTION_KEY: '11'.repeat(32),
    SUPPORT_TOKEN: 'x'.repeat(32),
    MONGODB_URI: s.mongoUri,
    REDIS_URL: s.redisUrl,
    ...(process.env.REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES } : {}),
    QUEUE_PREFIX: s.queuePrefix,
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** `env` overrides the test config (QUEUE_PARTITIONS: the queues' and the shops' keys' partitions, Deps.shopKeys). */
export async function testDeps(s: TestServices, now = () => AS_OF, env: Record<string, string> = {}): Promise<Deps> {
  return depsFromConnection(testConfig(s, env), s.mongo, { logger: testLogger, now });
}

/** A Shopify stand-in that records tag writes; every write succeeds unless told otherwise. */
export class RecordingShopify implements ShopifyPort {
  readonly writes: Array<{ shop: string; changes: TagChange[]; bulk: boolean }> = [];
  gone = new Set<string>();
  backfillImpl: (shop: string, onProgress: (p: { customers: number; orders: number }) => void | Promise<void>) => Promise<{ customers: number; orders: number }> =
    async () => ({ customers: 0, orders: 0 });

  /** What Shop.customerTags answers. */
  customerTagList: string[] = [];
  installation: 'active' | 'revoked' | 'no-token' = 'no-token';
  async installationState(_shop: string) { return this.installation; }
  async customerTags(_shop: string) { return { tags: [...this.customerTagList], complete: true }; }
  /** The dashboard's live names (opt-in); unset: the port has none (a test sets it). */
  customerNames?: ShopifyPort['customerNames'];

  async writeTags(shop: string, changes: TagChange[], opts: { bulk: boolean }): Promise<TagWriteResult> {
    this.writes.push({ shop, changes, bulk: opts.bulk });
    return {
      written: changes.filter((c) => !this.gone.has(c.customerId)).map((c) => c.customerId),
      changed: changes.filter((c) => !this.gone.has(c.customerId)).map((c) => c.customerId),
      gone: changes.filter((c) => this.gone.has(c.customerId)).map((c) => c.customerId),
      failed: [],
    };
  }

  backfill(shop: string, onProgress: (p: { customers: number; orders: number }) => void | Promise<void>) {
    return this.backfillImpl(shop, onProgress);
  }
}

/** The job side; its partitions are the deps' (QUEUE_PARTITIONS, default 1 on a single Redis and 6 on a cluster: testDeps' `env`). */
export function runtimeFor(deps: Deps, shopify: ShopifyPort, asOf = AS_OF): JobRuntime {
  return createJobRuntime(deps, { shopify, asOf });
}

let orderSeq = 1000;
export function order(customerId: string, at: number, amountMinor: number, extra: Partial<NormalizedOrder> = {}): NormalizedOrder {
  const id = String(++orderSeq);
  return {
    id, customerId, createdAt: at, processedAt: at, cancelledAt: null, updatedAt: at, test: false,
    financialStatus: 'paid', netMinor: amountMinor, grossMinor: amountMinor, currency: 'USD', discountCodes: [],
    sourceName: 'web', tags: [], b2b: false, lineItems: [{ productId: '1', variantId: '11', sku: 'SKU-1', quantity: 1 }], ...extra,
  };
}

/** A seeded shop: `n` customers with 1–8 orders spread over the last two years. */
export function seededOrders(n: number, seed = 7): NormalizedOrder[] {
  const rng = seededRng(seed);
  const rnd = () => rng.next();
  const out: NormalizedOrder[] = [];
  for (let c = 1; c <= n; c++) {
    const count = 1 + Math.floor(rnd() * rnd() * 8);
    for (let k = 0; k < count; k++) out.push(order(`${9_000_000 + c}`, AS_OF - Math.floor(rnd() * 700 + 1) * DAY, 1000 + Math.floor(rnd() * 20000)));
  }
  return out;
}

export async function installShop(deps: Deps, shop: string, timezone = 'UTC'): Promise<void> {
  await deps.stores.shops.markInstalled(shop, { scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], timezone, currency: 'USD' }, new Date(AS_OF));
}

/** Seeds orders with the order store's batch write (what the backfill uses). */
export async function seedOrders(deps: Deps, shop: string, orders: readonly NormalizedOrder[]): Promise<void> {
  for (let i = 0; i < orders.length; i += 2000) await deps.stores.orders.upsertMany(shop, orders.slice(i, i + 2000));
}
