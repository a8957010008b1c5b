// Admin API for the embedded dashboard (JSON under /api): the assembler. Every call carries an App
// Bridge session token; the shop comes from the verified token only, so one shop can never name
// another's data. Then the shop is installed on first use, rate-limited, and the call goes to the
// router of its resource, one file each:
//   session.ts  /session (and /demo-session in demo mode)   overview.ts    /overview, /overview/sizes
//   thresholds.ts  /thresholds                              customers.ts   /customers/:customerId
//   settings.ts  /settings, /settings/preview               sync.ts        /sync, /resync, /resync/:jobId
//   export.ts  /export-link, /export.csv (a download ticket instead of a header)
//   insights.ts  /insights (Bright spots)
//   first-run.ts  /first-run (the Overview's first-run card)
//   customer-names.ts  /customer-names (opt-in live names of the customers on screen; never stored)
//   segment-browser.ts  /segments/:family/:segment/customers, …/export-link, …/export.csv
import express, { type RequestHandler, type Router } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../../src/logger.ts';
import type { DashboardPorts } from '../ports.ts';
import { jsonErrors } from '../validate.ts';
import { bearerToken, requireSessionToken, RETRY_INVALID_SESSION_HEADER, shopOf } from './session-token.ts';
import { exchangeFailureKind } from '../../src/shopify/install.ts';
import { rateLimitPerShop } from './rate-limit.ts';
import { concurrencyCapPerShop } from './concurrency-cap.ts';
import { demoSessionRouter, sessionRouter } from './session.ts';
import { overviewRouter } from './overview.ts';
import { thresholdsRouter } from './thresholds.ts';
import { insightsRouter } from './insights.ts';
import { customersRouter } from './customers.ts';
import { settingsRouter } from './settings.ts';
import { syncRouter } from './sync.ts';
import { insideShopifyRouter } from './inside-shopify.ts';
import { signalsRouter } from './signals.ts';
import { csvDownloadRouter, exportLinkRouter } from './export.ts';
import { segmentBrowserRouter } from './segment-browser.ts';
import { firstRunRouter } from './first-run.ts';
import { customerNamesRouter } from './customer-names.ts';

export interface AdminApiOptions {
  apiKey: string;
  apiSecret: string;
  demoMode: boolean;
  /** The shop the demo session is for (demo mode only). */
  demoShop?: string;
  redis: Redis;
  keyPrefix: string;
  /** Requests per shop per minute (default 600: the Sync page polls progress every second). */
  rateLimitPerMinute?: number;
  /** Requests of one shop in flight at once in this process (default 6: the dashboard's first load fires a few). */
  concurrencyPerShop?: number;
  logger: Logger;
  /** After a verified session token: install the shop on first use (token exchange); see install-on-first-use.ts. */
  onVerified?: (shop: string, sessionToken: string, recheck?: boolean) => Promise<void>;
}

/**
 * Runs `onVerified` for the verified shop. A failed token exchange is answered as
 * @shopify/shopify-app-express answers it (perform-token-exchange): a session token Shopify would not
 * exchange → 401 with X-Shopify-Retry-Invalid-Session-Request (App Bridge retries with a fresh token);
 * Shopify refused with 401 → 401 without it (a retry cannot help); Shopify or the network down → 503.
 */
function installing(onVerified: NonNullable<AdminApiOptions['onVerified']>, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    try {
      // Each dashboard open starts with GET /session: check the token state afresh then.
      await onVerified(shopOf(res), bearerToken(req)!, req.path === '/session');
      next();
    } catch (err) {
      const kind = exchangeFailureKind(err);
      logger.error({ shop: shopOf(res), err: (err as Error).message, kind }, 'installation (token exchange) failed');
      if (kind === 'invalid-session-token') {
        res.set(RETRY_INVALID_SESSION_HEADER, '1');
        res.status(401).json({ error: 'unauthorized', reason: 'invalid_session_token' });
      } else if (kind === 'unauthorized') {
        res.status(401).json({ error: 'unauthorized', reason: 'token_exchange_refused' });
      } else {
        res.status(503).json({ error: 'install_failed', reason: 'could not complete the installation with Shopify; retry shortly' });
      }
    }
  };
}

export function createAdminApi(ports: DashboardPorts, opts: AdminApiOptions): Router {
  const api = express.Router();
  const auth = { apiKey: opts.apiKey, apiSecret: opts.apiSecret };
  const asOf = () => ports.asOf ?? ports.now();
  const limit = rateLimitPerShop({ redis: opts.redis, keyPrefix: opts.keyPrefix, limit: opts.rateLimitPerMinute ?? 600, windowSeconds: 60 });

  if (opts.demoMode) api.use(demoSessionRouter(auth, opts.demoShop ?? 'demo.myshopify.com'));
  api.use(csvDownloadRouter(ports, { auth, limit, logger: opts.logger }));

  api.use(requireSessionToken(auth));
  if (opts.onVerified) api.use(installing(opts.onVerified, opts.logger));
  api.use(limit);
  api.use(concurrencyCapPerShop(opts.concurrencyPerShop ?? 6));
  api.use(express.json({ limit: '64kb' }));

  api.use(sessionRouter(ports, opts.demoMode));
  api.use(overviewRouter(ports, asOf));
  api.use(thresholdsRouter(ports));
  api.use(insightsRouter(ports));
  api.use(customersRouter(ports));
  api.use(settingsRouter(ports, { logger: opts.logger, asOf }));
  api.use(syncRouter(ports, opts.logger));
  api.use(insideShopifyRouter(ports));
  api.use(signalsRouter(ports));
  api.use(exportLinkRouter(opts.apiSecret));
  api.use(segmentBrowserRouter(ports, opts.apiSecret));
  api.use(firstRunRouter(ports));
  api.use(customerNamesRouter(ports, opts.logger));

  api.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  api.use(jsonErrors(opts.logger, 'admin api'));
  return api;
}
