// A verified session token whose exchange fails is answered as @shopify/shopify-app-express answers it
// (middlewares/perform-token-exchange): Shopify calls the session token invalid → 401 with
// X-Shopify-Retry-Invalid-Session-Request: 1 (App Bridge retries with a fresh token); Shopify refuses
// the app (401) → 401 without the header; anything else → 503. The exchange is the library's, against
// the simulator.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { FakeClock, startShopifySimulator, type ShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { createShopifyApi } from '../../src/shopify/shopify-api.ts';
import { installFromSessionToken } from '../../src/shopify/install.ts';
import { createAdminApi } from '../../web/admin/api.ts';
import { signSessionToken } from '../../web/admin/session-token.ts';
import type { DashboardPorts } from '../../web/ports.ts';
import { makeStores } from '../webhooks/support.ts';

const SHOP = 'retry.myshopify.com';
const KEY = 'retry-key';
const SECRET = 'retry-secret';

describe('admin API: a session token that cannot be exchanged', () => {
  let s: TestServices;
  let sim: ShopifySimulator;
  let server: Server;
  let url: string;
  const clock = new FakeClock(Date.now());
  let failWith: Error | null = null;

  before(async () => {
    s = await openTestServices(import.meta.url);
    sim = await startShopifySimulator({ seed: 3, clock });
    sim.createShop({ domain: SHOP, plan: 'standard', scopes: ['read_customers'] });
    sim.registerApp({ apiKey: KEY, apiSecret: SECRET });
    const stores = makeStores(s.mongo);
    const shopify = createShopifyApi({
      SHOPIFY_API_KEY: KEY, SHOPIFY_API_SECRET: SECRET, SHOPIFY_APP_URL: 'https://segments.example.com', SHOPIFY_API_VERSION: '2026-10', NODE_ENV: 'test', SHOPIFY_API_ORIGIN: sim.url,
    }, testLogger);
    const app = express();
    app.use('/api', createAdminApi({} as DashboardPorts, {
      apiKey: KEY, apiSecret: SECRET, demoMode: false, redis: s.redis(), keyPrefix: s.queuePrefix, logger: testLogger,
      onVerified: async (shop, token) => {
        if (failWith) throw failWith;
        await installFromSessionToken({ shopify, sessions: stores.sessions, shops: stores.shops, logger: testLogger }, shop, token);
      },
    }));
    server = await new Promise((resolve) => { const srv = app.listen(0, '127.0.0.1', () => resolve(srv)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    await sim?.close();
    await s?.close();
  });

  const call = async () => fetch(`${url}/api/session`, { headers: { authorization: `Bearer ${await signSessionToken(SHOP, { apiKey: KEY, apiSecret: SECRET })}` } });

  it('Shopify calls the session token invalid (our clock accepts it, Shopify’s is past it): 401 + retry header', async () => {
    clock.set(Date.now() + 3_600_000);
    const res = await call();
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-shopify-retry-invalid-session-request'), '1');
    assert.equal(((await res.json()) as { reason: string }).reason, 'invalid_session_token');
    clock.set(Date.now());
  });

  it('Shopify refuses the app itself (401 invalid_client): 401 without the retry header', async () => {
    sim.rotateAppSecret(KEY, 'a-new-secret');
    const res = await call();
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-shopify-retry-invalid-session-request'), null);
    sim.registerApp({ apiKey: KEY, apiSecret: SECRET });
  });

  it('Shopify or the network down: 503, retry shortly', async () => {
    failWith = new TypeError('fetch failed');
    const res = await call();
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('x-shopify-retry-invalid-session-request'), null);
    failWith = null;
  });
});
