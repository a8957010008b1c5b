// Support API (JSON under /support): the assembler. `Authorization: Bearer $SUPPORT_TOKEN` on every
// call (constant-time comparison, support-auth.ts): none → 401, wrong → 403. Bull Board at /queues
// (queue-board.ts); the rest goes to the router of its resource, one file each:
//   status.ts   /shops/:shop/status                 resync.ts        /shops/:shop/resync[/:jobId]
//   customers.ts  /shops/:shop/customers/:id/recompute, /shops/:shop/engagement
//   dead-letters.ts  /shops/:shop/dead-letters
import express, { type Router } from 'express';
import type { Logger } from '../../src/logger.ts';
import type { DashboardPorts } from '../ports.ts';
import { jsonErrors } from '../validate.ts';
import { requireSupportToken } from './support-auth.ts';
import { createQueueBoard } from './queue-board.ts';
import { statusRouter } from './status.ts';
import { resyncRouter } from './resync.ts';
import { customersRouter } from './customers.ts';
import { deadLettersRouter } from './dead-letters.ts';

export interface SupportApiOptions {
  supportToken: string;
  /** Full path where the support router is mounted (Bull Board builds its links from it). */
  mountPath?: string;
  logger: Logger;
}

export function createSupportApi(ports: DashboardPorts, opts: SupportApiOptions): Router {
  const router = express.Router();
  const mountPath = opts.mountPath ?? '/support';
  router.use('/queues', requireSupportToken(opts.supportToken, { allowBasic: true }), createQueueBoard(ports.enqueue.queues, `${mountPath}/queues`));
  router.use(requireSupportToken(opts.supportToken));
  router.use(express.json({ limit: '256kb' }));

  router.use(statusRouter(ports));
  router.use(resyncRouter(ports, opts.logger));
  router.use(customersRouter(ports, opts.logger));
  router.use(deadLettersRouter(ports));

  router.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  router.use(jsonErrors(opts.logger, 'support api'));
  return router;
}
