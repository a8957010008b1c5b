import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import { sendWebhook, startWebhookServer, type WebhookServer } from './support.ts';
import { Session } from '@shopify/shopify-api';
import { shopScope } from '../../src/profiles/shard-keys.ts';

const SHOP = 'shop-a.myshopify.com';
const SECRETS = { current: 'current-secret', previous: 'previous-secret' };

function orderJson(o: { id: string; customerId: string; updatedAt: string; current?: string; email?: string }): string {
  return `{"id":${o.id},"created_at":"2026-11-01T10:00:00-05:00","processed_at":"2026-11-01T10:00:00-05:00",` +
    `"updated_at":"${o.updatedAt}","cancelled_at":null,"financial_status":"paid","test":false,"currency":"USD",` +
    `"total_price":"50.00","current_total_price":"${o.current ?? '50.00'}","discount_codes":[],"source_name":"web","tags":"",` +
    `"email":"${o.email ?? 'x@example.com'}","customer":{"id":${o.customerId},"email":"x@example.com","first_name":"Ada"},` +
    `"line_items":[{"id":1,"product_id":11,"variant_id":12,"sku":"S","quantity":1}]}`;
}

describe('POST /webhooks', () => {
  let s: TestServices;
  let w: WebhookServer;
  before(async () => {
    s = await openTestServices(import.meta.url);
    w = await startWebhookServer(s.mongo, SECRETS, '64kb');
  });
  after(async () => { await w.close(); await s.close(); });
  beforeEach(async () => {
    w.effects.calls = [];
    await w.stores.shops.markInstalled(SHOP, { scopes: ['read_orders', 'read_customers', 'write_customers'] }, new Date('2026-11-01T00:00:00Z'));
  });


  it('stores a signed order with its exact big ids and asks for a recompute', async () => {
    const body = orderJson({ id: '9007199254740993001', customerId: '9007199254740995001', updatedAt: '2026-11-01T15:00:00Z' });
    const r = await sendWebhook(w.url, body, { topic: 'orders/create' });
    assert.equal(r.status, 200);
    const stored = await w.stores.orders.get(SHOP, '9007199254740993001');
    assert.equal(stored?.customerId, '9007199254740995001');
    assert.equal(stored?.netMinor, 5000);
    assert.deepEqual(w.effects.calls, [`recompute ${SHOP} 9007199254740995001`]);
    const raw = await s.shardAudit.unaudited(() => w.stores.orders.books.findOne({ customerId: '9007199254740995001' }).lean());
    assert.ok(raw && !JSON.stringify(raw).includes('example.com'), 'no e-mail stored');
  });

  it('accepts a delivery signed with the previous secret during a rotation', async () => {
    const body = orderJson({ id: '1001', customerId: '2001', updatedAt: '2026-11-01T15:00:00Z' });
    const r = await sendWebhook(w.url, body, { topic: 'orders/create', secret: 'previous-secret' });
    assert.equal(r.status, 200);
    assert.ok(await w.stores.orders.get(SHOP, '1001'));
  });

  it('answers 401 and stores nothing when the signature is invalid or missing', async () => {
    const before = await s.shardAudit.unaudited(() => w.stores.deliveries.model.countDocuments());
    const body = orderJson({ id: '1002', customerId: '2002', updatedAt: '2026-11-01T15:00:00Z' });
    assert.equal((await sendWebhook(w.url, body, { topic: 'orders/create', secret: 'wrong' })).status, 401);
    assert.equal((await sendWebhook(w.url, body, { topic: 'orders/create', hmac: null })).status, 401);
    assert.equal(await w.stores.orders.get(SHOP, '1002'), null);
    assert.equal(await s.shardAudit.unaudited(() => w.stores.deliveries.model.countDocuments()), before);
    assert.equal(await w.stores.deadLetters.model.countDocuments({ shop: SHOP }), 0);
    assert.deepEqual(w.effects.calls, []);
  });

  it('does nothing the second time the same webhook id is delivered', async () => {
    const body = orderJson({ id: '1003', customerId: '2003', updatedAt: '2026-11-01T15:00:00Z' });
    const first = await sendWebhook(w.url, body, { topic: 'orders/create', webhookId: 'dup-1' });
    const second = await sendWebhook(w.url, body, { topic: 'orders/create', webhookId: 'dup-1' });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(second.json.duplicate, true);
    assert.deepEqual(w.effects.calls, [`recompute ${SHOP} 2003`]);
  });

  it('recognises a copy of the same event under another webhook id by X-Shopify-Event-Id', async () => {
    // https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates: the event id is the same on every
    // copy of an event (one per subscription), the webhook id is not.
    const body = orderJson({ id: '1013', customerId: '2013', updatedAt: '2026-11-01T15:00:00Z' });
    const first = await sendWebhook(w.url, body, { topic: 'orders/create', webhookId: 'sub-a-1', eventId: 'evt-1013' });
    const copy = await sendWebhook(w.url, body, { topic: 'orders/create', webhookId: 'sub-b-1', eventId: 'evt-1013' });
    assert.equal(first.status, 200);
    assert.equal(copy.json.duplicate, true);
    // Another topic with the same event id is another delivery; without an event id the webhook id decides.
    const paid = await sendWebhook(w.url, body, { topic: 'orders/paid', webhookId: 'sub-a-2', eventId: 'evt-1013' });
    assert.equal(paid.json.duplicate, undefined);
    assert.deepEqual(w.effects.calls, [`recompute ${SHOP} 2013`, `recompute ${SHOP} 2013`]);
  });

  it('keeps the granted scopes from app/scopes_update, newest first, and resyncs when read_all_orders arrives', async () => {
    const at = (iso: string, current: string[]) => JSON.stringify({ id: 1, shop_id: 2, previous: ['read_orders'], current, updated_at: iso });
    const grant = await sendWebhook(w.url, at('2026-11-05T10:00:00-05:00', ['read_orders', 'read_all_orders', 'read_customers', 'write_customers']), { topic: 'app/scopes_update' });
    assert.equal(grant.status, 200);
    let doc = await w.stores.shops.get(SHOP);
    assert.deepEqual(doc?.scopes, ['read_all_orders', 'read_customers', 'read_orders', 'write_customers']);
    assert.equal(doc?.hasReadAllOrders, true);
    assert.deepEqual(w.effects.calls, [`read_all_orders ${SHOP}`]);
    // An older update arriving late changes nothing.
    await sendWebhook(w.url, at('2026-11-04T10:00:00-05:00', ['read_orders']), { topic: 'app/scopes_update' });
    doc = await w.stores.shops.get(SHOP);
    assert.equal(doc?.hasReadAllOrders, true);
    // A newer revocation is kept; it asks for nothing.
    await sendWebhook(w.url, at('2026-11-06T10:00:00-05:00', ['read_orders', 'read_customers', 'write_customers']), { topic: 'app/scopes_update' });
    doc = await w.stores.shops.get(SHOP);
    assert.equal(doc?.hasReadAllOrders, false);
    assert.deepEqual(w.effects.calls, [`read_all_orders ${SHOP}`]);
    // Without a scope list the delivery is a dead letter, not a crash.
    await sendWebhook(w.url, JSON.stringify({ id: 1 }), { topic: 'app/scopes_update' });
    assert.equal(await w.stores.deadLetters.model.countDocuments({ shop: SHOP, topic: 'app/scopes_update' }), 1);
  });

  it('ignores a stale version that arrives after a newer one', async () => {
    const newer = orderJson({ id: '1004', customerId: '2004', updatedAt: '2026-11-02T12:00:00Z', current: '30.00' });
    const older = orderJson({ id: '1004', customerId: '2004', updatedAt: '2026-11-01T12:00:00Z', current: '50.00' });
    assert.equal((await sendWebhook(w.url, newer, { topic: 'orders/updated' })).status, 200);
    assert.equal((await sendWebhook(w.url, older, { topic: 'orders/create' })).status, 200);
    const stored = await w.stores.orders.get(SHOP, '1004');
    assert.equal(stored?.netMinor, 3000);
    assert.equal(stored?.updatedAt, Date.parse('2026-11-02T12:00:00Z'));
    assert.deepEqual(w.effects.calls, [`recompute ${SHOP} 2004`], 'the stale delivery causes no recompute');
  });

  it('keeps an unusable payload as a dead letter without personal data, and answers 200', async () => {
    const body = JSON.stringify({ id: 1005, email: 'ada@example.com', customer: { id: 2005, first_name: 'Ada', phone: '+1555' }, total_price: 'lots' });
    const r = await sendWebhook(w.url, body, { topic: 'orders/create', webhookId: 'bad-1' });
    assert.equal(r.status, 200);
    assert.equal(r.json.deadLetter, true);
    const [dl] = await w.stores.deadLetters.list(SHOP);
    assert.equal(dl?.webhookId, 'bad-1');
    assert.equal(dl?.topic, 'orders/create');
    assert.match(dl?.reason ?? '', /invalid order payload/);
    assert.ok(dl && !/ada@example|Ada|\+1555/.test(dl.payloadJson), 'personal fields stripped');
    assert.match(dl?.payloadJson ?? '', /"id":1005/);
    assert.equal(dl?.customerId, '2005', 'tagged with its customer so customers/redact erases it');
    assert.deepEqual(w.effects.calls, []);
  });

  it('dead-letters a body that is not JSON, and an unknown shop', async () => {
    assert.equal((await sendWebhook(w.url, '{not json', { topic: 'orders/create', webhookId: 'bad-2' })).status, 200);
    const body = orderJson({ id: '1006', customerId: '2006', updatedAt: '2026-11-01T15:00:00Z' });
    const r = await sendWebhook(w.url, body, { topic: 'orders/create', shop: 'unknown.myshopify.com', webhookId: 'bad-3' });
    assert.equal(r.status, 200);
    assert.equal((await w.stores.deadLetters.list(SHOP)).some((d) => d.webhookId === 'bad-2' && d.reason === 'body is not JSON'), true);
    assert.equal((await w.stores.deadLetters.list('unknown.myshopify.com'))[0]?.reason, 'shop is not installed');
    assert.equal(await w.stores.orders.get('unknown.myshopify.com', '1006'), null);
  });

  it('dead-letters an unknown topic, including names of Object.prototype', async () => {
    for (const topic of ['products/create', 'constructor', '__proto__']) {
      const r = await sendWebhook(w.url, '{"id":1}', { topic });
      assert.equal(r.status, 200, topic);
      assert.equal(r.json.deadLetter, true, topic);
    }
  });

  it('answers 413 for a body over the limit, before parsing or storing', async () => {
    const body = JSON.stringify({ id: 1, padding: 'x'.repeat(70 * 1024) });
    const before = await s.shardAudit.unaudited(() => w.stores.deliveries.model.countDocuments());
    const r = await sendWebhook(w.url, body, { topic: 'orders/create' });
    assert.equal(r.status, 413);
    assert.equal(await s.shardAudit.unaudited(() => w.stores.deliveries.model.countDocuments()), before);
  });

  it('records nothing when processing fails, so the retry is processed', async () => {
    const body = orderJson({ id: '1007', customerId: '2007', updatedAt: '2026-11-01T15:00:00Z' });
    w.effects.failNext = 1;
    assert.equal((await sendWebhook(w.url, body, { topic: 'orders/create', webhookId: 'retry-1' })).status, 500);
    assert.equal((await sendWebhook(w.url, body, { topic: 'orders/create', webhookId: 'retry-1' })).status, 200);
    assert.deepEqual(w.effects.calls, [`recompute ${SHOP} 2007`]);
  });

  it('keeps a deleted order deleted when a late update arrives', async () => {
    await sendWebhook(w.url, orderJson({ id: '1008', customerId: '2008', updatedAt: '2026-11-01T15:00:00Z' }), { topic: 'orders/create' });
    assert.equal((await sendWebhook(w.url, '{"id":1008}', { topic: 'orders/delete' })).status, 200);
    await sendWebhook(w.url, orderJson({ id: '1008', customerId: '2008', updatedAt: '2026-11-03T15:00:00Z' }), { topic: 'orders/updated' });
    assert.equal(await w.stores.orders.get(SHOP, '1008'), null);
    assert.deepEqual(await w.stores.orders.listForCustomer(SHOP, '2008'), []);
    assert.deepEqual(w.effects.calls, [`recompute ${SHOP} 2008`, `recompute ${SHOP} 2008`]);
  });

  it('recomputes the customer of a refunded order and signals bulk operation completion', async () => {
    await sendWebhook(w.url, orderJson({ id: '1009', customerId: '2009', updatedAt: '2026-11-01T15:00:00Z' }), { topic: 'orders/create' });
    w.effects.calls = [];
    await sendWebhook(w.url, '{"id":77,"order_id":1009,"admin_graphql_api_id":"gid://shopify/Refund/77","transactions":[]}', { topic: 'refunds/create' });
    await sendWebhook(w.url, '{"admin_graphql_api_id":"gid://shopify/BulkOperation/5","status":"completed","error_code":null,"type":"mutation","created_at":null,"completed_at":null}', { topic: 'bulk_operations/finish' });
    assert.deepEqual(w.effects.calls, [`recompute ${SHOP} 2009`, `bulk ${SHOP} gid://shopify/BulkOperation/5`]);
    assert.equal(w.effects.bulk[0]?.status, 'completed');
  });

  it('customers/data_request records everything held on the customer; customers/redact erases it', async () => {
    await sendWebhook(w.url, orderJson({ id: '1010', customerId: '2010', updatedAt: '2026-11-01T15:00:00Z' }), { topic: 'orders/create' });
    await sendWebhook(w.url, orderJson({ id: '1011', customerId: '2011', updatedAt: '2026-11-01T15:00:00Z' }), { topic: 'orders/create' });
    const dr = JSON.stringify({ shop_id: 1, shop_domain: SHOP, orders_requested: [1010], customer: { id: 2010, email: 'a@b.c', phone: null }, data_request: { id: 9999 } });
    assert.equal((await sendWebhook(w.url, dr, { topic: 'customers/data_request' })).status, 200);
    const record = await w.stores.dataRequests.get(SHOP, '9999');
    assert.equal(record?.customerId, '2010');
    assert.equal((record?.data.orders as Array<{ orderId: string }>)[0]?.orderId, '1010');

    const redact = JSON.stringify({ shop_id: 1, shop_domain: SHOP, customer: { id: 2010, email: 'a@b.c', phone: null }, orders_to_redact: [1010] });
    assert.equal((await sendWebhook(w.url, redact, { topic: 'customers/redact' })).status, 200);
    assert.equal(await w.stores.orders.get(SHOP, '1010'), null);
    assert.equal(await w.stores.dataRequests.get(SHOP, '9999'), null, 'the data-request record is customer data too');
    assert.ok(await w.stores.orders.get(SHOP, '1011'), 'other customers untouched');
    assert.ok(w.effects.calls.includes(`deleted ${SHOP} 2010`));
  });

  it('app/uninstalled drops the session, marks the shop and stops its schedules; shop/redact erases the shop', async () => {
    const other = 'shop-b.myshopify.com';
    await w.stores.shops.markInstalled(other, { scopes: [] }, new Date());
    await w.stores.sessions.storeSession(new Session({ id: `offline_${SHOP}`, shop: SHOP, state: '', isOnline: false, accessToken: 'shpat_x' }));
    await sendWebhook(w.url, orderJson({ id: '1012', customerId: '2012', updatedAt: '2026-11-01T15:00:00Z' }), { topic: 'orders/create' });
    await sendWebhook(w.url, orderJson({ id: '1013', customerId: '2013', updatedAt: '2026-11-01T15:00:00Z' }), { topic: 'orders/create', shop: other });

    assert.equal((await sendWebhook(w.url, JSON.stringify({ id: 1, domain: SHOP, myshopify_domain: SHOP }), { topic: 'app/uninstalled' })).status, 200);
    assert.equal(await w.stores.sessions.loadSession(`offline_${SHOP}`), undefined);
    assert.equal(await w.stores.shops.isInstalled(SHOP), false);
    assert.ok(w.effects.calls.includes(`uninstalled ${SHOP}`));

    const late = await sendWebhook(w.url, orderJson({ id: '1014', customerId: '2012', updatedAt: '2026-11-01T15:00:00Z' }), { topic: 'orders/create' });
    assert.equal(late.json.deadLetter, true, 'orders after uninstall are dead letters');

    // What the jobs keep about the shop's customers (profiles, segment history, engagement) and its
    // calibrations: written here directly, as the worker would.
    const db = s.mongo.db!;
    await db.collection('customer_profiles').insertOne({ _id: `${SHOP}/2012` as never, shop: SHOP, customerId: '2012' });
    await db.collection('segment_events').insertOne({ shop: SHOP, customerId: '2012', segment: 'vip' });
    await db.collection('customer_engagement').insertOne({ _id: `${SHOP}/2012` as never, shop: SHOP, customerId: '2012' });
    await db.collection('calibrations').insertOne({ shop: SHOP, asOf: new Date() });
    const held = ['order_books', 'order_owners', 'shops', 'webhook_dead_letters', 'webhook_deliveries', 'customer_profiles', 'segment_events', 'customer_engagement', 'calibrations'];
    for (const name of held) assert.ok(await db.collection(name).countDocuments(shopScope(name, SHOP)) > 0, `${name} holds the shop before shop/redact`);

    w.effects.calls = [];
    assert.equal((await sendWebhook(w.url, JSON.stringify({ shop_id: 1, shop_domain: SHOP }), { topic: 'shop/redact' })).status, 200);
    const collections = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    for (const name of held) assert.ok(collections.includes(name), `${name} exists`);
    for (const name of collections) {
      assert.equal(await db.collection(name).countDocuments(shopScope(name, SHOP)), 0, `${name} erased`);
    }
    assert.ok(w.effects.calls.includes(`uninstalled ${SHOP}`), 'the shop\'s queued work and Redis state are dropped (effects.shopUninstalled)');
    assert.ok(await w.stores.orders.get(other, '1013'), 'other shops untouched');
  });
});
