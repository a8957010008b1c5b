// The delivery queue at store size: a backlog of thousands drains in order, and a run that does not
// keep the log (bench:scale) holds only what is still pending.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../tools/shopify-simulator/index.ts';
import { WebhookDelivery } from '../../tools/shopify-simulator/webhook-delivery.ts';
import { startReceiver, SHOP, API_KEY, API_SECRET } from './helpers.ts';
import type { WebhookReceiver } from './helpers.ts';

describe('simulator webhook backlog', () => {
  let hooks: WebhookReceiver;
  beforeEach(async () => { hooks = await startReceiver(); });
  afterEach(async () => { await hooks.close(); });
  const target = (): { shop: string; apiKey: string; apiSecret: string; address: string; apiVersion: string } => ({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, address: hooks.url, apiVersion: '2026-10' });

  it('drains a backlog past the queue\'s compaction point in the order it was sent, each once', async () => {
    const d = new WebhookDelivery(new FakeClock(Date.UTC(2026, 0, 1)), 7, { concurrency: 1 });
    const n = 2_500;
    for (let i = 0; i < n; i++) d.send(target(), 'customers/update', JSON.stringify({ id: i }), `e${i}`);
    await d.idle();
    assert.deepEqual(hooks.received.map((w) => (JSON.parse(w.body) as { id: number }).id), Array.from({ length: n }, (_, i) => i));
    assert.equal(d.counters(SHOP).delivered, n);
    assert.equal(d.counters(SHOP).pending, 0);
    assert.equal(d.log(SHOP).length, n, 'the full log is kept by default');
    d.close();
  });

  it('without keepLog, settled deliveries leave the log and a retried one stays until it settles', async () => {
    const d = new WebhookDelivery(new FakeClock(Date.UTC(2026, 0, 1)), 7, { concurrency: 2, keepLog: false, maxAttempts: 2, retryDelaysMs: [2000] });
    // The body "fails" is refused every time: it fails after its two attempts.
    hooks.respond = (w) => (w.body.includes('fails') ? 500 : 200);
    for (let i = 0; i < 50; i++) d.send(target(), 'customers/update', JSON.stringify({ id: i }), `e${i}`);
    const failing = d.send(target(), 'customers/update', '{"id":"fails"}', 'ef');
    // Once the 50 are answered, the refused one waits out its retry, still in the log.
    const c = d.counters(SHOP);
    while (c.delivered < 50 || c.failedAttempts < 1) await new Promise((r) => setTimeout(r, 2));
    assert.deepEqual(d.log(SHOP).map((r) => r.eventId), ['ef']);
    assert.equal(failing.state, 'pending');
    await d.idle();
    assert.equal(failing.state, 'failed');
    assert.equal(failing.attempts.length, 2);
    assert.deepEqual(d.log(SHOP), []);
    assert.deepEqual({ ...d.counters(SHOP) }, { sent: 51, delivered: 50, failedAttempts: 2, retried: 1, duplicated: 0, failed: 1, pending: 0 });
    d.close();
  });
});
