// GET /inside-shopify: what the app keeps inside the shop's Shopify admin, for the dashboard — the
// native customer segments (name, query, a link into the admin, what the last reconcile did, those the
// merchant deleted and left deleted), whether the $app:segments metafield definition exists, and the
// Flow trigger counters (fired, refused by Shopify, dropped, waiting).
import express, { type Router } from 'express';
import type { DashboardPorts } from '../ports.ts';
import { shopOf } from './session-token.ts';
import { legacyId } from '../../src/shopify/gid.ts';

type Ports = Pick<DashboardPorts, 'shopifyObjects' | 'shops'> & { enqueue: { flowOutbox?: { stats(shop: string): Promise<unknown> } } };

/** The segment's page in the Shopify admin (path under https://admin.shopify.com/store/<store>). */
export const segmentAdminPath = (shopifyId: string): string => `/customers/segments/${legacyId(shopifyId)}`;

export function insideShopifyRouter(ports: Ports): Router {
  const r = express.Router();
  r.get('/inside-shopify', async (_req, res) => {
    const shop = shopOf(res);
    const [doc, effective, flow] = await Promise.all([
      ports.shopifyObjects?.get(shop) ?? null,
      ports.shops.effective(shop),
      ports.enqueue.flowOutbox?.stats(shop) ?? null,
    ]);
    const store = shop.replace(/\.myshopify\.com$/, '');
    const segments = Object.values(doc?.segments ?? {}).sort((a, b) => a.key.localeCompare(b.key)).map((s) => ({
      key: s.key, name: s.name, query: s.query, shopifyId: s.shopifyId, deletedByMerchant: s.deletedByMerchant,
      adminPath: segmentAdminPath(s.shopifyId), adminUrl: `https://admin.shopify.com/store/${store}${segmentAdminPath(s.shopifyId)}`,
    }));
    res.json({
      settings: effective.settings.shopify,
      segments,
      lastReconcile: doc?.segmentsReport ?? null,
      metafieldDefinition: doc?.metafieldDefinitionId ? { namespace: '$app:segments', key: 'memberships' } : null,
      flowTriggers: flow,
    });
  });
  return r;
}
