// GET /session: the shop the verified token names and the facts every page needs first. In demo mode,
// GET /demo-session hands out a token for the demo shop (no Shopify admin needed): it stands in for
// App Bridge, which mints these tokens inside the Shopify admin.
import express, { type Router } from 'express';
import type { DashboardPorts } from '../ports.ts';
import { shopOf, signSessionToken } from './session-token.ts';

export function demoSessionRouter(auth: { apiKey: string; apiSecret: string }, shop: string): Router {
  const r = express.Router();
  r.get('/demo-session', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ shop, token: await signSessionToken(shop, { ...auth, ttlSeconds: 60 }), expiresInSeconds: 60 });
  });
  return r;
}

export function sessionRouter(ports: Pick<DashboardPorts, 'shops'>, demoMode: boolean): Router {
  const r = express.Router();
  r.get('/session', async (_req, res) => {
    const shop = shopOf(res);
    const [s, doc] = await Promise.all([ports.shops.effective(shop), ports.shops.get(shop)]);
    res.json({
      shop, demo: demoMode, currency: s.settings.currency, installed: s.installed, hasReadAllOrders: s.hasReadAllOrders,
      // Set while Shopify no longer accepts the app's token (the dashboard shows a banner).
      needsReauth: doc?.needsReauthAt ? { since: doc.needsReauthAt, reason: doc.needsReauthReason } : null,
    });
  });
  return r;
}
