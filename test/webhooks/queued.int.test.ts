// Queued ingest (WEBHOOK_MODE=queued, the default): POST /webhooks verifies and puts the delivery in a
// BullMQ queue, answers 200, and webhooks/consumer.ts stores it with the same guarantees as the
// inline route — dedupe, dead letters, retries of our own failures. Real Redis and MongoDB.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { makeStores, RecordingEffects, RecordingInstallation, sendWebhook } from './support.ts';
import { Keyring } from '../../src/shopify/token-crypto.ts';

const KEYRING = new Keyring(Buffer.alloc(32, 5));
const installation = new RecordingInstallation();
import { createWebhookRouter } from '../../webhooks/router.ts';
import { startWebhookConsumer, type WebhookConsumer } from '../../webhooks/consumer.ts';
import { closeQueues, createQueues, Enqueuer, type Queues } from '../../jobs/enqueue.ts';
import type { WebhookStores } from '../../webhooks/types.ts';
import { pollUntil } from '../../tools/poll.ts';
import { ensureIndexes } from '../../src/deps.ts';

const SHOP = 'shop-q.myshopify.com';
const SECRETS = { current: 'current-secret' };

const orderJson = (id: string, customerId: string, updatedAt: string, total = '50.00'): string =>
  `{"id":${id},"created_at":"2026-11-01T10:00:00Z","processed_at":"2026-11-01T10:00:00Z","updated_at":"${updatedAt}",` +
  `"cancelled_at":null,"financial_status":"paid","test":false,"currency":"USD","total_price":"${total}",` +
  `"current_total_price":"${total}","discount_codes":[],"source_name":"web","tags":"","customer":{"id":${customerId}},"line_items":[]}`;

const eventually = <T>(what: string, probe: () => Promise<T>, timeoutMs = 15_000) => pollUntil(what, probe, { timeoutMs, intervalMs: 25 });

describe('POST /webhooks, queued ingest', () => {
  let s: TestServices;
  let stores: WebhookStores;
  let effects: RecordingEffects;
  let queues: Queues;
  let consumer: WebhookConsumer;
  let server: Server;
  let url: string;
  let autoServer: Server;
  let autoUrl: string;

  before(async () => {
    s = await openTestServices(import.meta.url);
    stores = makeStores(s.mongo, s.redis(), s.queuePrefix);
    await ensureIndexes(stores);
    await stores.shops.markInstalled(SHOP, { scopes: ['read_orders'] }, new Date('2026-11-01T00:00:00Z'));
    effects = new RecordingEffects();
    queues = createQueues(s.redis(), s.queuePrefix);
    const inbox = new Enqueuer(queues, s.redis(), s.queuePrefix, { keyring: KEYRING });
    const app = express();
    app.use(createWebhookRouter({ stores, connection: s.mongo, effects, installation, logger: testLogger, secrets: SECRETS, inbox, inlineLimit: 0 }));
    server = await new Promise((resolve) => { const x = app.listen(0, '127.0.0.1', () => resolve(x)); });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
    // WEBHOOK_MODE=auto: inline while few are in flight, queued on failure or load.
    const auto = express();
    auto.use(createWebhookRouter({ stores, connection: s.mongo, effects, installation, logger: testLogger, secrets: SECRETS, inbox, inlineLimit: 8 }));
    autoServer = await new Promise((resolve) => { const x = auto.listen(0, '127.0.0.1', () => resolve(x)); });
    autoUrl = `http://127.0.0.1:${(autoServer.address() as AddressInfo).port}/webhooks`;
    consumer = startWebhookConsumer({ stores, connection: s.mongo, effects, installation, logger: testLogger }, { connection: s.redis(), prefix: s.queuePrefix, concurrency: 4, keyring: KEYRING, secrets: SECRETS });
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => autoServer.close(() => r()));
    await consumer.close();
    await closeQueues(queues);
    await s.close();
  });

  it('answers 200 once queued; the consumer stores the order and asks for the recompute', async () => {
    const r = await sendWebhook(url, orderJson('5001', '6001', '2026-11-01T15:00:00Z'), { topic: 'orders/create', shop: SHOP, webhookId: 'q-1' });
    assert.deepEqual([r.status, r.json], [200, { ok: true, queued: true }]);
    const stored = await eventually('the order', () => stores.orders.get(SHOP, '5001'));
    assert.equal(stored.customerId, '6001');
    await eventually('the recompute', async () => effects.calls.includes(`recompute ${SHOP} 6001`));
    // The delivery is recorded after its effects (webhooks/router.ts): a crash in between redoes them,
    // never loses them. So the record follows the recompute request, a moment later.
    await eventually('delivery recorded once processed', () => stores.deliveries.seen(SHOP, 'q-1'));
  });

  it('queues a duplicate delivery once, and its effect happens once', async () => {
    const body = orderJson('5002', '6002', '2026-11-01T15:00:00Z');
    const [a, b] = await Promise.all([
      sendWebhook(url, body, { topic: 'orders/create', shop: SHOP, webhookId: 'q-dup' }),
      sendWebhook(url, body, { topic: 'orders/create', shop: SHOP, webhookId: 'q-dup' }),
    ]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    // Both answers came after their delivery was queued, so once the queue is idle and the delivery is
    // recorded, every job either delivery could have made has run.
    const idle = async () => Object.values(await queues.webhook.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0);
    await eventually('the delivery processed and the queue idle', async () => (await stores.deliveries.seen(SHOP, 'q-dup')) && idle());
    assert.equal(effects.calls.filter((c) => c === `recompute ${SHOP} 6002`).length, 1);
    // A late duplicate (after the job was processed) is caught by the durable dedupe.
    const completedBefore = await queues.webhook.getCompletedCount();
    assert.equal((await sendWebhook(url, body, { topic: 'orders/create', shop: SHOP, webhookId: 'q-dup' })).status, 200);
    await eventually('the queue idle', idle);
    assert.ok((await queues.webhook.getCompletedCount()) >= completedBefore);
    assert.equal(effects.calls.filter((c) => c === `recompute ${SHOP} 6002`).length, 1);
  });

  it('keeps an unusable payload as a dead letter (no retries)', async () => {
    const r = await sendWebhook(url, '{"id": "not an order"', { topic: 'orders/create', shop: SHOP, webhookId: 'q-bad' });
    assert.equal(r.status, 200);
    const dl = await eventually('the dead letter', async () => (await stores.deadLetters.model.findOne({ shop: SHOP, webhookId: 'q-bad' }).lean()));
    assert.match(String((dl as { reason?: string }).reason), /not JSON/);
  });

  it('retries a delivery whose processing failed on our side, until it is stored', async () => {
    effects.failNext = 1; // the recompute enqueue fails once, as during a Redis hiccup
    // A processed delivery leaves Redis at once (its body is personal data): watch it complete.
    const completed = new Promise<number>((resolve) => {
      const on = (job: { data: { webhookId: string }; attemptsMade: number }) => { if (job.data.webhookId === 'q-retry') { consumer.worker.off('completed', on); resolve(job.attemptsMade); } };
      consumer.worker.on('completed', on);
    });
    const r = await sendWebhook(url, orderJson('5003', '6003', '2026-11-01T15:00:00Z'), { topic: 'orders/create', shop: SHOP, webhookId: 'q-retry' });
    assert.equal(r.status, 200);
    await eventually('the retried recompute', async () => effects.calls.includes(`recompute ${SHOP} 6003`), 20_000);
    // Recorded after its effects (webhooks/router.ts), so a moment after the recompute request.
    await eventually('the delivery recorded after its effects', () => stores.deliveries.seen(SHOP, 'q-retry'));
    assert.equal(await completed, 2, 'one failed attempt, one that succeeded');
    assert.equal((await queues.webhook.getCompleted()).length, 0, 'processed deliveries do not stay in Redis');
  });

  it('refuses a bad signature with 401 and queues nothing', async () => {
    const before = await queues.webhook.count();
    const r = await sendWebhook(url, orderJson('5004', '6004', '2026-11-01T15:00:00Z'), { topic: 'orders/create', shop: SHOP, secret: 'wrong' });
    assert.equal(r.status, 401);
    assert.equal(await queues.webhook.count(), before);
  });

  it('auto mode: processes in the request when idle (stored before the answer)', async () => {
    const r = await sendWebhook(autoUrl, orderJson('5101', '6101', '2026-11-01T15:00:00Z'), { topic: 'orders/create', shop: SHOP, webhookId: 'a-1' });
    assert.deepEqual([r.status, r.json], [200, { ok: true }]);
    assert.equal((await stores.orders.get(SHOP, '5101'))?.customerId, '6101');
    assert.ok(effects.calls.includes(`recompute ${SHOP} 6101`));
  });

  it('auto mode: a failure of ours in the request is queued and answered 200, then processed', async () => {
    effects.failNext = 1;
    const r = await sendWebhook(autoUrl, orderJson('5102', '6102', '2026-11-01T15:00:00Z'), { topic: 'orders/create', shop: SHOP, webhookId: 'a-2' });
    assert.deepEqual([r.status, r.json], [200, { ok: true, queued: true }]);
    await eventually('the recompute by the consumer', async () => effects.calls.includes(`recompute ${SHOP} 6102`));
    await eventually('the delivery recorded after its effects', () => stores.deliveries.seen(SHOP, 'a-2'));
  });

  it('auto mode: under a burst, deliveries beyond the inline limit are queued; all are stored once', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => String(5200 + i));
    const answers = await Promise.all(ids.map((id) => sendWebhook(autoUrl, orderJson(id, '6200', '2026-11-01T15:00:00Z'), { topic: 'orders/create', shop: SHOP, webhookId: `burst-${id}` })));
    assert.ok(answers.every((a) => a.status === 200));
    const queued = answers.filter((a) => a.json.queued === true).length;
    assert.ok(queued > 0 && queued < ids.length, `some inline, some queued (queued ${queued} of ${ids.length})`);
    await eventually('every order', async () => (await stores.orders.listForCustomer(SHOP, '6200')).length === ids.length);
  });
});
