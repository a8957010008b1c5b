// E-mail clicks (docs/signals.md), each matched by Shopify customer id; we read and store no e-mail.
//   POST /signals/klaviyo/:shop   Klaviyo system webhooks: HMAC-SHA256 of the raw body followed by the
//        Klaviyo-Timestamp header, hex, in Klaviyo-Signature, keyed with the shop's secret
//        (https://developers.klaviyo.com/en/docs/working_with_system_webhooks). Body
//        {data: [{topic, external_id, payload}], meta: {klaviyo_webhook_id, …}}; meta.klaviyo_webhook_id
//        must equal the Klaviyo-Webhook-Id header. Only clicked-email topics count.
//   POST /signals/clicks/:shop    Klaviyo flow webhook actions (not signed: the shop's token in the
//        X-Segments-Token header) and the generic form for other tools:
//        {"clicks": [{"customerId": "7001", "at": "2026-11-20T10:00:00Z"}]} or {"customerId": "7001"}.
// The customer id is the profile's external_id, which Klaviyo's Shopify integration fills with the
// Shopify customer id for profiles it syncs from Shopify. A click without one, or naming a customer we
// do not know, is counted and dropped. Wrong signature or token: 401, nothing stored; a timestamp
// older than TIMESTAMP_TOLERANCE_MS (or as far in the future): 401. Unknown or uninstalled shop:
// dropped and counted (202).
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { SHOP_DOMAIN } from '../../src/shopify/shop-domain.ts';
import type { SignalSource } from '../../src/profiles/signal-source-store.ts';
import { installedShop, knownCustomer, type SignalPorts } from './ports.ts';
import { EXPLANATIONS_EN } from '../../src/segments/explanation.ts';
import { withinLimit, type SignalLimiters } from './limits.ts';

export const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;
/** A click older than this is not news (Klaviyo retries for hours, not weeks). */
export const MAX_CLICK_AGE_MS = 30 * 86_400_000;

export function klaviyoSignature(secret: string, rawBody: string, timestamp: string): string {
  return createHmac('sha256', secret).update(rawBody + timestamp).digest('hex');
}

/** Klaviyo-Timestamp as epoch ms: unix seconds, ms, or an ISO date; null if unreadable. */
export function timestampMs(v: string): number | null {
  if (/^\d{9,11}$/.test(v)) return Number(v) * 1000;
  if (/^\d{12,14}$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

const idLike = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d{1,20}$/));
const klaviyoBody = z.object({
  data: z.array(z.object({
    topic: z.string().max(200),
    external_id: z.string().max(200).optional(),
    payload: z.object({
      data: z.object({ attributes: z.object({ datetime: z.string().optional(), timestamp: z.number().optional() }).loose() }).loose(),
      included: z.array(z.object({ type: z.string(), attributes: z.object({ external_id: z.unknown().optional() }).loose() }).loose()).optional(),
    }).loose(),
  }).loose()).max(500),
  meta: z.object({ klaviyo_webhook_id: z.string().optional() }).loose(),
});

const genericClick = z.strictObject({ customerId: idLike.nullable().optional(), at: z.iso.datetime({ offset: true }).optional(), source: z.string().max(40).optional() });
const genericBody = z.union([z.strictObject({ clicks: z.array(genericClick).min(1).max(100) }), genericClick]);

interface Click { customerId: string | null; at: number }

const header = (req: Request, name: string): string => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Stores the plausible clicks of known customers; counts the rest. */
async function recordClicks(ports: SignalPorts, shop: string, source: SignalSource, clicks: readonly Click[]): Promise<{ recorded: number; dropped: number }> {
  const now = ports.now();
  const s = ports.stores;
  await s.signalSources.delivered(shop, source, new Date(now));
  let recorded = 0;
  const drop = async (reason: string): Promise<void> => { await s.signalSources.dropped(shop, source, reason); };
  for (const c of clicks) {
    if (c.customerId === null) { await drop(EXPLANATIONS_EN.drops.noCustomerId); continue; }
    if (!(c.at >= now - MAX_CLICK_AGE_MS && c.at <= now + TIMESTAMP_TOLERANCE_MS)) { await drop(EXPLANATIONS_EN.drops.clickTooOld); continue; }
    if (!(await knownCustomer(ports, shop, c.customerId))) { await drop(EXPLANATIONS_EN.drops.unknownCustomer); continue; }
    await s.engagement.record(shop, [{ customerId: c.customerId, emailClickAt: new Date(Math.min(c.at, now)) }], new Date(now));
    await ports.effects.recomputeCustomer(shop, c.customerId);
    recorded++;
  }
  return { recorded, dropped: clicks.length - recorded };
}

function klaviyoClicks(body: z.output<typeof klaviyoBody>, now: number): Click[] {
  return body.data.filter((d) => /clicked[_ ]?email/i.test(d.topic)).map((d) => {
    const a = d.payload.data.attributes;
    const at = a.datetime ? Date.parse(a.datetime) : a.timestamp !== undefined ? a.timestamp * 1000 : now;
    const profile = d.payload.included?.find((i) => i.type === 'profile');
    const id = idLike.safeParse(profile?.attributes.external_id);
    return { customerId: id.success ? id.data : null, at: Number.isNaN(at) ? Number.NaN : at };
  });
}

async function shopOrDrop(ports: SignalPorts, req: Request, res: Response, source: string): Promise<string | null> {
  const shop = String(req.params.shop ?? '').toLowerCase();
  if (SHOP_DOMAIN.test(shop) && (await installedShop(ports, shop))) return shop;
  await ports.drops.count(source, 'unknown-shop');
  res.status(202).json({ recorded: 0, dropped: 'unknown shop' });
  return null;
}

export function clicksRouter(ports: SignalPorts, limiters: SignalLimiters): Router {
  const r = express.Router();
  const raw = express.text({ type: () => true, limit: '256kb' });

  r.post('/klaviyo/:shop', raw, async (req, res) => {
    if (!(await withinLimit(res, limiters.ip, req.ip ?? 'unknown'))) return;
    const shop = await shopOrDrop(ports, req, res, 'klaviyo');
    if (shop === null || !(await withinLimit(res, limiters.clicksShop(shop), shop))) return;
    const body = typeof req.body === 'string' ? req.body : '';
    const ts = header(req, 'klaviyo-timestamp');
    const secret = await ports.stores.signalSources.klaviyoSecret(shop);
    if (secret === null || !safeEqualHex(klaviyoSignature(secret, body, ts), header(req, 'klaviyo-signature'))) {
      res.status(401).json({ error: 'invalid_signature' });
      return;
    }
    const at = timestampMs(ts);
    if (at === null || Math.abs(ports.now() - at) > TIMESTAMP_TOLERANCE_MS) {
      res.status(401).json({ error: 'stale_timestamp' });
      return;
    }
    let json: unknown;
    try { json = JSON.parse(body); } catch { json = undefined; }
    const parsed = klaviyoBody.safeParse(json);
    if (!parsed.success || parsed.data.meta.klaviyo_webhook_id !== header(req, 'klaviyo-webhook-id')) {
      res.status(400).json({ error: 'not a Klaviyo system webhook body (data[], meta.klaviyo_webhook_id matching Klaviyo-Webhook-Id)' });
      return;
    }
    res.status(200).json(await recordClicks(ports, shop, 'klaviyo', klaviyoClicks(parsed.data, ports.now())));
  });

  r.post('/clicks/:shop', express.json({ limit: '64kb', type: () => true }), async (req, res) => {
    if (!(await withinLimit(res, limiters.ip, req.ip ?? 'unknown'))) return;
    const shop = await shopOrDrop(ports, req, res, 'clicks');
    if (shop === null || !(await withinLimit(res, limiters.clicksShop(shop), shop))) return;
    const token = header(req, 'x-segments-token');
    if (!token || !(await ports.stores.signalSources.flowTokenMatches(shop, token))) {
      res.status(401).json({ error: 'invalid_token' });
      return;
    }
    const parsed = genericBody.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'invalid_body', expected: '{"clicks":[{"customerId":"<Shopify customer id>","at":"<ISO time>"}]} or {"customerId":"…"}' });
      return;
    }
    const list = 'clicks' in parsed.data ? parsed.data.clicks : [parsed.data];
    const now = ports.now();
    const clicks = list.map((c) => ({ customerId: c.customerId ?? null, at: c.at ? Date.parse(c.at) : now }));
    const source: SignalSource = list.some((c) => c.source === 'klaviyo-flow') ? 'flow' : 'generic';
    res.status(200).json(await recordClicks(ports, shop, source, clicks));
  });
  return r;
}
