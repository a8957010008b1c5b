// Live customer names for the visible page only (issue 16): off by default; once the merchant opts in,
// POST /api/customer-names reads Customer.displayName from Shopify (here the simulator, through the
// app's real ShopifyPort and offline token) and answers with `Cache-Control: no-store`; a shop whose app
// is not approved for protected customer fields gets 'not-approved' (ids only). Nothing of the names
// reaches MongoDB (every command the driver sends is watched), Redis (every command of every ioredis
// client of this process), the logs (trace level) or the segment CSV.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import { Session } from '@shopify/shopify-api';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import { createLogger } from '../../src/logger.ts';
import { depsFromConnection, type Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { createShopifyPort } from '../../jobs/shopify-port.ts';
import { recalibrateShop } from '../../jobs/recalibrate-shop.ts';
import { createApp } from '../../web/app.ts';
import { dashboardMounts } from '../../web/mounts.ts';
import { dashboardPortsFrom } from '../../web/ports.ts';
import { signSessionToken } from '../../web/admin/session-token.ts';
import { offlineSessionId } from '../../src/profiles/session-store.ts';
import { startShopifySimulator, FakeClock, type ShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import { AS_OF, RecordingShopify, installShop, runtimeFor, seededOrders, testConfig } from '../jobs/support.ts';

const APPROVED = 'names-approved.myshopify.com';
const REFUSED = 'names-refused.myshopify.com';
// Names no other test or fixture uses, so a hit anywhere is this test's.
const NAMES: Record<string, [string, string]> = {
  '9000001': ['Quirinella', 'Zwetschkenbaum'],
  '9000002': ['Ottokarine', 'Vielgeschrey'],
  '9000003': ['Bartholomea', 'Krautwickel'],
};
const NEEDLES = Object.values(NAMES).flat();

describe('live customer names: opt-in, read live, never stored or logged', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  let sim: ShopifySimulator;
  let port: ReturnType<typeof createShopifyPort>;
  let server: Server;
  let url: string;
  const logs: string[] = [];
  const mongoCommands: string[] = [];
  const redisCommands: string[] = [];
  const originalSend = Redis.prototype.sendCommand;

  before(async () => {
    s = await openTestServices(import.meta.url);
    sim = await startShopifySimulator({ clock: new FakeClock(AS_OF), seed: 3 });
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => logs.push(d.toString('utf8')));
    const logger = createLogger({ level: 'trace', destination: sink });
    const config = testConfig(s, { LOG_LEVEL: 'trace', SHOPIFY_API_ORIGIN: sim.url });
    deps = await depsFromConnection(config, s.mongo, { logger, now: () => AS_OF });
    for (const [shop, customerFields] of [[APPROVED, ['name']], [REFUSED, []]] as const) {
      sim.createShop({ domain: shop, scopes: ['read_customers', 'write_customers', 'read_orders'] });
      for (const [id, [firstName, lastName]] of Object.entries(NAMES)) sim.createCustomer(shop, { id, firstName, lastName });
      sim.createCustomer(shop, { id: '9000004' }); // no name at all: displayName ""
      const { accessToken } = sim.installApp({ shop, apiKey: config.SHOPIFY_API_KEY, apiSecret: config.SHOPIFY_API_SECRET, customerFields: [...customerFields] });
      await installShop(deps, shop);
      await deps.stores.sessions.storeSession(new Session({ id: offlineSessionId(shop), shop, state: '', isOnline: false, accessToken, scope: 'read_customers,write_customers,read_orders' }));
    }
    await deps.stores.orders.upsertMany(APPROVED, seededOrders(5, 3));
    rt = runtimeFor(deps, new RecordingShopify(), AS_OF);
    await recalibrateShop(rt.context, { shop: APPROVED, reason: 'support', asOf: AS_OF });
    port = createShopifyPort(deps);
    const ports = dashboardPortsFrom(deps, { enqueue: rt.enqueue, context: { orders: rt.context.orders, shopify: port } }, AS_OF);
    const app = createApp({ deps, effects: rt.enqueue, mounts: dashboardMounts(ports, { config, redis: deps.redis, logger }) });
    server = await new Promise((resolve) => { const srv = app.listen(0, '127.0.0.1', () => resolve(srv)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // From here on every driver command and every Redis command of this process is kept.
    s.mongo.getClient().on('commandStarted', (e) => mongoCommands.push(JSON.stringify(e.command)));
    Redis.prototype.sendCommand = function (this: Redis, command: Parameters<Redis['sendCommand']>[0], stream?: Parameters<Redis['sendCommand']>[1]) {
      const c = command as unknown as { name: string; args: unknown[] };
      redisCommands.push([c.name, ...c.args.map((a) => (Buffer.isBuffer(a) ? a.toString('utf8') : String(a)))].join(' '));
      return originalSend.call(this, command, stream);
    } as Redis['sendCommand'];
  });

  after(async () => {
    Redis.prototype.sendCommand = originalSend;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await port.close();
    await rt.close();
    await deps.close();
    await sim.close();
    await s.close();
  });

  const token = (shop: string) => signSessionToken(shop, { apiKey: deps.config.SHOPIFY_API_KEY, apiSecret: deps.config.SHOPIFY_API_SECRET });
  const call = async (shop: string, method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${url}/api${path}`, { method, headers: { Authorization: `Bearer ${await token(shop)}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const ids = ['9000001', '9000002', '9000003', '9000004'];

  it('is off by default: no call to Shopify, ids only', async () => {
    const before = sim.stats(APPROVED).apiCalls;
    const setting = await (await call(APPROVED, 'GET', '/customer-names/setting')).json();
    assert.deepEqual(setting, { enabled: false });
    const res = await call(APPROVED, 'POST', '/customer-names', { ids });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), { status: 'off', names: {} });
    assert.equal(sim.stats(APPROVED).apiCalls, before, 'Shopify was not asked');
  });

  it('opted in: the names of the ids asked for, read live, no-store', async () => {
    assert.deepEqual(await (await call(APPROVED, 'PUT', '/customer-names/setting', { enabled: true })).json(), { enabled: true });
    assert.deepEqual(await (await call(APPROVED, 'GET', '/customer-names/setting')).json(), { enabled: true });
    const res = await call(APPROVED, 'POST', '/customer-names', { ids });
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), {
      status: 'ok',
      names: { '9000001': 'Quirinella Zwetschkenbaum', '9000002': 'Ottokarine Vielgeschrey', '9000003': 'Bartholomea Krautwickel' },
    });
    // Bad input is refused before Shopify is asked.
    assert.equal((await call(APPROVED, 'POST', '/customer-names', { ids: ['x'] })).status, 400);
    assert.equal((await call(APPROVED, 'POST', '/customer-names', { ids: Array.from({ length: 251 }, (_, i) => String(i + 1)) })).status, 400);
  });

  it('a shop whose app is not approved for protected customer fields: not-approved, ids only', async () => {
    await call(REFUSED, 'PUT', '/customer-names/setting', { enabled: true });
    const res = await call(REFUSED, 'POST', '/customer-names', { ids });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), { status: 'not-approved', names: {} });
  });

  it('the segment CSV, MongoDB, Redis and the logs never saw a name', async () => {
    const link = (await (await call(APPROVED, 'POST', '/segments/loyalty/one-time-buyer/export-link')).json()) as { url: string };
    const csv = await (await fetch(`${url}${link.url}`)).text();
    assert.match(csv, /^customer_id,/);
    // The watchers saw the traffic of these calls (so an empty haystack cannot pass).
    assert.ok(mongoCommands.some((c) => c.includes('liveCustomerNames')), 'the opt-in write was seen');
    assert.ok(redisCommands.length > 5, `${redisCommands.length} Redis commands seen`);
    assert.ok(logs.length > 0, 'the app logged at trace meanwhile');
    for (const [where, haystack] of [['MongoDB', mongoCommands.join('\n')], ['Redis', redisCommands.join('\n')], ['logs', logs.join('')], ['CSV', csv]] as const) {
      for (const n of NEEDLES) assert.ok(!haystack.includes(n), `${n} reached ${where}`);
    }
  });
});
