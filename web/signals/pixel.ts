// POST /signals/pixel — batches from the store-visit web pixel (extensions/segment-pixel). Public by
// nature: anyone can post here, so nothing it accepts can do more than move a known customer's (or an
// anonymous client's) engagement dates forward within plausible bounds:
//   - a body of at most 8 kB, a strict schema (v, shopKey, shop, customerId, clientId, ≤ 20 events of
//     4 names, each with an ISO time and ≤ 20 numeric product ids); anything else is 400;
//   - rate limits per IP, per shop and per pixel client (429);
//   - the shop must be installed and the key its pixel key (not a secret: it names the shop); else
//     the batch is dropped and counted (202, so a forger learns nothing);
//   - events older than MAX_AGE_MS or in the future beyond CLOCK_SKEW_MS are dropped and counted;
//   - a customer id we do not know creates nothing: the batch counts for the anonymous client only;
//   - only aggregates are kept (last visit, last cart, viewed product ids): raw events are not.
// A client seen logged in is linked to the customer and what it gathered before moves to them.
import express, { type Router } from 'express';
import { z } from 'zod';
import { SHOP_DOMAIN } from '../../src/shopify/shop-domain.ts';
import type { EngagementSignal } from '../../src/profiles/engagement-store.ts';
import { installedShop, knownCustomer, type SignalPorts } from './ports.ts';
import { EXPLANATIONS_EN } from '../../src/segments/explanation.ts';
import { withinLimit, type SignalLimiters } from './limits.ts';

export const MAX_AGE_MS = 24 * 3600_000;
export const CLOCK_SKEW_MS = 5 * 60_000;
const numeric = z.string().regex(/^\d{1,20}$/);

export const pixelBatchSchema = z.strictObject({
  v: z.literal(1),
  shopKey: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/),
  shop: z.string().regex(SHOP_DOMAIN),
  customerId: numeric.nullable(),
  clientId: z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/),
  events: z.array(z.strictObject({
    e: z.enum(['page_viewed', 'product_viewed', 'product_added_to_cart', 'checkout_started']),
    t: z.iso.datetime({ offset: true }),
    p: z.array(numeric).max(20).optional(),
  })).min(1).max(20),
});
export type PixelBatchIn = z.output<typeof pixelBatchSchema>;

export interface BatchAggregate {
  visitAt: Date | null;
  cartAt: Date | null;
  viewedProducts: string[];
  kept: number;
  implausible: number;
}

/** The batch reduced to what is kept; events outside [now − MAX_AGE_MS, now + CLOCK_SKEW_MS] do not count. */
export function aggregateBatch(b: PixelBatchIn, now: number): BatchAggregate {
  let visit = Number.NEGATIVE_INFINITY;
  let cart = Number.NEGATIVE_INFINITY;
  const viewed: string[] = [];
  let implausible = 0;
  for (const ev of b.events) {
    const at = Date.parse(ev.t);
    if (!(at >= now - MAX_AGE_MS && at <= now + CLOCK_SKEW_MS)) { implausible++; continue; }
    const capped = Math.min(at, now);
    visit = Math.max(visit, capped);
    if (ev.e === 'product_added_to_cart' || ev.e === 'checkout_started') cart = Math.max(cart, capped);
    if (ev.e === 'product_viewed') for (const p of ev.p ?? []) if (!viewed.includes(p)) viewed.push(p);
  }
  const d = (x: number): Date | null => (Number.isFinite(x) ? new Date(x) : null);
  return { visitAt: d(visit), cartAt: d(cart), viewedProducts: viewed, kept: b.events.length - implausible, implausible };
}

const toSignal = (customerId: string, a: { visitAt: Date | null; cartAt: Date | null; viewedProducts: readonly string[] }): EngagementSignal =>
  ({ customerId, visitAt: a.visitAt, cartAt: a.cartAt, viewedProducts: a.viewedProducts });

async function store(ports: SignalPorts, b: PixelBatchIn, agg: BatchAggregate, now: Date): Promise<'customer' | 'client'> {
  const { shop, clientId } = b;
  const s = ports.stores;
  if (b.customerId !== null && (await knownCustomer(ports, shop, b.customerId))) {
    const before = await s.pixelClients.link(shop, clientId, b.customerId, now);
    const signals = [toSignal(b.customerId, agg)];
    if (before) signals.push(toSignal(b.customerId, before));
    await s.engagement.record(shop, signals, now);
    await ports.effects.recomputeCustomer(shop, b.customerId);
    return 'customer';
  }
  if (b.customerId !== null) await s.signalSources.dropped(shop, 'pixel', EXPLANATIONS_EN.drops.anonymousVisitor);
  const linked = await s.pixelClients.record(shop, clientId, agg, now);
  if (linked !== null) {
    await s.engagement.record(shop, [toSignal(linked, agg)], now);
    await ports.effects.recomputeCustomer(shop, linked);
    return 'customer';
  }
  return 'client';
}

export function pixelRouter(ports: SignalPorts, limiters: SignalLimiters): Router {
  const r = express.Router();
  // The pixel posts text/plain (a "simple" cross-origin request: no preflight from the sandbox).
  r.options('/pixel', (_req, res) => { res.set({ 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'content-type' }).sendStatus(204); });
  r.post('/pixel', express.text({ type: () => true, limit: '8kb' }), async (req, res) => {
    res.set('Access-Control-Allow-Origin', '*');
    if (!(await withinLimit(res, limiters.ip, req.ip ?? 'unknown'))) return;
    let body: unknown;
    try { body = JSON.parse(typeof req.body === 'string' ? req.body : ''); } catch { body = undefined; }
    const parsed = pixelBatchSchema.safeParse(body);
    if (!parsed.success) {
      await ports.drops.count('pixel', 'bad-schema');
      res.status(400).json({ error: 'invalid_batch', issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`) });
      return;
    }
    const b = parsed.data;
    if (!(await withinLimit(res, limiters.pixelClient(b.shop), `${b.shop}/${b.clientId}`))) return;
    if (!(await withinLimit(res, limiters.pixelShop(b.shop), b.shop))) return;
    if (!(await installedShop(ports, b.shop)) || !(await ports.stores.signalSources.pixelKeyMatches(b.shop, b.shopKey))) {
      await ports.drops.count('pixel', 'unknown-shop-or-key');
      res.status(202).json({ accepted: 0, dropped: b.events.length });
      return;
    }
    const now = ports.now();
    const agg = aggregateBatch(b, now);
    if (agg.implausible) await ports.stores.signalSources.dropped(b.shop, 'pixel', EXPLANATIONS_EN.drops.eventTime, agg.implausible);
    await ports.stores.signalSources.delivered(b.shop, 'pixel', new Date(now));
    const to = agg.kept ? await store(ports, b, agg, new Date(now)) : 'none';
    res.status(202).json({ accepted: agg.kept, dropped: agg.implausible, to });
  });
  return r;
}
