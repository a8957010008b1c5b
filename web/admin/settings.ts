// GET /settings (in force, with the defaults and the tag vocabulary they give), POST /settings/preview
// (dry run: settings-preview.ts) and PUT /settings (saved, then the shop is recalibrated).
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../src/logger.ts';
import { defaultShopSettings, safeParseShopSettings, type ShopSettings } from '../../src/segments/settings.ts';
import { tagVocabulary } from '../../src/segments/tags.ts';
import type { DashboardPorts } from '../ports.ts';
import { BadInput, parseInput } from '../validate.ts';
import { shopOf } from './session-token.ts';
import { previewSettings } from './settings-preview.ts';

const settingsBody = z.object({ settings: z.unknown() });

function validatedSettings(body: unknown): ShopSettings {
  const { settings } = parseInput(settingsBody, body);
  const r = safeParseShopSettings(settings);
  if (!r.ok) throw new BadInput(r.issues);
  return r.settings;
}

type SettingsPorts = Pick<DashboardPorts, 'shops' | 'enqueue' | 'now' | 'orders' | 'profiles' | 'calibrations'>;

export function settingsRouter(ports: SettingsPorts, o: { logger: Logger; asOf: () => number }): Router {
  const r = express.Router();
  r.get('/settings', async (_req, res) => {
    const { settings } = await ports.shops.effective(shopOf(res));
    res.json({ settings, defaults: defaultShopSettings, vocabulary: tagVocabulary(settings) });
  });

  r.post('/settings/preview', async (req, res) => {
    const next = validatedSettings(req.body);
    res.json(await previewSettings(ports, shopOf(res), next, o.asOf()));
  });

  r.put('/settings', async (req, res) => {
    const shop = shopOf(res);
    const next = validatedSettings(req.body);
    if (!(await ports.shops.get(shop))) {
      res.status(404).json({ error: 'not_installed' });
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
