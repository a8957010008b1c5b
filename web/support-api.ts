// Support API (JSON under /support): resync a shop, recompute one customer, read a shop's status and
// dead letters, post engagement signals; Bull Board at /support/queues. `Authorization: Bearer
// $SUPPORT_TOKEN` on every call (constant-time comparison): none → 401, wrong → 403.
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../src/logger.ts';
import type { DashboardPorts } from './admin/ports.ts';
import { jsonErrors, parseInput } from './admin/validate.ts';
import { SHOP_DOMAIN } from './admin/session-token.ts';
import { requireSupportToken } from './support/support-auth.ts';
import { latestResync, queueDepth, resyncById, resyncView, shopFailures } from './admin/sync-status.ts';
import { customerIdSchema } from './admin-api.ts';
import { createQueueBoard } from './queue-board.ts';

export interface SupportApiOptions {
  supportToken: string;
  /** Full path where the support router is mounted (Bull Board builds its links from it). */
  mountPath?: string;
  logger: Logger;
}

const shopSchema = z.string().trim().toLowerCase().regex(SHOP_DOMAIN, 'must be a shop domain like example.myshopify.com');
const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const engagementBody = z.object({
  signals: z
    .array(
      z
        .object({ customerId: customerIdSchema, emailClickAt: instant.optional(), visitAt: instant.optional() })
        .refine((s) => s.emailClickAt || s.visitAt, 'needs emailClickAt or visitAt'),
    )
    .min(1)
    .max(1000),
});
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const jobIdSchema = z.string().regex(/^[A-Za-z0-9:_-]{1,100}$/);


export function createSupportApi(ports: DashboardPorts, opts: SupportApiOptions): Router {
  const router = express.Router();
  const mountPath = opts.mountPath ?? '/support';
  router.use('/queues', requireSupportToken(opts.supportToken, { allowBasic: true }), createQueueBoard(ports.enqueue.queues, `${mountPath}/queues`));
  router.use(requireSupportToken(opts.supportToken));
  router.use(express.json({ limit: '256kb' }));

  router.post('/shops/:shop/resync', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    if (!(await ports.shops.get(shop))) {
      res.status(404).json({ error: 'unknown_shop', shop });
      return;
    }
    const job = await ports.enqueue.resyncShop(shop, 'support');
    opts.logger.info({ shop, jobId: job.id }, 'support resync requested');
    res.status(202).json((job.id ? await resyncById(ports.enqueue.queues, shop, job.id) : null) ?? (await resyncView(job)));
  });

  router.get('/shops/:shop/resync/:jobId', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const view = await resyncById(ports.enqueue.queues, shop, parseInput(jobIdSchema, req.params.jobId));
    if (!view) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    res.json(view);
  });

  router.post('/shops/:shop/customers/:customerId/recompute', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const customerId = parseInput(customerIdSchema, req.params.customerId);
    await ports.enqueue.recomputeCustomer(shop, customerId, 'support');
    opts.logger.info({ shop, customerId }, 'support recompute requested');
    res.status(202).json({ shop, customerId, queued: true });
  });

  router.get('/shops/:shop/status', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const doc = await ports.shops.get(shop);
    if (!doc) {
      res.status(404).json({ error: 'unknown_shop', shop });
      return;
    }
    const queues = ports.enqueue.queues;
    const [profiles, tagsPending, segments, lastResync, calibration, depth, failures, deadLetters, authCounts] = await Promise.all([
      ports.profiles.count(shop),
      ports.profiles.countPending(shop),
      ports.profiles.segmentCounts(shop),
      latestResync(queues, shop, doc?.lastResync ?? null),
      ports.calibrations.current(shop),
      queueDepth(queues),
      shopFailures(queues, shop, 20),
      ports.deadLetters.list(shop, 500),
      ports.authStats?.read(shop) ?? null,
    ]);
    res.json({
      shop,
      installed: Boolean(doc.installedAt && !doc.uninstalledAt),
      installedAt: doc.installedAt,
      uninstalledAt: doc.uninstalledAt,
      scopes: doc.scopes,
      hasReadAllOrders: doc.hasReadAllOrders,
      // needs-reauth: Shopify no longer accepts the offline token; work waits until the merchant opens the app.
      auth: { needsReauth: doc.needsReauthAt ? { since: doc.needsReauthAt, reason: doc.needsReauthReason } : null, ...authCounts },
      profiles,
      tagsPending,
      segments,
      lastResync,
      lastCalibration: calibration ? { at: calibration.createdAt, reason: calibration.reason, buyers: calibration.buyers } : null,
      queueDepth: depth,
      failures,
      deadLetters: deadLetters.length,
    });
  });

  router.get('/shops/:shop/dead-letters', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const { limit } = parseInput(limitQuery, req.query);
    const list = await ports.deadLetters.list(shop, limit);
    res.json({ shop, deadLetters: list.map((d) => ({ webhookId: d.webhookId, topic: d.topic, reason: d.reason, customerId: d.customerId, receivedAt: d.receivedAt, truncated: d.truncated, payload: safeJson(d.payloadJson) })) });
  });

  router.post('/shops/:shop/engagement', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const { signals } = parseInput(engagementBody, req.body);
    await ports.engagement.record(shop, signals, new Date(ports.now()));
    // "Lost but Engaged" depends on these: recompute each customer (deduplicated per customer).
    const customers = [...new Set(signals.map((s) => s.customerId))];
    for (const id of customers) await ports.enqueue.recomputeCustomer(shop, id, 'support');
    opts.logger.info({ shop, signals: signals.length }, 'engagement signals recorded');
    res.status(202).json({ shop, recorded: signals.length, recomputing: customers.length });
  });

  router.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  router.use(jsonErrors(opts.logger, 'support api'));

  return router;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return null;
  }
}
