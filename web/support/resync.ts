// POST /shops/:shop/resync (queue one for a known shop, deduplicated per shop) and
// GET /shops/:shop/resync/:jobId (its progress).
import express, { type Router } from 'express';
import type { Logger } from '../../src/logger.ts';
import type { DashboardPorts } from '../ports.ts';
import { jobIdSchema, parseInput, shopSchema } from '../validate.ts';
import { requestResync, resyncById } from '../sync-status.ts';

export function resyncRouter(ports: Pick<DashboardPorts, 'shops' | 'enqueue'>, logger: Logger): Router {
  const r = express.Router();
  r.post('/shops/:shop/resync', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    if (!(await ports.shops.get(shop))) {
      res.status(404).json({ error: 'unknown_shop', shop });
      return;
    }
    const view = await requestResync(ports.enqueue, shop, 'support');
    logger.info({ shop, jobId: view.jobId }, 'support resync requested');
    res.status(202).json(view);
  });

  r.get('/shops/:shop/resync/:jobId', async (req, res) => {
    const shop = parseInput(shopSchema, req.params.shop);
    const view = await resyncById(ports.enqueue.queuesFor(shop), shop, parseInput(jobIdSchema, req.params.jobId));
    if (!view) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    res.json(view);
  });
  return r;
}
