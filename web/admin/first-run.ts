// GET /first-run: what a store that has just installed needs to see on the Overview — the backfill's
// progress and the counts as they come in, one example customer per family (with its explanation), and
// whether the shop is under the model minimums (src/segments/fit-models.ts gates the statistical models
// on settings.models.minBuyers / minRepeatBuyers): which segments work now and what turns the
// predictive ones on. Examples are read only while the shop is small (one indexed page each on MongoDB,
// a scan on FerretDB), so a big shop's Overview never pays for them.
import express, { type Router } from 'express';
import type { Calibration } from '../../src/segments/index.ts';
import type { ExplanationMsg } from '../../src/segments/explanation.ts';
import { FAMILIES } from '../../src/segments/tags.ts';
import type { DashboardPorts } from '../ports.ts';
import { latestResync } from '../sync-status.ts';
import { shopOf } from './session-token.ts';

/** Above this many profiles the first-run card shows counts but no examples. */
export const EXAMPLES_UP_TO_PROFILES = 20_000;
const REPEAT_SEGMENTS = ['loyal-customer', 'frequent-buyer', 'vip'];

export interface FirstRunView {
  profiles: number;
  resync: { state: string; percent: number; customers: number; orders: number } | null;
  families: Array<{ family: string; customers: number; example: { customerId: string; segment: string; explanation: string; explanationMsg: ExplanationMsg | null } | null }>;
  models: { usingModel: boolean; minBuyers: number; minRepeatBuyers: number; buyers: number; repeatBuyers: number; reason: string | null };
}

type FirstRunPorts = Pick<DashboardPorts, 'shops' | 'profiles' | 'calibrations' | 'enqueue'>;

async function familyExamples(ports: FirstRunPorts, shop: string, counts: Record<string, Record<string, number>>, withExamples: boolean): Promise<FirstRunView['families']> {
  return Promise.all(FAMILIES.map(async (family) => {
    const segs = Object.entries(counts[family] ?? {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const customers = segs.reduce((n, [, c]) => n + c, 0);
    const top = segs[0];
    if (!withExamples || !top) return { family, customers, example: null };
    const { docs: [doc] } = await ports.profiles.segmentPage(shop, `${family}/${top[0]}`, 'bySpend', -1, 1, null);
    const m = doc?.memberships.find((x) => x.family === family && x.segment === top[0]);
    return { family, customers, example: doc && m ? { customerId: doc.customerId, segment: m.segment, explanation: m.explanation, explanationMsg: m.explanationMsg ?? null } : null };
  }));
}

export async function firstRunView(ports: FirstRunPorts, shop: string): Promise<FirstRunView> {
  const [{ settings }, doc, counts, cal] = await Promise.all([ports.shops.effective(shop), ports.shops.get(shop), ports.profiles.segmentCounts(shop), ports.calibrations.current(shop)]);
  const profiles = (await ports.profiles.derivedState(shop)).customers;
  const resync = await latestResync(ports.enqueue.queuesFor(shop), shop, doc?.lastResync ?? null);
  const models = (cal?.calibration as Calibration | undefined)?.models;
  return {
    profiles,
    resync: resync ? { state: resync.state, percent: resync.percent, customers: resync.progress?.counts.customers ?? 0, orders: resync.progress?.counts.orders ?? 0 } : null,
    families: await familyExamples(ports, shop, counts, profiles <= EXAMPLES_UP_TO_PROFILES),
    models: {
      usingModel: Boolean(models && models.method !== 'cadence-fallback'),
      minBuyers: settings.models.minBuyers,
      minRepeatBuyers: settings.models.minRepeatBuyers,
      buyers: cal?.buyers ?? 0,
      // Customers with two or more counted orders: the loyalty groups above One Time Buyer.
      repeatBuyers: REPEAT_SEGMENTS.reduce((n, s) => n + (counts.loyalty?.[s] ?? 0), 0),
      reason: models?.fallbackReason ?? null,
    },
  };
}

export function firstRunRouter(ports: FirstRunPorts): Router {
  const r = express.Router();
  r.get('/first-run', async (_req, res) => {
    res.json(await firstRunView(ports, shopOf(res)));
  });
  return r;
}
