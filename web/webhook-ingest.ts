// Wires POST /webhooks to the configured ingest mode (WEBHOOK_MODE). auto: stored in the request while
// few are in flight, else (or on failure) put in the `webhook` queue (Redis, AOF) and answered 200;
// queued: always queued; inline: never. A consumer in this process (webhooks/consumer.ts) drains the queue.
import { keyringFrom, type Deps } from '../src/deps.ts';
import type { JobRuntime } from '../jobs/runtime.ts';
import { startWebhookConsumer } from '../webhooks/consumer.ts';
import type { WebhookInbox } from '../webhooks/router.ts';
import type { InstallationProbe } from '../webhooks/types.ts';

export interface WebhookIngest {
  /** Spread into createApp's options. */
  app: { inbox?: WebhookInbox; inlineLimit?: number; installation: InstallationProbe };
  close(): Promise<void>;
}

export function startWebhookIngest(deps: Deps, runtime: JobRuntime, mode = deps.config.WEBHOOK_MODE): WebhookIngest {
  // app/uninstalled is confirmed with Shopify through the runtime's token handling (renewed first).
  const installation: InstallationProbe = { probe: (shop) => runtime.context.shopify.installationState(shop) };
  if (mode === 'inline') return { app: { installation }, close: async () => undefined };
  const consumer = startWebhookConsumer(
    { stores: deps.stores, connection: deps.mongo, effects: runtime.enqueue, logger: deps.logger, installation },
    {
      connection: deps.newRedis(), prefix: runtime.partitionPrefixes, concurrency: deps.config.WEBHOOK_CONCURRENCY,
      keyring: keyringFrom(deps.config), secrets: { current: deps.config.SHOPIFY_API_SECRET, previous: deps.config.SHOPIFY_API_SECRET_PREVIOUS },
    },
  );
  return {
    app: { installation, inbox: runtime.enqueue, inlineLimit: mode === 'queued' ? 0 : deps.config.WEBHOOK_INLINE_LIMIT },
    close: () => consumer.close(),
  };
}
