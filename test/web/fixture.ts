// A running app for the dashboard tests: real MongoDB-compatible server and Redis (a database and
// BullMQ prefix per test file), real stores, engine and pipeline; only Shopify is replaced by the
// pipeline tests' recording fake. Two installed shops with overlapping customer ids, so a test can
// prove that shop A's token never reaches shop B's data. Kept small: the MongoDB-compatible server
// (FerretDB on SQLite) writes slowly, and every test file shares it.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { depsFromConnection, type Deps } from '../../src/deps.ts';
import type { Config } from '../../src/config.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { recalibrateShop } from '../../jobs/recalibrate-shop.ts';
import { QUEUE } from '../../jobs/queues.ts';
import { createApp } from '../../web/app.ts';
import { dashboardMounts } from '../../web/mounts.ts';
import { dashboardPortsFrom, type DashboardPorts } from '../../web/ports.ts';
import { signSessionToken } from '../../web/admin/session-token.ts';
import type { NormalizedOrder } from '../../src/segments/types.ts';
import { AS_OF, DAY, RecordingShopify, installShop, order, runtimeFor, seededOrders, testConfig } from '../jobs/support.ts';
import { fileURLToPath } from 'node:url';

const DASHBOARD_SOURCE = fileURLToPath(new URL('../../web/dashboard/', import.meta.url));

export { AS_OF, DAY };
export const SHOP_A = 'shop-a.myshopify.com';
export const SHOP_B = 'shop-b.myshopify.com';
export const SUPPORT_TOKEN = 's'.repeat(40);

export interface FixtureOptions {
  demo?: boolean;
  customersA?: number;
  /** Shop A's orders instead of `customersA` seeded ones, and its settings (before the first calibration). */
  ordersA?: NormalizedOrder[];
  settingsA?: Record<string, unknown>;
  /** Requests per shop per minute on the admin API. */
  rateLimitPerMinute?: number;
  /** Earlier recalibrations of shop A, in days before AS_OF, so there is a history to show. */
  historyDaysAgo?: number[];
  /**
   * Where the built dashboard is. Default: the dashboard's source folder, whose index.html is the page
   * template the server fills in (CSP, App Bridge): what the page server does does not depend on a
   * build. The browser test passes a real build.
   */
  distDir?: string;
}

export interface DashboardFixture {
  s: TestServices;
  deps: Deps;
  rt: JobRuntime;
  config: Config;
  shopify: RecordingShopify;
  ports: DashboardPorts;
  url: string;
  /** A valid App Bridge-style session token for the shop (claims overridable). */
  token(shop: string, o?: { secret?: string; apiKey?: string; ttlSeconds?: number; nowSeconds?: number }): Promise<string>;
  get(path: string, token?: string | null, headers?: Record<string, string>): Promise<Response>;
  send(method: string, path: string, body: unknown, token?: string | null): Promise<Response>;
  /** POST /api/settings/preview, then polls the job until it is done: its result. */
  preview<T = Record<string, unknown>>(settings: unknown, token: string): Promise<T>;
  close(): Promise<void>;
}

export async function startDashboardFixture(fileUrl: string, o: FixtureOptions = {}): Promise<DashboardFixture> {
  const s = await openTestServices(fileUrl);
  const config = testConfig(s, { SUPPORT_TOKEN, DEMO_MODE: o.demo ? 'true' : 'false' });
  const deps = await depsFromConnection(config, s.mongo, { logger: testLogger, now: () => AS_OF });
  const shopify = new RecordingShopify();
  const rt = runtimeFor(deps, shopify, AS_OF);
  // Settings previews run as jobs (jobs/settings-preview.ts): a worker for that queue only.
  rt.startWorkers({ queues: [QUEUE.preview], concurrency: 1 });

  await installShop(deps, SHOP_A);
  await installShop(deps, SHOP_B);
  if (o.settingsA) await deps.stores.shops.updateSettings(SHOP_A, o.settingsA, new Date(AS_OF));
  const ordersA = o.ordersA ?? seededOrders(o.customersA ?? 60, 7);
  for (let i = 0; i < ordersA.length; i += 2000) await deps.stores.orders.upsertMany(SHOP_A, ordersA.slice(i, i + 2000));
  // Shop B: the same customer ids as shop A, with very different orders.
  await deps.stores.orders.upsertMany(SHOP_B, [order('9000001', AS_OF - 3 * DAY, 99_900), order('9000001', AS_OF - 2 * DAY, 88_800), order('9000002', AS_OF - 400 * DAY, 500)]);
  for (const days of o.historyDaysAgo ?? []) await recalibrateShop(rt.context, { shop: SHOP_A, reason: 'nightly', asOf: AS_OF - days * DAY });
  await recalibrateShop(rt.context, { shop: SHOP_A, reason: 'support', asOf: AS_OF });
  await recalibrateShop(rt.context, { shop: SHOP_B, reason: 'support', asOf: AS_OF });

  const ports = dashboardPortsFrom(deps, rt, AS_OF);
  const app = createApp({
    deps,
    effects: rt.enqueue,
    mounts: dashboardMounts(ports, { config, redis: deps.redis, logger: testLogger, demoShop: SHOP_A, ...(o.rateLimitPerMinute ? { rateLimitPerMinute: o.rateLimitPerMinute } : {}), distDir: o.distDir ?? DASHBOARD_SOURCE }),
  });
  const server: Server = await new Promise((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const headers = (token: string | null | undefined, extra: Record<string, string> = {}) => ({ ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra });
  return {
    s, deps, rt, config, shopify, ports, url,
    token: (shop, t = {}) =>
      signSessionToken(shop, {
        apiKey: t.apiKey ?? config.SHOPIFY_API_KEY,
        apiSecret: t.secret ?? config.SHOPIFY_API_SECRET,
        ...(t.ttlSeconds !== undefined ? { ttlSeconds: t.ttlSeconds } : {}),
        ...(t.nowSeconds !== undefined ? { nowSeconds: t.nowSeconds } : {}),
      }),
    get: (path, token, extra) => fetch(url + path, { headers: headers(token, extra) }),
    send: (method, path, body, token) => fetch(url + path, { method, headers: headers(token, { 'Content-Type': 'application/json' }), body: JSON.stringify(body) }),
    async preview<T>(settings: unknown, token: string): Promise<T> {
      let job = (await (await fetch(`${url}/api/settings/preview`, { method: 'POST', headers: headers(token, { 'Content-Type': 'application/json' }), body: JSON.stringify({ settings }) })).json()) as { jobId: string; state: string; result: T | null; failedReason?: string };
      for (const until = Date.now() + 60_000; job.state !== 'completed' && job.state !== 'failed'; ) {
        if (Date.now() > until) throw new Error(`preview ${job.jobId} still ${job.state}`);
        await new Promise((r) => setTimeout(r, 50));
        job = (await (await fetch(`${url}/api/settings/preview/${job.jobId}`, { headers: headers(token) })).json()) as typeof job;
      }
      if (job.state === 'failed' || !job.result) throw new Error(`preview failed: ${job.failedReason}`);
      return job.result;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await rt.close();
      await deps.close();
      await s.close();
    },
  };
}
