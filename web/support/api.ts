// Support API (JSON under /support): the assembler. `Authorization: Bearer $SUPPORT_TOKEN` on every
// call (constant-time comparison, support-auth.ts): none → 401, wrong → 403. Bull Board at /queues
// (queue-board.ts); the rest goes to the router of its resource, one file each:
//   status.ts   /shops/:shop/status                 resync.ts        /shops/:shop/resync[/:jobId]
//   customers.ts  /shops/:shop/customers/:id/recompute, /shops/:shop/engagement
//   dead-letters.ts  /shops/:shop/dead-letters      data-requests.ts /shops/:shop/customers/:id/data-request
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
import { dataRequestsRouter } from './data-requests.ts';

export interface SupportApiOptions {
  supportToken: string;
  /** Full path where the support router is mounted (Bull Board builds its links from it). */
  mountPath?: string;
  logger: Logger;
}

/**
 * The support pages (Bull Board) are never rendered inside another site: Shopify asks apps not shown in
 * the admin to send frame-ancestors 'none'
 * (https://shopify.dev/docs/apps/build/security/app-server/set-up-iframe-protection). Scripts only from
 * this origin; Bull Board's inline styles and Google fonts are the only outside pieces it loads.
 */
export const SUPPORT_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "font-src 'self' https://fonts.gstatic.com", "img-src 'self' data:", "connect-src 'self'", "object-src 'none'",
  "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const supportPageHeaders: express.RequestHandler = (_req, res, next) => {
  res.set('Content-Security-Policy', SUPPORT_CSP);
  res.set('X-Frame-Options', 'DENY');
  res.set('Referrer-Policy', 'no-referrer');
  next();
};

export function createSupportApi(ports: DashboardPorts, opts: SupportApiOptions): Router {
  const router = express.Router();
  const mountPath = opts.mountPath ?? '/support';
  router.use(supportPageHeaders);
  router.use('/queues', requireSupportToken(opts.supportToken, { allowBasic: true }), createQueueBoard(ports.enqueue.partitions, `${mountPath}/queues`));
  router.use(requireSupportToken(opts.supportToken));
  router.use(express.json({ limit: '256kb' }));

  router.use(statusRouter(ports));
  router.use(resyncRouter(ports, opts.logger));
  router.use(customersRouter(ports, opts.logger));
  router.use(deadLettersRouter(ports));
  router.use(dataRequestsRouter(ports, opts.logger));

  router.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  router.use(jsonErrors(opts.logger, 'support api'));
  return router;
}
