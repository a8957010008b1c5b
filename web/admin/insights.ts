// The Bright spots page: gateway products, what the best customers buy, reorder rhythm (issue 20),
// computed at recalibration and stored with the calibration (jobs/engine.ts calibrateWithInsights).
// GET /insights answers the current calibration's; null until a recalibration has computed them.
import express, { type Router } from 'express';
import type { CalibrationWithInsights } from '../../jobs/engine.ts';
import type { ShopInsights } from '../../src/segments/index.ts';
import type { DashboardPorts } from '../ports.ts';
import { shopOf } from './session-token.ts';

export interface InsightsView {
  currency: string;
  calibratedAt: string | null;
  insights: ShopInsights | null;
}

function insightsOf(c: unknown): ShopInsights | null {
  const i = typeof c === 'object' && c !== null ? (c as Partial<CalibrationWithInsights>).insights : undefined;
  return i && Array.isArray(i.gatewayProducts) ? i : null;
}

export function insightsRouter(ports: Pick<DashboardPorts, 'shops' | 'calibrations'>): Router {
  const r = express.Router();
  r.get('/insights', async (_req, res) => {
    const shop = shopOf(res);
    const [{ settings }, current] = await Promise.all([ports.shops.effective(shop), ports.calibrations.current(shop)]);
    const view: InsightsView = { currency: settings.currency, calibratedAt: current ? current.createdAt.toISOString() : null, insights: current ? insightsOf(current.calibration) : null };
    res.json(view);
  });
  return r;
}
