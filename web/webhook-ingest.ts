// Wires POST /webhooks to the configured ingest mode (WEBHOOK_MODE). queued: the request puts the
// verified delivery in the `webhook` queue (Redis, AOF) and answers 200; a consumer in this process
// (webhooks/consumer.ts) stores it. inline: the request stores it before answering.
import type { Deps } from '../src/deps.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import { startWebhookConsumer } from '../webhooks/consumer.ts';
import type { WebhookInbox } from '../webhooks/router.ts';

export interface WebhookIngest {
  /** For createApp: present in queued mode. */
  inbox?: WebhookInbox;
  close(): Promise<void>;
}

export function startWebhookIngest(deps: Deps, runtime: JobRuntime, mode = deps.config.WEBHOOK_MODE): WebhookIngest {
  if (mode !== 'queued') return { close: async () => undefined };
  const consumer = startWebhookConsumer(
    { stores: deps.stores, connection: deps.mongo, effects: runtime.enqueue, logger: deps.logger },
    { connection: deps.newRedis(), prefix: runtime.prefix, concurrency: deps.config.WEBHOOK_CONCURRENCY },
  );
  return { inbox: runtime.enqueue, close: () => consumer.close() };
}
