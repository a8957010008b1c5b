// Admin API for the embedded dashboard (JSON under /api). Every call carries an App Bridge session
// token; the shop comes from the verified token only, so one shop can never name another's data.
// In demo mode, GET /api/demo-session hands out a token for the demo shop (no Shopify admin needed).
import express, { type Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { defaultShopSettings, safeParseShopSettings, type ShopSettings } from '../src/segments/settings.ts';
import { FAMILIES, SEGMENT_DEFINITIONS, tagVocabulary } from '../src/segments/tags.ts';
import type { Logger } from '../src/logger.ts';
import type { DashboardPorts } from './admin/ports.ts';
import { BadInput, jsonErrors, parseInput } from './admin/validate.ts';
import { bearerToken, requireSessionToken, shopOf, signSessionToken, verifySessionToken } from './admin/session-token.ts';
import { rateLimitPerShop } from './admin/rate-limit.ts';
import { computeOverview, sizesOverTime } from './admin/overview.ts';
import { thresholdsView } from './admin/thresholds.ts';
import { latestResync, resyncById, resyncView, shopFailures, shopQueueDepth } from './admin/sync-status.ts';
import { previewSettings } from './admin/settings-preview.ts';
import { streamProfilesCsv } from './admin/profiles-csv.ts';
import { issueDownloadTicket, verifyDownloadTicket } from './admin/download-ticket.ts';
import { parseMetricsJson } from './admin/profile-metrics.ts';

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
  logger: Logger;
  /** After a verified session token: install the shop on first use (token exchange); see install-on-first-use.ts. */
  onVerified?: (shop: string, sessionToken: string) => Promise<void>;
}

/** A Shopify customer id: the numeric id, or its gid. Returned as the numeric string. */
export const customerIdSchema = z
  .string()
  .trim()
  .regex(/^(gid:\/\/shopify\/Customer\/)?\d{1,20}$/, 'must be a Shopify customer id (digits or gid://shopify/Customer/…)')
  .transform((s) => s.replace(/^gid:\/\/shopify\/Customer\//, ''));

const sizesQuery = z.object({
  family: z.enum(FAMILIES as unknown as [string, ...string[]]).default('loyalty'),
  days: z.coerce.number().int().min(7).max(366).default(90),
});
const jobIdSchema = z.string().regex(/^[A-Za-z0-9:_-]{1,100}$/);
const settingsBody = z.object({ settings: z.unknown() });

const labels = new Map(SEGMENT_DEFINITIONS.map((d) => [`${d.family}/${d.segment}`, d]));



async function shopSettings(ports: DashboardPorts, shop: string): Promise<{ settings: ShopSettings; currency: string }> {
  const doc = await ports.shops.get(shop);
  const parsed = safeParseShopSettings(doc?.settings ?? {});
  const settings = parsed.ok ? parsed.settings : defaultShopSettings;
  return { settings, currency: doc?.currency ?? settings.currency };
}

export function createAdminApi(ports: DashboardPorts, opts: AdminApiOptions): Router {
  const api = express.Router();
  const auth = { apiKey: opts.apiKey, apiSecret: opts.apiSecret };
  const asOf = () => ports.asOf ?? ports.now();

  if (opts.demoMode) {
    // Demo only: stands in for App Bridge, which mints these tokens inside the Shopify admin.
    api.get('/demo-session', async (_req, res) => {
      const shop = opts.demoShop ?? 'demo.myshopify.com';
      res.set('Cache-Control', 'no-store');
      res.json({ shop, token: await signSessionToken(shop, { ...auth, ttlSeconds: 60 }), expiresInSeconds: 60 });
    });
  }

  const limit = rateLimitPerShop({ redis: opts.redis, keyPrefix: opts.keyPrefix, limit: opts.rateLimitPerMinute ?? 600, windowSeconds: 60 });

  // The CSV link carries a download ticket instead of a header; see admin/download-ticket.ts.
  api.get(
    '/export.csv',
    async (req, res, next) => {
      const ticket = typeof req.query.ticket === 'string' ? req.query.ticket : null;
      const shop = ticket ? verifyDownloadTicket(ticket, opts.apiSecret, Date.now()) : await verifySessionToken(bearerToken(req), auth).then((v) => (v.valid ? v.shop : null));
      if (!shop) {
        res.status(401).json({ error: 'unauthorized', reason: ticket ? 'bad_ticket' : 'missing_token' });
        return;
      }
      res.locals.shop = shop;
      next();
    },
    limit,
    async (_req, res) => {
      const shop = shopOf(res);
      const rows = await streamProfilesCsv(ports.profiles, shop, res);
      opts.logger.info({ shop, rows }, 'profiles exported');
    },
  );

  api.use(requireSessionToken(auth));
  if (opts.onVerified) {
    const onVerified = opts.onVerified;
    api.use(async (req, res, next) => {
      try {
        await onVerified(shopOf(res), bearerToken(req)!);
        next();
      } catch (err) {
        opts.logger.error({ shop: shopOf(res), err: (err as Error).message }, 'installation (token exchange) failed');
        res.status(503).json({ error: 'install_failed', reason: 'could not complete the installation with Shopify; retry shortly' });
      }
    });
  }
  api.use(limit);
  api.use(express.json({ limit: '64kb' }));

  api.get('/session', async (_req, res) => {
    const shop = shopOf(res);
    const [doc, { currency }] = await Promise.all([ports.shops.get(shop), shopSettings(ports, shop)]);
    res.json({ shop, demo: opts.demoMode, currency, installed: Boolean(doc?.installedAt && !doc.uninstalledAt), hasReadAllOrders: doc?.hasReadAllOrders ?? false });
  });

  api.get('/overview', async (_req, res) => {
    const shop = shopOf(res);
    const [{ currency }, overview] = await Promise.all([shopSettings(ports, shop), computeOverview(ports.profiles, shop)]);
    res.json({ shop, currency, ...overview });
  });

  api.get('/overview/sizes', async (req, res) => {
    const q = parseInput(sizesQuery, req.query);
    res.json(await sizesOverTime(ports.profiles, ports.events, shopOf(res), q.family, q.days, asOf()));
  });

  api.get('/thresholds', async (_req, res) => {
    const shop = shopOf(res);
    const [{ currency }, current, history] = await Promise.all([shopSettings(ports, shop), ports.calibrations.current(shop), ports.calibrations.history(shop, 100)]);
    res.json({ currency, ...thresholdsView(current, history, currency) });
  });

  api.get('/customers/:customerId', async (req, res) => {
    const shop = shopOf(res);
    const customerId = parseInput(customerIdSchema, req.params.customerId);
    const [profile, history, engagement] = await Promise.all([
      ports.profiles.get(shop, customerId),
      ports.events.forCustomer(shop, customerId, 200),
      ports.engagement.forCustomer(shop, customerId),
    ]);
    if (!profile) {
      res.status(404).json({ error: 'not_found', customerId, message: 'No profile for this customer yet: it has no orders we know of, or the shop has not been synced.' });
      return;
    }
    res.json({
      customerId,
      asOf: profile.asOf,
      computedAt: profile.computedAt,
      metrics: parseMetricsJson(profile.metricsJson),
      predictions: parseMetricsJson(profile.predictionsJson),
      replenishment: JSON.parse(profile.replenishmentJson || '[]') as unknown,
      memberships: profile.memberships.map((m) => {
        const d = labels.get(`${m.family}/${m.segment}`);
        return { ...m, label: d?.label ?? m.segment, meaning: d?.meaning ?? '' };
      }),
      history: history.map((e) => ({ at: e.at, change: e.change, family: e.family, segment: e.segment, label: labels.get(`${e.family}/${e.segment}`)?.label ?? e.segment, tag: e.tag, explanation: e.explanation })),
      tagsApplied: profile.tagsApplied,
      tagsDesired: profile.tagsDesired,
      tagsPending: profile.tagsPending,
      engagement,
    });
  });

  api.get('/settings', async (_req, res) => {
    const shop = shopOf(res);
    const { settings } = await shopSettings(ports, shop);
    res.json({ settings, defaults: defaultShopSettings, vocabulary: tagVocabulary(settings) });
  });

  const validatedSettings = (body: unknown): ShopSettings => {
    const { settings } = parseInput(settingsBody, body);
    const r = safeParseShopSettings(settings);
    if (!r.ok) throw new BadInput(r.issues);
    return r.settings;
  };

  api.post('/settings/preview', async (req, res) => {
    const shop = shopOf(res);
    const next = validatedSettings(req.body);
    res.json(await previewSettings(ports, shop, next, asOf()));
  });

  api.put('/settings', async (req, res) => {
    const shop = shopOf(res);
    const next = validatedSettings(req.body);
    if (!(await ports.shops.get(shop))) {
      res.status(404).json({ error: 'not_installed' });
      return;
    }
    await ports.shops.updateSettings(shop, next as unknown as Record<string, unknown>, new Date(ports.now()));
    // Thresholds and tags follow the new settings: recalibrate, then recompute whoever changes.
    await ports.enqueue.recalibrateShop(shop, 'settings-changed');
    opts.logger.info({ shop }, 'settings saved');
    res.json({ settings: next, recalibrating: true });
  });

  api.get('/sync', async (_req, res) => {
    const shop = shopOf(res);
    const queues = ports.enqueue.queues;
    const doc = await ports.shops.get(shop);
    const [lastResync, depth, failures, deadLetters, tagsPending, profiles, calibration] = await Promise.all([
      latestResync(queues, shop, doc?.lastResync ?? null),
      shopQueueDepth(queues, shop),
      shopFailures(queues, shop, 50),
      ports.deadLetters.list(shop, 20),
      ports.profiles.countPending(shop),
      ports.profiles.count(shop),
      ports.calibrations.current(shop),
    ]);
    res.json({
      lastResync,
      lastCalibration: calibration ? { at: calibration.createdAt, reason: calibration.reason, buyers: calibration.buyers } : null,
      // This shop's jobs only (support staff see the install-wide depth in the support API).
      queueDepth: depth.depth,
      queueDepthTruncated: depth.truncated,
      failures,
      deadLetters: deadLetters.map((d) => ({ webhookId: d.webhookId, topic: d.topic, reason: d.reason, receivedAt: d.receivedAt })),
      profiles,
      tagsPending,
      // What the store granted (install, app/scopes_update, each resync): without read_all_orders
      // Shopify shares only the last 60 days of orders.
      access: { scopes: doc?.scopes ?? [], readAllOrders: doc?.hasReadAllOrders ?? false, checkedAt: doc?.scopesUpdatedAt ?? null },
    });
  });

  api.post('/resync', async (_req, res) => {
    const shop = shopOf(res);
    const job = await ports.enqueue.resyncShop(shop, 'merchant');
    // Deduplicated per shop: while one runs, this returns the running one.
    const view = (job.id ? await resyncById(ports.enqueue.queues, shop, job.id) : null) ?? (await resyncView(job));
    opts.logger.info({ shop, jobId: job.id }, 'resync requested');
    res.status(202).json(view);
  });

  api.get('/resync/:jobId', async (req, res) => {
    const shop = shopOf(res);
    const view = await resyncById(ports.enqueue.queues, shop, parseInput(jobIdSchema, req.params.jobId));
    if (!view) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    res.json(view);
  });

  api.post('/export-link', (req, res) => {
    const ticket = issueDownloadTicket(shopOf(res), opts.apiSecret, Date.now());
    res.json({ url: `${req.baseUrl}/export.csv?ticket=${encodeURIComponent(ticket)}`, expiresInSeconds: 60 });
  });

  api.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });

  api.use(jsonErrors(opts.logger, 'admin api'));

  return api;
}
