// The Express app: a small assembler. Each part lives in its own file and is mounted here:
//   /webhooks       webhooks/router.ts (Shopify deliveries; raw body, HMAC)
//   /signals        web/signals/router.ts (web pixel, Klaviyo and generic e-mail clicks; public, rate-limited)
//   /health         liveness + readiness (MongoDB and Redis answer)
//   mounts[]        later parts: admin API (/api), support API (/support), dashboard (/) — each a
//                   Router from its own file under web/, passed in by web/main.ts.
import express, { type Express, type Router } from 'express';
import type { Deps } from '../src/deps.ts';
import { installationProbeFrom } from '../src/shopify/installation-probe.ts';
import { createWebhookRouter, type WebhookInbox } from '../webhooks/router.ts';
import type { WebhookEffects } from '../webhooks/effects.ts';
import type { InstallationProbe } from '../webhooks/types.ts';
import { createSignalsRouter } from './signals/router.ts';
import type { SignalLimits } from './signals/ports.ts';
import { SignalDrops } from '../src/profiles/signal-drops.ts';

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
  /**
   * Asks Shopify whether the app is still installed before an app/uninstalled delivery acts. The app
   * passes its job runtime's (tokens renewed first); without one, the stored token is used as it is.
   */
  installation?: InstallationProbe;
  mounts?: AppMount[];
  /** Limits of the public signal endpoints (tests lower them). */
  signalLimits?: Partial<SignalLimits>;
  /**
   * The signal endpoints' clock (epoch ms): signal times are checked against it and stored relative to
   * it. Default deps.now; the demo and the end-to-end tests pin it to the engine's as-of.
   */
  signalNow?: () => number;
}

/** Two years, subdomains included: browsers then refuse plain http to this host. */
export const HSTS = 'max-age=63072000; includeSubDomains';

/**
 * On every response: no MIME sniffing (a JSON or CSV answer is never run as a script or page); HSTS
 * when the request came over TLS (directly, or through a trusted proxy: TRUST_PROXY), never over plain
 * http, where browsers ignore it anyway and a local install must stay reachable.
 */
export const securityHeaders: express.RequestHandler = (req, res, next) => {
  res.set('X-Content-Type-Options', 'nosniff');
  if (req.secure) res.set('Strict-Transport-Security', HSTS);
  next();
};

export function createApp({ deps, effects, inbox, inlineLimit, installation, mounts = [], signalLimits, signalNow }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // Whether a request came over TLS is read from X-Forwarded-Proto only from a trusted proxy.
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.use(securityHeaders);
  // Shopify calls /webhooks from outside; it needs the raw body, so it is mounted before any JSON parser.
  app.use(
    createWebhookRouter({
      stores: deps.stores,
      connection: deps.mongo,
      effects,
      installation: installation ?? installationProbeFrom(deps.config, deps.stores.sessions, deps.logger),
      ...(inbox ? { inbox, inlineLimit: inlineLimit ?? 0 } : {}),
      logger: deps.logger,
      secrets: { current: deps.config.SHOPIFY_API_SECRET, previous: deps.config.SHOPIFY_API_SECRET_PREVIOUS },
      now: () => new Date(deps.now()),
    }),
  );
  app.use('/signals', createSignalsRouter({
    stores: deps.stores, effects, redis: deps.redis, drops: new SignalDrops(deps.redis, deps.shopKeys.prefix), keys: deps.shopKeys,
    logger: deps.logger, now: signalNow ?? deps.now, ...(signalLimits ? { limits: signalLimits } : {}),
  }));
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
