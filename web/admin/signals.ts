// Settings → Signals: each source of engagement signals, when it last delivered, what it dropped, and
// how to connect it (docs/signals.md); the flow token and the Klaviyo secret are rotated here and shown
// once. The dashboard renders this data; the API is the contract.
//   GET  /signals                  sources, counts, the pixel key, the web pixel's activation, the endpoints
//   POST /signals/flow-token       a new X-Segments-Token for Klaviyo flow webhooks and the generic form
//   POST /signals/klaviyo-secret   a new signing secret for Klaviyo system webhooks
//   POST /signals/pixel-key        a new pixel key; queues the shopify-objects job, which updates the
//                                  web pixel's settings (webPixelUpdate)
import express, { type Request, type Router } from 'express';
import type { DashboardPorts } from '../ports.ts';
import { shopOf } from './session-token.ts';
import type { SignalSource } from '../../src/profiles/signal-source-store.ts';
import type { ShopifyObjectsDoc } from '../../src/profiles/shopify-objects-store.ts';
import { EXPLANATIONS_EN, explanationText, message, messageFromEnglish, type ExplanationMsg } from '../../src/segments/explanation.ts';

/**
 * A drop reason as a message (templates `explanations.drops.*`): the store keeps the English sentence the
 * receivers record (web/signals/clicks.ts, pixel.ts, from the same templates), so stored reasons map back too.
 */
export function dropReasonMsg(reason: string | null): ExplanationMsg | null {
  return reason === null ? null : messageFromEnglish('drops', reason);
}

const PIXEL_CODES = new Set(Object.keys(EXPLANATIONS_EN.pixel).filter((k) => k !== 'other'));

/** Why Shopify refused the web pixel, as a message: its code's template, else what Shopify said, verbatim. */
export function pixelErrorMsg(e: { code: string | null; message: string }): ExplanationMsg {
  return e.code && PIXEL_CODES.has(e.code) ? message(`pixel.${e.code}`) : message('pixel.other', { reason: e.code ?? e.message });
}

/** The web pixel as the dashboard shows it: activated (Shopify has it with our settings) or why not. */
export function webPixelView(doc: Pick<ShopifyObjectsDoc, 'webPixelId' | 'webPixelReport'> | null) {
  const r = doc?.webPixelReport ?? null;
  return {
    activated: Boolean(r && r.action !== 'failed' && r.id),
    id: doc?.webPixelId ?? null,
    lastPass: r ? { action: r.action, at: r.at, endpoint: r.endpoint, errors: r.errors, errorMsgs: r.errors.map(pixelErrorMsg) } : null,
  };
}

/** What a source needs, exactly: the URL to call and the header it carries (null: nothing to set up). */
const CONNECT: Record<SignalSource, (base: string, shop: string) => { url: string | null; header: string | null }> = {
  pixel: (base) => ({ url: `${base}/signals/pixel`, header: null }),
  klaviyo: (base, shop) => ({ url: `${base}/signals/klaviyo/${shop}`, header: 'Klaviyo-Signature' }),
  flow: (base, shop) => ({ url: `${base}/signals/clicks/${shop}`, header: 'X-Segments-Token' }),
  generic: (base, shop) => ({ url: `${base}/signals/clicks/${shop}`, header: 'X-Segments-Token' }),
  checkouts: () => ({ url: null, header: null }),
};

/** How to connect a source, as a message (templates `explanations.connect.*`); its English is `howToConnect`. */
export const HOW: Record<SignalSource, (base: string, shop: string) => ExplanationMsg> = {
  pixel: (base) => message('connect.pixel', { endpoint: `${base}/signals/pixel` }),
  klaviyo: (base, shop) => message('connect.klaviyo', { url: `${base}/signals/klaviyo/${shop}`, header: 'Klaviyo-Signature' }),
  // Request bodies are code the merchant pastes into the tool: never translated. Klaviyo fills in
  // {{ person.external_id }} itself (docs/signals.md).
  flow: (base, shop) => message('connect.flow', { url: `${base}/signals/clicks/${shop}`, header: 'X-Segments-Token', body: '{"customerId": "{{ person.external_id }}", "source": "klaviyo-flow"}' }),
  generic: (base, shop) => message('connect.generic', { url: `${base}/signals/clicks/${shop}`, header: 'X-Segments-Token', body: '{"clicks": [{"customerId": "<Shopify customer id>", "at": "<ISO 8601 time>"}]}' }),
  checkouts: () => message('connect.checkouts'),
};

const howToConnect = (msg: ExplanationMsg) => ({ howToConnect: explanationText(msg), howToConnectMsg: msg });

const baseUrl = (req: Request): string => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

export function signalsRouter(ports: Pick<DashboardPorts, 'signalSources' | 'engagement' | 'shopifyObjects'> & { enqueue: Pick<DashboardPorts['enqueue'], 'reconcileShopifyObjects'> }): Router {
  const r = express.Router();
  r.get('/signals', async (req, res) => {
    const store = ports.signalSources;
    if (!store) { res.status(404).json({ error: 'signals_unavailable' }); return; }
    const shop = shopOf(res);
    const [status, creds, counts, pixelKey, objects] = await Promise.all([
      store.status(shop), store.credentials(shop), ports.engagement.countSignals(shop), store.pixelKey(shop), ports.shopifyObjects?.get(shop) ?? null,
    ]);
    const base = baseUrl(req);
    const webPixel = webPixelView(objects);
    const connected: Record<SignalSource, boolean> = { pixel: webPixel.activated, klaviyo: creds.klaviyoSecretSet, flow: creds.flowTokenSet, generic: creds.flowTokenSet, checkouts: true };
    res.json({
      counts,
      pixelKey,
      webPixel,
      sources: status.map((s) => ({
        ...s, lastDropReasonMsg: dropReasonMsg(s.lastDropReason), lastDeliveryAt: s.lastDeliveryAt?.toISOString() ?? null, connected: connected[s.source], ...CONNECT[s.source](base, shop),
        ...howToConnect(HOW[s.source](base, shop)),
      })),
    });
  });
  r.post('/signals/pixel-key', async (_req, res) => {
    if (!ports.signalSources) { res.status(404).json({ error: 'signals_unavailable' }); return; }
    const shop = shopOf(res);
    const pixelKey = await ports.signalSources.rotatePixelKey(shop);
    await ports.enqueue.reconcileShopifyObjects(shop);
    res.json({ pixelKey, note: 'The web pixel is updated with the new key in a moment; events carrying the old key are dropped.' });
  });
  r.post('/signals/flow-token', async (_req, res) => {
    if (!ports.signalSources) { res.status(404).json({ error: 'signals_unavailable' }); return; }
    res.json({ token: await ports.signalSources.rotateFlowToken(shopOf(res)), note: 'Shown once. The previous token stops working now.' });
  });
  r.post('/signals/klaviyo-secret', async (_req, res) => {
    if (!ports.signalSources) { res.status(404).json({ error: 'signals_unavailable' }); return; }
    res.json({ secret: await ports.signalSources.rotateKlaviyoSecret(shopOf(res)), note: 'Shown once. Set it as the Klaviyo webhook secret; the previous one stops working now.' });
  });
  return r;
}
