// Queued ingest, second half: drains the `webhook` queue that POST /webhooks fills in queued mode
// (the request only verifies the HMAC and puts the delivery in Redis), and runs each delivery through
// the same processing as the inline route: durable dedupe, topic handler, dead letter, delivery record.
// A failure of our own (MongoDB down) throws, so BullMQ retries it with exponential backoff and jitter
// for about as long as Shopify would have; payload problems are dead letters, never retries.
// Runs in the web process (web/main.ts), next to the HTTP server that fills the queue.
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import { QUEUE, type WebhookData } from '../jobs/queues.ts';
import { installedShops, processDelivery } from './router.ts';
import type { HandlerDeps } from './types.ts';

export interface WebhookConsumerOptions {
  connection: ConnectionOptions;
  prefix: string;
  /** Deliveries processed at once (each is a few database round trips). */
  concurrency: number;
  installCacheMs?: number;
}

export interface WebhookConsumer {
  worker: Worker<WebhookData>;
  close(): Promise<void>;
}

export class WebhookProcessingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookProcessingError';
  }
}

export function startWebhookConsumer(deps: HandlerDeps, o: WebhookConsumerOptions): WebhookConsumer {
  const installs = installedShops(deps, o.installCacheMs ?? 30_000);
  const worker = new Worker<WebhookData>(
    QUEUE.webhook,
    async (job: Job<WebhookData>) => {
      const d = job.data;
      const result = await processDelivery(deps, installs, { shop: d.shop, topic: d.topic, webhookId: d.webhookId, eventId: d.eventId, body: d.body, receivedAt: new Date(d.receivedAt) });
      if (result.status >= 500) throw new WebhookProcessingError(String(result.body.error ?? 'processing failed'));
      return result.body;
    },
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency, lockDuration: 30_000, maxStalledCount: 2 },
  );
  worker.on('failed', (job, err) => {
    deps.logger.warn({ queue: QUEUE.webhook, jobId: job?.id, shop: job?.data.shop, topic: job?.data.topic, webhookId: job?.data.webhookId, attemptsMade: job?.attemptsMade, err: err.message }, 'queued webhook failed; will retry');
  });
  worker.on('error', (err) => deps.logger.error({ queue: QUEUE.webhook, err: err.message }, 'webhook consumer error'));
  return { worker, close: () => worker.close() };
}
