// The web pixel's own logic (extensions/segment-pixel/src/pixel.ts) against a fake sandbox: what it
// sends, in which batches, and that it sends nothing without analytics consent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPixel, numericId, type PixelBatch } from '../../extensions/segment-pixel/src/pixel.ts';
import { fakePixel } from '../../tools/fake-pixel-api.ts';

const T = '2026-11-20T10:00:00.000Z';
function run(customerId: string | null, analytics: boolean) {
  const px = fakePixel({ shop: 'a.myshopify.com', shopKey: 'px_key_12345', endpoint: 'https://app.example/signals/pixel', customerId, analytics });
  const sent: PixelBatch[] = [];
  startPixel(px.api, (_url, body) => { sent.push(JSON.parse(body) as PixelBatch); }, px.timer);
  return { px, sent };
}

describe('segment pixel', () => {
  it('sends only event, time, customer or client id and product ids, batched', () => {
    const { px, sent } = run('gid://shopify/Customer/7001', true);
    px.emit('page_viewed', { clientId: 'c1', timestamp: T });
    px.emit('product_viewed', { clientId: 'c1', timestamp: T, productId: '42' });
    assert.equal(sent.length, 0, 'waits for the timer');
    px.runTimers();
    assert.deepEqual(sent, [{ v: 1, shopKey: 'px_key_12345', shop: 'a.myshopify.com', customerId: '7001', clientId: 'c1', events: [{ e: 'page_viewed', t: T }, { e: 'product_viewed', t: T, p: ['42'] }] }]);
    px.emit('checkout_started', { clientId: 'c1', timestamp: T, productId: '43' });
    assert.equal(sent.length, 2, 'a checkout start goes at once');
  });

  it('sends nothing without analytics consent, and drops what was queued when consent is withdrawn', () => {
    const { px, sent } = run(null, false);
    px.emit('page_viewed', { clientId: 'c1', timestamp: T });
    px.emit('checkout_started', { clientId: 'c1', timestamp: T });
    px.runTimers();
    px.setConsent(true);
    px.emit('page_viewed', { clientId: 'c1', timestamp: T });
    px.setConsent(false);
    px.runTimers();
    assert.deepEqual(sent, []);
    px.setConsent(true);
    px.emit('page_viewed', { clientId: 'c2', timestamp: T });
    px.runTimers();
    assert.equal(sent.length, 1);
    assert.equal((sent as PixelBatch[])[0]!.customerId, null);
  });

  it('reads numeric ids from gids and numbers only', () => {
    assert.equal(numericId('gid://shopify/Product/123'), '123');
    assert.equal(numericId(5), '5');
    assert.equal(numericId('abc'), null);
  });
});
