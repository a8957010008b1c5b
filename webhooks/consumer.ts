// Queued ingest, second half: drains the `webhook` queue that POST /webhooks fills in queued mode
// (the request only verifies the HMAC and puts the delivery in Redis), and runs each delivery through
// the same processing as the inline route: durable dedupe, topic handler, dead letter, delivery record.
// A failure of our own (MongoDB down) throws, so BullMQ retries it with exponential backoff and jitter
// for about as long as Shopify would have; payload problems are dead letters, never retries.
// Runs in the web process (web/main.ts), next to the HTTP server that fills the queue.
//
// The queue is not trusted: anyone who can write to Redis (or could use a writable queue board) could
// add a job. A job is processed only if its sealed body opens with our key bound to its headers, and
// the HMAC Shopify sent verifies over that body — the same check as POST /webhooks. Anything else is
// refused (unrecoverable, never retried) and acts on nothing.
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { QUEUE, webhookSealAad, type WebhookData } from '../jobs/queues.ts';
import { TokenDecryptionError, type Keyring } from '../src/shopify/token-crypto.ts';
import { installedShops, processDelivery } from './router.ts';
import type { AcceptedDelivery } from '../jobs/enqueue.ts';
import { verifyWebhookHmac } from './verify-hmac.ts';
import type { HandlerDeps } from './types.ts';

export interface WebhookConsumerOptions {
  connection: ConnectionOptions;
  /** The queue prefix, or each partition's (src/redis.ts partitionPrefixes): one Worker per partition. */
  prefix: string | readonly string[];
  /** Deliveries processed at once (each is a few database round trips). */
  concurrency: number;
  installCacheMs?: number;
  /** Opens the sealed bodies (ENCRYPTION_KEY, and the previous key during a rotation). */
  keyring: Keyring;
  /** The app secrets the HMAC is verified with again (current, and previous during a rotation). */
  secrets: { current: string; previous?: string | undefined };
}

export interface WebhookConsumer {
  /** The first partition's Worker (the only one with one partition). */
  worker: Worker<WebhookData>;
  workers: Array<Worker<WebhookData>>;
  close(): Promise<void>;
}

export class WebhookProcessingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookProcessingError';
  }
}

/** The delivery a job carries, only if it is one Shopify signed and POST /webhooks queued; else why not. */
export function openQueuedDelivery(data: Partial<WebhookData>, keyring: Keyring, secrets: WebhookConsumerOptions['secrets']): AcceptedDelivery | string {
  const d = data as WebhookData;
  if (typeof d.bodySealed !== 'string' || typeof d.hmac !== 'string' || typeof d.shop !== 'string' || typeof d.topic !== 'string' || typeof d.webhookId !== 'string' || !Array.isArray(d.customerIds) || typeof d.receivedAt !== 'number' || typeof d.arrivedAt !== 'number') {
    return 'not a queued delivery (no sealed body, HMAC or headers)';
  }
  let body: string;
  try {
    body = keyring.open(d.bodySealed, webhookSealAad({ shop: d.shop, topic: d.topic, webhookId: d.webhookId, eventId: d.eventId ?? null, triggeredAt: d.triggeredAt ?? null, hmac: d.hmac, customerIds: d.customerIds, receivedAt: d.receivedAt, arrivedAt: d.arrivedAt })).plaintext;
  } catch (err) {
    if (err instanceof TokenDecryptionError) return 'sealed body does not open with our key for these headers (forged or altered job)';
    throw err;
  }
  if (!verifyWebhookHmac(Buffer.from(body, 'utf8'), d.hmac, secrets).valid) return 'HMAC does not verify over the body';
  return { shop: d.shop, topic: d.topic, webhookId: d.webhookId, eventId: d.eventId ?? null, triggeredAt: d.triggeredAt ?? null, hmac: d.hmac, body, receivedAt: new Date(d.receivedAt), arrivedAt: d.arrivedAt };
}

export function startWebhookConsumer(deps: HandlerDeps, o: WebhookConsumerOptions): WebhookConsumer {
  const installs = installedShops(deps, o.installCacheMs ?? 30_000);
  const processJob = async (job: Job<WebhookData>) => {
    const delivery = openQueuedDelivery(job.data, o.keyring, o.secrets);
    if (typeof delivery === 'string') {
      deps.logger.warn({ queue: QUEUE.webhook, jobId: job.id, reason: delivery }, 'queued webhook refused: not an authentic delivery');
      throw new UnrecoverableError(`refused: ${delivery}`);
    }
    const result = await processDelivery(deps, installs, delivery);
    if (result.status >= 500) throw new WebhookProcessingError(String(result.body.error ?? 'processing failed'));
    return result.body;
  };
  const prefixes = typeof o.prefix === 'string' ? [o.prefix] : o.prefix;
  const workers = prefixes.map((prefix) => {
    const worker = new Worker<WebhookData>(QUEUE.webhook, processJob, { connection: o.connection, prefix, concurrency: o.concurrency, lockDuration: 30_000, maxStalledCount: 2 });
    worker.on('failed', (job, err) => {
      deps.logger.warn({ queue: QUEUE.webhook, jobId: job?.id, shop: job?.data.shop, topic: job?.data.topic, webhookId: job?.data.webhookId, attemptsMade: job?.attemptsMade, err: err.message }, 'queued webhook failed; will retry');
    });
    worker.on('error', (err) => deps.logger.error({ queue: QUEUE.webhook, err: err.message }, 'webhook consumer error'));
    return worker;
  });
  return { worker: workers[0]!, workers, close: async () => { await Promise.all(workers.map((w) => w.close())); } };
}
