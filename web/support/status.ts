// GET /shops/:shop/status: what support needs to answer "is this shop all right?" — install facts,
// profile and segment counts, the sync state, the install-wide queue depth and the dead-letter count.
import express, { type Router } from 'express';
import { isInstalled } from '../../src/profiles/shop-store.ts';
import type { DashboardPorts } from '../ports.ts';
import { parseInput, shopSchema } from '../validate.ts';
import { queueDepth, shopSyncStatus } from '../sync-status.ts';

type StatusPorts = Pick<DashboardPorts, 'shops' | 'profiles' | 'calibrations' | 'deadLetters' | 'enqueue' | 'authStats' | 'shopWork'>;

export function statusRouter(ports: StatusPorts): Router {
  const r = express.Router();
  r.get('/shops/:shop/status', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const doc = await ports.shops.get(shop);
    if (!doc) {
      res.status(404).json({ error: 'unknown_shop', shop });
      return;
    }
    const [status, segments, depth, deadLetters, authCounts] = await Promise.all([
      shopSyncStatus(ports, shop, { failures: 20, remembered: doc.lastResync }),
      ports.profiles.segmentCounts(shop),
      queueDepth(ports.enqueue.partitions),
      ports.deadLetters.count(shop),
      ports.authStats?.read(shop) ?? null,
    ]);
    res.json({
      shop,
      installed: isInstalled(doc),
      installedAt: doc.installedAt,
      uninstalledAt: doc.uninstalledAt,
      scopes: doc.scopes,
      hasReadAllOrders: doc.hasReadAllOrders,
      // needs-reauth: Shopify no longer accepts the offline token; work waits until the merchant opens the app.
      auth: { needsReauth: doc.needsReauthAt ? { since: doc.needsReauthAt, reason: doc.needsReauthReason } : null, ...authCounts },
      ...status,
      segments,
      queueDepth: depth,
      deadLetters,
    });
  });
  return r;
}
