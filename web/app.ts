// The Express app: a small assembler. Each part lives in its own file and is mounted here:
//   /webhooks       webhooks/router.ts (Shopify deliveries; raw body, HMAC)
//   /health         liveness + readiness (MongoDB and Redis answer)
//   mounts[]        later parts: admin API (/api), support API (/support), dashboard (/) — each a
//                   Router from its own file under web/, passed in by web/main.ts.
import express, { type Express, type Router } from 'express';
import type { Deps } from '../src/deps.ts';
import { createWebhookRouter, type WebhookInbox } from '../webhooks/router.ts';
import type { WebhookEffects } from '../webhooks/effects.ts';

export interface AppMount {
  path: string;
  router: Router;
}

export interface AppOptions {
  deps: Deps;
  /** The pipeline's Enqueuer, typed by the webhooks' port. */
  effects: WebhookEffects;
  /** Queued ingest (web/webhook-ingest.ts); absent = deliveries are processed in the request. */
  inbox?: WebhookInbox;
  /** With an inbox: deliveries processed in the request at most at once (0 = always queue). */
  inlineLimit?: number;
  mounts?: AppMount[];
}

export function createApp({ deps, effects, inbox, inlineLimit, mounts = [] }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // Shopify calls /webhooks from outside; it needs the raw body, so it is mounted before any JSON parser.
  app.use(
    createWebhookRouter({
      stores: deps.stores,
      connection: deps.mongo,
      effects,
      ...(inbox ? { inbox, inlineLimit: inlineLimit ?? 0 } : {}),
      logger: deps.logger,
      secrets: { current: deps.config.SHOPIFY_API_SECRET, previous: deps.config.SHOPIFY_API_SECRET_PREVIOUS },
      now: () => new Date(deps.now()),
    }),
  );
  app.get('/health', async (_req, res) => {
    const [mongo, redis] = await Promise.all([
      deps.mongo.db?.admin().ping().then(() => true, () => false) ?? false,
      deps.redis.ping().then((r) => r === 'PONG', () => false),
    ]);
    res.status(mongo && redis ? 200 : 503).json({ ok: mongo && redis, mongo, redis });
  });
  for (const m of mounts) app.use(m.path, m.router);
  return app;
}
