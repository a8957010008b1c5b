// Everything the dashboard side adds to the Express app, as mounts for web/app.ts:
//   /api      admin API (session tokens)          /support  support API + Bull Board (support token)
//   /app      the dashboard pages                 /         → /app (query kept)
import express, { type Router } from 'express';
import type { Config } from '../src/config.ts';
import type { Logger } from '../src/logger.ts';
import type { Redis } from 'ioredis';
import { createAdminApi } from './admin/api.ts';
import { createSupportApi } from './support/api.ts';
import { createDashboardPages } from './admin/dashboard-pages.ts';
import { adminLinksRouter } from './admin/admin-links.ts';
import type { DashboardPorts } from './ports.ts';

export interface DashboardMountOptions {
  /** Deps.config: its QUEUE_PREFIX is hash-tagged on a cluster (the admin API's rate-limit windows). */
  config: Pick<Config, 'SHOPIFY_API_KEY' | 'SHOPIFY_API_SECRET' | 'SUPPORT_TOKEN' | 'DEMO_MODE' | 'QUEUE_PREFIX'>;
  redis: Redis;
  logger: Logger;
  /** The demo shop (demo mode only). */
  demoShop?: string;
  rateLimitPerMinute?: number;
  distDir?: string;
  /** Installs a shop on its first verified admin request (web/admin/install-on-first-use.ts). */
  onVerified?: (shop: string, sessionToken: string, recheck?: boolean) => Promise<void>;
}

export function dashboardMounts(ports: DashboardPorts, o: DashboardMountOptions): Array<{ path: string; router: Router }> {
  const c = o.config;
  const mounts = [
    {
      path: '/api',
      router: createAdminApi(ports, {
        apiKey: c.SHOPIFY_API_KEY, apiSecret: c.SHOPIFY_API_SECRET, demoMode: c.DEMO_MODE, redis: o.redis, keyPrefix: c.QUEUE_PREFIX, logger: o.logger,
        ...(o.demoShop ? { demoShop: o.demoShop } : {}), ...(o.rateLimitPerMinute ? { rateLimitPerMinute: o.rateLimitPerMinute } : {}),
        ...(o.onVerified ? { onVerified: o.onVerified } : {}),
      }),
    },
    { path: '/support', router: createSupportApi(ports, { supportToken: c.SUPPORT_TOKEN, mountPath: '/support', logger: o.logger }) },
    // Admin link extensions land here (before the dashboard pages, which answer every /app path).
    { path: '/app/admin-link', router: adminLinksRouter() },
    { path: '/app', router: createDashboardPages({ apiKey: c.SHOPIFY_API_KEY, demoMode: c.DEMO_MODE, ...(o.distDir ? { distDir: o.distDir } : {}) }) },
  ];
  // Shopify opens the application URL with ?shop=…&host=…&embedded=1: keep the query on the way to /app.
  const root = express.Router();
  root.get('/', (req, res) => {
    const q = req.originalUrl.indexOf('?');
    res.redirect(302, `/app${q >= 0 ? req.originalUrl.slice(q) : ''}`);
  });
  mounts.push({ path: '/', router: root });
  return mounts;
}
