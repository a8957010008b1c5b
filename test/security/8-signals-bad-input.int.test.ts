// Issue 19, bad input: the public signal endpoints (web/signals/*). Forged or flooding pixel traffic
// is schema-checked and rate-limited and can only move a known customer's engagement dates forward
// within plausible bounds; a wrong Klaviyo signature or flow token is 401 with nothing stored; a stale
// Klaviyo timestamp is refused; events for unknown or uninstalled shops are dropped and counted.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { deleteKeysUnder } from '../../tools/redis-cleanup.ts';
import { createStores, ensureIndexes, type Stores } from '../../src/deps.ts';
import { SignalDrops } from '../../src/profiles/signal-drops.ts';
import { createSignalsRouter } from '../../web/signals/router.ts';
import { klaviyoSignature } from '../../web/signals/clicks.ts';

const SHOP = 'sig-a.myshopify.com';
const GONE = 'sig-gone.myshopify.com';
const NOW = Date.parse('2026-11-20T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('security 8: the public signal endpoints', () => {
  let s: TestServices;
  let stores: Stores;
  let drops: SignalDrops;
  let server: Server;
  let url: string;
  let key: string;
  const recomputes: string[] = [];
  const footprint = async () => s.shardAudit.unaudited(() => Promise.all(['customer_engagement', 'pixel_clients'].map((c) => s.mongo.db!.collection(c).countDocuments())));

  before(async () => {
    s = await openTestServices(import.meta.url);
    const redis = s.redis();
    stores = createStores(s.mongo, redis, { ENCRYPTION_KEY: 'b'.repeat(64), ENCRYPTION_KEY_PREVIOUS: undefined, QUEUE_PREFIX: s.queuePrefix });
    await ensureIndexes(stores);
    drops = new SignalDrops(redis, s.queuePrefix);
    const app = express();
    app.use('/signals', createSignalsRouter({
      stores, effects: { recomputeCustomer: async (shop, id) => { recomputes.push(`${shop} ${id}`); } }, redis, drops, keys: s.queuePrefix, logger: testLogger, now: () => NOW,
      limits: { pixelPerClient: 3, pixelPerShop: 8, perIp: 1000, clicksPerShop: 1000 },
    }));
    server = await new Promise((resolve) => { const x = app.listen(0, '127.0.0.1', () => resolve(x)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/signals`;
    await stores.shops.markInstalled(SHOP, { scopes: ['read_orders'] }, new Date(NOW));
    await stores.shops.markInstalled(GONE, { scopes: ['read_orders'] }, new Date(NOW - 86_400_000));
    await stores.shops.markUninstalled(GONE, new Date(NOW - 3600_000));
    key = await stores.signalSources.pixelKey(SHOP);
    await stores.signalSources.pixelKey(GONE);
    await stores.orders.upsert(SHOP, { id: '1', customerId: '7001', createdAt: NOW - 400 * 86_400_000, processedAt: NOW - 400 * 86_400_000, cancelledAt: null, updatedAt: 1, test: false, financialStatus: 'paid', netMinor: 1000, grossMinor: 1000, currency: 'USD', discountCodes: [], sourceName: null, tags: [], b2b: false, lineItems: [] });
  });
  after(async () => { await new Promise((r) => server.close(r)); await s.close(); });
  beforeEach(() => { recomputes.length = 0; });

  let client = 0;
  const batch = (over: Record<string, unknown> = {}) => ({ v: 1, shopKey: key, shop: SHOP, customerId: '7001', clientId: `cl-${++client}`, events: [{ e: 'page_viewed', t: iso(NOW - 3600_000) }], ...over });
  const post = (body: unknown) => fetch(`${url}/pixel`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'text/plain' } });

  it('pixel: anything but the strict schema is 400 and stores nothing', async () => {
    const before = await footprint();
    const bad = [
      'not json', batch({ v: 2 }), batch({ email: 'ada@example.com' }), batch({ events: [] }), batch({ customerId: 'ada@example.com' }),
      batch({ events: [{ e: 'order_placed', t: iso(NOW) }] }), batch({ events: [{ e: 'page_viewed', t: iso(NOW), url: 'https://x' }] }),
      batch({ events: Array.from({ length: 21 }, () => ({ e: 'page_viewed', t: iso(NOW) })) }), batch({ shop: 'evil.example.com' }),
    ];
    for (const b of bad) assert.equal((await post(b)).status, 400, JSON.stringify(b).slice(0, 80));
    assert.equal((await post('x'.repeat(9000))).status, 413);
    assert.deepEqual(await footprint(), before);
    assert.deepEqual(recomputes, []);
    assert.ok((await drops.read())['pixel:bad-schema']! >= bad.length);
  });

  it('pixel: an unknown shop, an uninstalled one or a wrong key is dropped and counted (202), nothing stored', async () => {
    const before = await footprint();
    for (const b of [batch({ shop: 'nobody.myshopify.com' }), batch({ shop: GONE, shopKey: await stores.signalSources.pixelKey(GONE) }), batch({ shopKey: 'px_forged_key_123' })]) {
      const r = await post(b);
      assert.equal(r.status, 202);
      assert.equal(((await r.json()) as { accepted: number }).accepted, 0);
    }
    assert.deepEqual(await footprint(), before);
    assert.equal((await drops.read())['pixel:unknown-shop-or-key'], 3);
  });

  it('pixel: flooding one client or one shop gets 429', async () => {
    const flood = batch({ customerId: null });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await post(flood)).status);
    assert.deepEqual(codes, [202, 202, 202, 429, 429]);
    const perShop: number[] = [];
    for (let i = 0; i < 8; i++) perShop.push((await post(batch({ customerId: null }))).status);
    assert.ok(perShop.includes(429), `the shop's limit holds: ${perShop.join(',')}`);
  });

  it('pixel: only moves a known customer\'s dates forward within plausible bounds; unknown customers are not created', async () => {
    // A fresh rate-limit budget: only this file's limiter keys (its own prefix) are deleted.
    await deleteKeysUnder(s.redisUrl, `${s.queuePrefix}:signals:rl`);
    const first = await post(batch({ events: [{ e: 'page_viewed', t: iso(NOW - 3600_000) }] }));
    assert.equal(first.status, 202);
    assert.equal((await stores.engagement.forCustomer(SHOP, '7001'))?.lastVisitAt, NOW - 3600_000);
    // Older, far older, and future times: the date does not move.
    await post(batch({ events: [{ e: 'page_viewed', t: iso(NOW - 7200_000) }, { e: 'page_viewed', t: iso(NOW - 3 * 86_400_000) }, { e: 'page_viewed', t: iso(NOW + 3600_000) }] }));
    assert.equal((await stores.engagement.forCustomer(SHOP, '7001'))?.lastVisitAt, NOW - 3600_000);
    // An id we have never seen creates no customer (kept only as an anonymous client).
    await post(batch({ customerId: '999999' }));
    assert.equal(await stores.engagement.forCustomer(SHOP, '999999'), null);
    assert.equal(await stores.profiles.get(SHOP, '999999'), null);
    assert.ok(!recomputes.some((r) => r.endsWith(' 999999')));
  });

  const klaviyoPost = (shop: string, body: string, headers: Record<string, string>) =>
    fetch(`${url}/klaviyo/${shop}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const klaviyoBody = (customerId: string | null) => JSON.stringify({
    data: [{ topic: 'event:klaviyo.clicked_email', external_id: 'e1', payload: { data: { attributes: { datetime: iso(NOW - 600_000) } }, included: [{ type: 'profile', attributes: { external_id: customerId } }] } }],
    meta: { klaviyo_webhook_id: 'wh-9' },
  });

  it('Klaviyo: a wrong signature is 401 and stores nothing; a stale timestamp is refused; a good one records the click', async () => {
    const secret = await stores.signalSources.rotateKlaviyoSecret(SHOP);
    const body = klaviyoBody('7001');
    const ts = iso(NOW);
    const wrong = await klaviyoPost(SHOP, body, { 'klaviyo-signature': klaviyoSignature('not-the-secret', body, ts), 'klaviyo-timestamp': ts, 'klaviyo-webhook-id': 'wh-9' });
    assert.equal(wrong.status, 401);
    const tampered = await klaviyoPost(SHOP, body.replace('7001', '7002'), { 'klaviyo-signature': klaviyoSignature(secret, body, ts), 'klaviyo-timestamp': ts, 'klaviyo-webhook-id': 'wh-9' });
    assert.equal(tampered.status, 401);
    const staleTs = iso(NOW - 10 * 60_000);
    const stale = await klaviyoPost(SHOP, body, { 'klaviyo-signature': klaviyoSignature(secret, body, staleTs), 'klaviyo-timestamp': staleTs, 'klaviyo-webhook-id': 'wh-9' });
    assert.equal(stale.status, 401);
    assert.deepEqual(await stale.json(), { error: 'stale_timestamp' });
    assert.equal((await stores.engagement.forCustomer(SHOP, '7001'))?.lastEmailClickAt ?? null, null, 'nothing stored');
    const otherId = await klaviyoPost(SHOP, body, { 'klaviyo-signature': klaviyoSignature(secret, body, ts), 'klaviyo-timestamp': ts, 'klaviyo-webhook-id': 'wh-other' });
    assert.equal(otherId.status, 400, 'meta.klaviyo_webhook_id must match the header');
    const ok = await klaviyoPost(SHOP, body, { 'klaviyo-signature': klaviyoSignature(secret, body, ts), 'klaviyo-timestamp': ts, 'klaviyo-webhook-id': 'wh-9' });
    assert.equal(ok.status, 200);
    assert.equal((await stores.engagement.forCustomer(SHOP, '7001'))?.lastEmailClickAt, NOW - 600_000);
    // A click without a Shopify customer id is counted and dropped.
    const anon = klaviyoBody(null);
    const r = await klaviyoPost(SHOP, anon, { 'klaviyo-signature': klaviyoSignature(secret, anon, ts), 'klaviyo-timestamp': ts, 'klaviyo-webhook-id': 'wh-9' });
    assert.deepEqual(await r.json(), { recorded: 0, dropped: 1 });
    const st = (await stores.signalSources.status(SHOP)).find((x) => x.source === 'klaviyo')!;
    assert.equal(st.dropped, 1);
    assert.match(st.lastDropReason ?? '', /no Shopify customer id/);
  });

  it('Klaviyo and flow: unknown or uninstalled shops are dropped and counted', async () => {
    for (const shop of ['nobody.myshopify.com', GONE]) {
      assert.equal((await klaviyoPost(shop, klaviyoBody('7001'), { 'klaviyo-signature': 'x', 'klaviyo-timestamp': iso(NOW) })).status, 202);
      assert.equal((await fetch(`${url}/clicks/${shop}`, { method: 'POST', body: '{"customerId":"7001"}', headers: { 'content-type': 'application/json', 'x-segments-token': 'x' } })).status, 202);
    }
    const d = await drops.read();
    assert.equal(d['klaviyo:unknown-shop'], 2);
    assert.equal(d['clicks:unknown-shop'], 2);
  });

  it('flow webhook / generic form: a wrong or rotated-away token is 401 and stores nothing', async () => {
    const post = (token: string, body: unknown) => fetch(`${url}/clicks/${SHOP}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-segments-token': token } });
    const old = await stores.signalSources.rotateFlowToken(SHOP);
    const current = await stores.signalSources.rotateFlowToken(SHOP);
    recomputes.length = 0;
    assert.equal((await post('sgt_guess', { customerId: '7001', source: 'klaviyo-flow' })).status, 401);
    assert.equal((await post(old, { customerId: '7001', source: 'klaviyo-flow' })).status, 401);
    assert.deepEqual(recomputes, []);
    assert.equal((await post(current, { clicks: [{ customerId: '7001', at: iso(NOW - 60_000) }] })).status, 200);
    assert.equal((await stores.engagement.forCustomer(SHOP, '7001'))?.lastEmailClickAt, NOW - 60_000);
    assert.equal((await post(current, { clicks: [{ customerId: '7001', email: 'ada@example.com' }] })).status, 400, 'no e-mail accepted');
  });
});
