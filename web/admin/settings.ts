// GET /settings (in force, with the defaults and the tag vocabulary they give), POST /settings/preview
// (dry run, a job: jobs/settings-preview.ts) and PUT /settings (saved, then the shop is recalibrated). A tag-prefix
// change is checked against the tags customers carry on Shopify first (tag-prefix-check.ts).
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../src/logger.ts';
import { defaultShopSettings, safeParseShopSettings, type ShopSettings } from '../../src/segments/settings.ts';
import { tagVocabulary } from '../../src/segments/tags.ts';
import type { DashboardPorts } from '../ports.ts';
import { BadInput, jobIdSchema, parseInput } from '../validate.ts';
import { shopOf } from './session-token.ts';
import { settingsHash, type PreviewResult } from '../../jobs/settings-preview.ts';
import { checkPrefixChange, prefixChangeAllowed, prefixRefusal } from '../../jobs/tag-prefix-check.ts';
import type { PreviewSettingsData } from '../../jobs/queues.ts';
import type { Job, Queue } from 'bullmq';

const settingsBody = z.object({ settings: z.unknown() });

function validatedSettings(body: unknown): ShopSettings {
  const { settings } = parseInput(settingsBody, body);
  const r = safeParseShopSettings(settings);
  if (!r.ok) throw new BadInput(r.issues);
  return r.settings;
}

async function previewView(loaded: Job<PreviewSettingsData, PreviewResult>, queue: Queue<PreviewSettingsData, PreviewResult>): Promise<{ jobId: string; state: string; settingsHash: string; percent: number; result: PreviewResult | null; failedReason: string | null }> {
  const state = await loaded.getState();
  // It may have finished between the read and the state check: read it again for its result.
  const job = state === 'completed' && loaded.returnvalue == null ? ((await queue.getJob(String(loaded.id))) ?? loaded) : loaded;
  return {
    jobId: String(job.id), state, settingsHash: job.data.settingsHash,
    percent: state === 'completed' ? 100 : typeof job.progress === 'number' ? job.progress : 0,
    result: state === 'completed' ? (job.returnvalue ?? null) : null,
    failedReason: job.failedReason || null,
  };
}

type SettingsPorts = Pick<DashboardPorts, 'shops' | 'enqueue' | 'now' | 'orders' | 'profiles' | 'calibrations' | 'shopify'>;

export function settingsRouter(ports: SettingsPorts, o: { logger: Logger; asOf: () => number }): Router {
  const r = express.Router();
  r.get('/settings', async (_req, res) => {
    const { settings } = await ports.shops.effective(shopOf(res));
    res.json({ settings, defaults: defaultShopSettings, vocabulary: tagVocabulary(settings) });
  });

  // The dry run is a job (a worker recalibrates the whole shop): 202 with its id, polled below; the
  // same settings again within 15 minutes answer 200 with the kept result.
  r.post('/settings/preview', async (req, res) => {
    const shop = shopOf(res);
    const next = validatedSettings(req.body);
    const hash = settingsHash(next);
    const { job, busy } = await ports.enqueue.previewSettings(shop, next, hash);
    const view = await previewView(job, ports.enqueue.queuesFor(shop).preview);
    res.status(view.state === 'completed' ? 200 : 202).json({ ...view, settingsHash: hash, busy });
  });

  r.get('/settings/preview/:jobId', async (req, res) => {
    const shop = shopOf(res);
    const job = await ports.enqueue.queuesFor(shop).preview.getJob(parseInput(jobIdSchema, req.params.jobId));
    // Another shop's job id reads as not found: the shop comes from the session token.
    if (!job || job.data.shop !== shop) {
      res.status(404).json({ error: 'not_found', reason: 'no such preview (they are kept 15 minutes)' });
      return;
    }
    res.json(await previewView(job, ports.enqueue.queuesFor(shop).preview));
  });

  r.put('/settings', async (req, res) => {
    const shop = shopOf(res);
    const next = validatedSettings(req.body);
    if (!(await ports.shops.get(shop))) {
      res.status(404).json({ error: 'not_installed' });
      return;
    }
    const { settings: current } = await ports.shops.effective(shop);
    const prefix = await checkPrefixChange(ports.shopify, shop, current, next);
    if (!prefixChangeAllowed(prefix)) {
      res.status(409).json({ error: 'merchant_tags_captured', prefix, message: prefixRefusal(prefix) });
      return;
    }
    await ports.shops.updateSettings(shop, next as unknown as Record<string, unknown>, new Date(ports.now()));
    // Thresholds and tags follow the new settings: recalibrate, then recompute whoever changes.
    await ports.enqueue.recalibrateShop(shop, 'settings-changed');
    o.logger.info({ shop }, 'settings saved');
    res.json({ settings: next, recalibrating: true });
  });
  return r;
}
