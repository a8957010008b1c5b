// Logs carry ids, never personal data or secrets: every line the app writes at level trace during a
// whole webhook → store → recompute → tag sync flow (and a dead letter, compliance topics, an admin
// API call) is captured and searched for the e-mails, names, phones, addresses, IPs and tokens that
// the payloads carried.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Session } from '@shopify/shopify-api';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import { createLogger } from '../../src/logger.ts';
import { depsFromConnection, type Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { recalibrateShop } from '../../jobs/recalibrate-shop.ts';
import { createApp } from '../../web/app.ts';
import { dashboardMounts } from '../../web/mounts.ts';
import { dashboardPortsFrom } from '../../web/ports.ts';
import { signSessionToken } from '../../web/admin/session-token.ts';
import { offlineSessionId } from '../../src/profiles/session-store.ts';
import { webhookHmac } from '../../webhooks/verify-hmac.ts';
import { AS_OF, RecordingShopify, installShop, runtimeFor, seededOrders, testConfig } from '../jobs/support.ts';
import { pollUntil } from '../../tools/poll.ts';

const SHOP = 'pii-shop.myshopify.com';
const PERSONAL = {
  email: 'grace.hopper.4711@example.org',
  first: 'Gracielle',
  last: 'Hopperstein',
  phone: '+15558675309',
  street: '1600 Amphitheatre Parkway 42',
  city: 'Springfieldtown',
  zip: '90210-4711',
  ip: '203.0.113.77',
  note: 'leave at the blue door',
};
const ACCESS_TOKEN = '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';

function orderPayload(id: number, customerId: number): string {
  const address = { first_name: PERSONAL.first, last_name: PERSONAL.last, address1: PERSONAL.street, city: PERSONAL.city, zip: PERSONAL.zip, phone: PERSONAL.phone, name: `${PERSONAL.first} ${PERSONAL.last}` };
  return JSON.stringify({
    id, created_at: '2026-11-18T10:00:00Z', processed_at: '2026-11-18T10:00:00Z', updated_at: '2026-11-18T10:00:01Z', cancelled_at: null,
    financial_status: 'paid', test: false, currency: 'USD', total_price: '42.00', current_total_price: '42.00',
    email: PERSONAL.email, contact_email: PERSONAL.email, phone: PERSONAL.phone, browser_ip: PERSONAL.ip, note: PERSONAL.note,
    billing_address: address, shipping_address: address,
    customer: { id: customerId, email: PERSONAL.email, first_name: PERSONAL.first, last_name: PERSONAL.last, phone: PERSONAL.phone, default_address: address },
    line_items: [{ id: 1, product_id: 11, variant_id: 12, sku: 'S', quantity: 1, name: 'Widget', title: 'Widget' }],
  });
}

describe('proof: logs contain no personal data', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  let server: Server;
  let url: string;
  const captured: string[] = [];

  before(async () => {
    s = await openTestServices(import.meta.url);
    const sink = new PassThrough();
    sink.on('data', (d: Buffer) => captured.push(d.toString('utf8')));
    const logger = createLogger({ level: 'trace', destination: sink });
    const config = testConfig(s, { LOG_LEVEL: 'trace' });
    deps = await depsFromConnection(config, s.mongo, { logger, now: () => AS_OF });
    rt = runtimeFor(deps, new RecordingShopify(), AS_OF);
    await installShop(deps, SHOP);
    await deps.stores.orders.upsertMany(SHOP, seededOrders(40, 11));
    await recalibrateShop(rt.context, { shop: SHOP, reason: 'support', asOf: AS_OF });
    rt.startWorkers({ concurrency: 2 });
    const app = createApp({ deps, effects: rt.enqueue, mounts: dashboardMounts(dashboardPortsFrom(deps, rt, AS_OF), { config, redis: deps.redis, logger }) });
    server = await new Promise((resolve) => { const srv = app.listen(0, '127.0.0.1', () => resolve(srv)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await rt.close();
    await deps.close();
    await s.close();
  });

  const send = async (topic: string, body: string, webhookId: string) => {
    const res = await fetch(`${url}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-shop-domain': SHOP, 'x-shopify-webhook-id': webhookId, 'x-shopify-api-version': '2026-10', 'x-shopify-hmac-sha256': webhookHmac(body, deps.config.SHOPIFY_API_SECRET) },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  };

  async function drained(): Promise<void> {
    await pollUntil('the queues to drain', async () => {
      const counts = await Promise.all([rt.queues.recompute.getJobCounts('waiting', 'active', 'delayed', 'prioritized'), rt.queues.syncTags.getJobCounts('waiting', 'active', 'delayed', 'prioritized')]);
      return counts.every((c) => Object.values(c).every((n) => n === 0));
    }, { timeoutMs: 60_000 });
  }

  it('a whole webhook → recompute → tag sync flow, a dead letter, compliance topics and an admin call log no personal data', async () => {
    for (let i = 0; i < 5; i++) assert.equal(await send('orders/create', orderPayload(880000 + i, 9000001 + i), `pii-${i}`), 200);
    // A duplicate, a payload that becomes a dead letter, a malformed JSON body and a bad signature.
    assert.equal(await send('orders/create', orderPayload(880000, 9000001), 'pii-0'), 200);
    assert.equal(await send('orders/create', JSON.stringify({ id: 'x', email: PERSONAL.email, customer: { first_name: PERSONAL.first, phone: PERSONAL.phone } }), 'pii-dead'), 200);
    assert.equal(await send('orders/create', `{"email":"${PERSONAL.email}",`, 'pii-json'), 200);
    const forged = await fetch(`${url}/webhooks`, { method: 'POST', headers: { 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': SHOP, 'x-shopify-webhook-id': 'pii-forged', 'x-shopify-hmac-sha256': 'bad' }, body: orderPayload(1, 2) });
    assert.equal(forged.status, 401);
    const customer = { id: 9000003, email: PERSONAL.email, phone: PERSONAL.phone };
    assert.equal(await send('customers/data_request', JSON.stringify({ shop_id: 1, shop_domain: SHOP, orders_requested: [880002], customer, data_request: { id: 5 } }), 'pii-dr'), 200);
    assert.equal(await send('customers/redact', JSON.stringify({ shop_id: 1, shop_domain: SHOP, customer, orders_to_redact: [880002] }), 'pii-redact'), 200);
    await deps.stores.sessions.storeSession(new Session({ id: offlineSessionId(SHOP), shop: SHOP, state: '', isOnline: false, accessToken: ACCESS_TOKEN, scope: 'read_orders' }));
    const sessionToken = await signSessionToken(SHOP, { apiKey: deps.config.SHOPIFY_API_KEY, apiSecret: deps.config.SHOPIFY_API_SECRET });
    const api = await fetch(`${url}/api/customers/9000001`, { headers: { Authorization: `Bearer ${sessionToken}` } });
    assert.equal(api.status, 200, 'the admin call was served (and so logged)');
    assert.equal((await api.json() as { customerId?: string }).customerId, '9000001');
    await drained();

    const logs = captured.join('');
    const lines = logs.split('\n').filter(Boolean);
    assert.ok(lines.length >= 10, `the flow was logged at trace level (${lines.length} lines)`);
    assert.ok(lines.some((l) => l.includes(`"shop":"${SHOP}"`)), 'logs do carry ids');
    const secrets = [...Object.values(PERSONAL), PERSONAL.email.split('@')[0]!, ACCESS_TOKEN, sessionToken, sessionToken.split('.')[2]!, deps.config.SHOPIFY_API_SECRET, deps.config.SUPPORT_TOKEN, deps.config.ENCRYPTION_KEY];
    for (const secret of secrets) {
      const hit = lines.find((l) => l.includes(secret));
      assert.equal(hit, undefined, `log line contains ${JSON.stringify(secret)}: ${hit?.slice(0, 300)}`);
    }
  });
});
