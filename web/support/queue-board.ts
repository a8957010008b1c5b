// Bull Board: the queue dashboard for support staff, over the same queues jobs/enqueue.ts created.
// Mounted behind the support token (web/support/api.ts); never reachable without it.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Router } from 'express';
import type { Queues } from '../../jobs/enqueue.ts';

export function createQueueBoard(queues: Queues, basePath: string): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({
    queues: Object.values(queues).map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Segments queues' } },
  });
  return adapter.getRouter() as Router;
}
