// The demo's engagement signals (issue 19), sent through the real public endpoints and Shopify's
// webhook path after the backfill, so every new segment has members:
//   - web-pixel visits for a share of customers, through the real pixel code and a fake sandbox;
//     a third of those visitors did not allow analytics, so their pixel sends nothing;
//   - Klaviyo clicked-email system webhooks (signed) for another share;
//   - abandoned checkouts (checkouts/create from the simulator) for a few customers;
//   - a few new visitors without orders (curious / undecided prospects) and a product launch with
//     buyers who follow it (trend followers).
// Half of the visitors and clickers are picked among Lost customers, so Lost but Engaged has members.
// Deterministic: a seeded random stream, times relative to the engine's as-of.
import type { LocalStack } from './local-stack.ts';
import { seededRng } from '../tools/seeded-random.ts';
import { fakePixel } from '../tools/fake-pixel-api.ts';
import { startPixel } from '../extensions/segment-pixel/src/pixel.ts';
import { startCheckout } from '../tools/shopify-simulator/checkouts.ts';
import { klaviyoSignature } from '../web/signals/clicks.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface DemoSignalsReport {
  pixelVisitors: number;
  pixelVisitorsWithoutConsent: number;
  pixelBatchesSent: number;
  klaviyoClicks: number;
  checkouts: number;
  newProspects: number;
  launchBuyers: number;
}

async function pixelVisit(s: LocalStack, shop: string, shopKey: string, customerId: string | null, clientId: string, consent: boolean, at: number, product: string, cart: boolean): Promise<number> {
  const sent: Array<Promise<Response>> = [];
  const px = fakePixel({ shop, shopKey, endpoint: `${s.appUrl}/signals/pixel`, customerId, analytics: consent });
  startPixel(px.api, (url, body) => { sent.push(fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } })); }, px.timer);
  px.emit('page_viewed', { clientId, timestamp: new Date(at).toISOString() });
  px.emit('product_viewed', { clientId, timestamp: new Date(at + 60_000).toISOString(), productId: product });
  if (cart) px.emit('product_added_to_cart', { clientId, timestamp: new Date(at + 120_000).toISOString(), productId: product });
  px.runTimers();
  await Promise.all(sent);
  return sent.length;
}

export async function sendDemoSignals(s: LocalStack, shop: string, asOf: number, seed = 19): Promise<DemoSignalsReport> {
  const rng = seededRng(seed);
  const r = () => rng.next();
  const stores = s.deps.stores;
  const all: string[] = [];
  const lost: string[] = [];
  for await (const p of stores.profiles.iterateShop(shop)) {
    all.push(p.customerId);
    if (p.memberships.some((m) => m.family === 'rfm' && m.segment === 'lost')) lost.push(p.customerId);
  }
  all.sort();
  lost.sort();
  const pick = (from: string[], n: number): string[] => from.filter(() => r() < n / Math.max(1, from.length));
  const report: DemoSignalsReport = { pixelVisitors: 0, pixelVisitorsWithoutConsent: 0, pixelBatchesSent: 0, klaviyoClicks: 0, checkouts: 0, newProspects: 0, launchBuyers: 0 };
  const product = '8000000000001';

  // Pixel visits: ~6% of customers, half of them Lost ones; a third without analytics consent.
  const shopKey = await stores.signalSources.pixelKey(shop);
  const visitors = [...new Set([...pick(lost, all.length * 0.03), ...pick(all, all.length * 0.03)])];
  for (const [i, id] of visitors.entries()) {
    const consent = r() >= 1 / 3;
    report.pixelVisitors++;
    if (!consent) report.pixelVisitorsWithoutConsent++;
    report.pixelBatchesSent += await pixelVisit(s, shop, shopKey, id, `demo-client-${i}`, consent, asOf - Math.floor(r() * 20 * HOUR) - HOUR, product, r() < 0.3);
  }

  // Klaviyo clicked-email webhooks: ~4% of customers, half Lost; one signed request of up to 500 events.
  const secret = await stores.signalSources.rotateKlaviyoSecret(shop);
  const clickers = [...new Set([...pick(lost, all.length * 0.02), ...pick(all, all.length * 0.02)])].slice(0, 500);
  if (clickers.length) {
    const body = JSON.stringify({
      data: clickers.map((id, i) => ({ topic: 'event:klaviyo.clicked_email', external_id: `demo-click-${i}`, payload: { data: { type: 'event', id: `demo-click-${i}`, attributes: { datetime: new Date(asOf - Math.floor(r() * 25 * DAY) - HOUR).toISOString() } }, included: [{ type: 'profile', id: `kp-${i}`, attributes: { external_id: id } }] } })),
      meta: { klaviyo_account_id: 'demo', klaviyo_webhook_id: 'demo-webhook', timestamp: new Date(asOf).toISOString() },
    });
    const ts = new Date(asOf).toISOString();
    const res = await fetch(`${s.appUrl}/signals/klaviyo/${shop}`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'klaviyo-signature': klaviyoSignature(secret, body, ts), 'klaviyo-timestamp': ts, 'klaviyo-webhook-id': 'demo-webhook' } });
    report.klaviyoClicks = ((await res.json()) as { recorded?: number }).recorded ?? 0;
  }

  // Abandoned checkouts: ~1% of customers, in the last 5 days.
  for (const id of pick(all, all.length * 0.01)) {
    startCheckout(s.sim.simulator, shop, { customerId: id, lines: [{ productId: product, quantity: 1 + Math.floor(r() * 3) }], at: asOf - Math.floor(r() * 5 * DAY) - HOUR });
    report.checkouts++;
  }

  // New visitors without orders: curious (a visit) and undecided (a cart) prospects.
  const prospects = Array.from({ length: 12 }, () => s.sim.createCustomer(shop, { createdAt: asOf - 2 * DAY }));
  report.newProspects = prospects.length;
  await s.sim.webhooksIdle();
  await s.idle();
  for (const [i, c] of prospects.entries()) {
    report.pixelBatchesSent += await pixelVisit(s, shop, shopKey, c.id, `demo-new-${i}`, true, asOf - (i + 2) * HOUR, product, i % 2 === 0);
  }

  // A product launch 20 days ago, bought soon after by a few repeat customers: trend followers.
  const launched = '8000000000002';
  for (let i = 0; i < 6; i++) {
    const c = s.sim.createCustomer(shop, { createdAt: asOf - 21 * DAY });
    for (const daysAgo of [20 - i, 8]) s.sim.createOrder(shop, { customerId: c.id, createdAt: asOf - daysAgo * DAY, financialStatus: 'paid', totalPrice: '18.00', lineItems: [{ quantity: 1, price: '18.00', productId: launched, sku: 'NEW-CD' }] });
    report.launchBuyers++;
  }
  await s.sim.webhooksIdle();
  await s.idle();
  return report;
}
