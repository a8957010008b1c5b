// Bull Board: the queue dashboard for support staff, over the same queues jobs/enqueue.ts created.
// Mounted behind the support token (web/support/api.ts); never reachable without it.
// Read-only: the board could otherwise add jobs — a `shop/redact` delivery erasing any shop, fake order
// jobs tagging real customers — or retry, promote, clean and edit them. Bull Board's read-only mode
// hides and refuses those actions, and this router refuses every method but GET/HEAD before the board
// sees the request. (The webhook consumer refuses a job it did not get from POST /webhooks anyway:
// webhooks/consumer.ts.) Queued webhook bodies are sealed; the board shows their headers and size only.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Router } from 'express';
import type { Queues } from '../../jobs/enqueue.ts';
import type { WebhookData } from '../../jobs/queues.ts';

/** What the board shows of a queued delivery: headers and size, never the body (sealed anyway). */
export function boardViewOfDelivery(d: Partial<WebhookData> | null | undefined): Record<string, unknown> {
  if (!d || typeof d !== 'object') return {};
  const { shop, topic, webhookId, eventId, triggeredAt, bytes, receivedAt } = d;
  return { shop, topic, webhookId, eventId, triggeredAt, bytes, receivedAt, body: '(sealed)' };
}

/**
 * Every queue of every partition (jobs/enqueue.ts createPartitions). With several partitions each board
 * entry is named `p<k>/<queue>` (Bull Board keys its queues by name, and the partitions share the names).
 */
export function createQueueBoard(partitions: readonly Queues[], basePath: string): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  const adapters = partitions.flatMap((queues, k) => (Object.entries(queues) as Array<[keyof Queues, Queues[keyof Queues]]>).map(([key, q]) => {
    const a = new BullMQAdapter(q, { readOnlyMode: true, allowRetries: false, ...(partitions.length > 1 ? { prefix: `p${k}/` } : {}) });
    if (key === 'webhook') a.setFormatter('data', (data: Partial<WebhookData>) => boardViewOfDelivery(data));
    return a;
  }));
  createBullBoard({ queues: adapters, serverAdapter: adapter, options: { uiConfig: { boardTitle: 'Segments queues (read-only)' } } });
  const router = express.Router();
  router.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.set('Allow', 'GET, HEAD');
    res.status(405).json({ error: 'read_only', reason: 'the queue board is read-only' });
  });
  router.use(adapter.getRouter() as Router);
  return router;
}
