// The Sync page: GET /sync (this shop's sync state and its own queued jobs), POST /resync (queue one,
// deduplicated per shop) and GET /resync/:jobId (its progress). The web pixel's activation state comes
// along (failures included), as the Signals settings show it.
import express, { type Router } from 'express';
import type { Logger } from '../../src/logger.ts';
import type { DashboardPorts } from '../ports.ts';
import { jobIdSchema, parseInput } from '../validate.ts';
import { requestResync, resyncById, shopQueueDepth, shopSyncStatus } from '../sync-status.ts';
import { shopOf } from './session-token.ts';
import { webPixelView } from './signals.ts';
import { messageFromEnglish } from '../../src/segments/explanation.ts';

type SyncPorts = Pick<DashboardPorts, 'shops' | 'profiles' | 'calibrations' | 'deadLetters' | 'enqueue' | 'shopWork' | 'shopifyObjects'>;

export function syncRouter(ports: SyncPorts, logger: Logger): Router {
  const r = express.Router();
  r.get('/sync', async (_req, res) => {
    const shop = shopOf(res);
    const doc = await ports.shops.get(shop);
    const [status, depth, deadLetters, objects] = await Promise.all([
      shopSyncStatus(ports, shop, { failures: 50, remembered: doc?.lastResync ?? null }),
      shopQueueDepth(ports.enqueue.queuesFor(shop), ports.shopWork, shop),
      ports.deadLetters.list(shop, 20),
      ports.shopifyObjects?.get(shop) ?? null,
    ]);
    res.json({
      ...status,
      // This shop's jobs only (support staff see the install-wide depth in the support API).
      queueDepth: depth.depth,
      queueDepthTruncated: depth.truncated,
      // The stored English reason, and its message for the viewer's language (null: wording no template makes).
      deadLetters: deadLetters.map((d) => ({ webhookId: d.webhookId, topic: d.topic, reason: d.reason, reasonMsg: messageFromEnglish('deadLetters', d.reason), receivedAt: d.receivedAt })),
      // What the store granted (install, app/scopes_update, each resync): without read_all_orders
      // Shopify shares only the last 60 days of orders.
      access: { scopes: doc?.scopes ?? [], readAllOrders: doc?.hasReadAllOrders ?? false, checkedAt: doc?.scopesUpdatedAt ?? null },
      // The web pixel's last activation pass (jobs/shopify-objects.ts): refusals show here until a later pass succeeds.
      webPixel: webPixelView(objects),
    });
  });

  r.post('/resync', async (_req, res) => {
    const shop = shopOf(res);
    const view = await requestResync(ports.enqueue, shop, 'merchant');
    logger.info({ shop, jobId: view.jobId }, 'resync requested');
    res.status(202).json(view);
  });

  r.get('/resync/:jobId', async (req, res) => {
    const shop = shopOf(res);
    const view = await resyncById(ports.enqueue.queuesFor(shop), shop, parseInput(jobIdSchema, req.params.jobId));
    if (!view) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    res.json(view);
  });
  return r;
}
