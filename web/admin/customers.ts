// GET /customers/:customerId: one customer's profile as the Customer lookup page shows it — metrics,
// predictions, memberships with their meaning, the history of segment changes, tags and engagement.
import express, { type Router } from 'express';
import { SEGMENT_DEFINITIONS } from '../../src/segments/tags.ts';
import type { DashboardPorts } from '../ports.ts';
import { customerIdSchema, parseInput } from '../validate.ts';
import { shopOf } from './session-token.ts';
import { parseMetricsJson } from './profile-metrics.ts';

const labels = new Map(SEGMENT_DEFINITIONS.map((d) => [`${d.family}/${d.segment}`, d]));

export function customersRouter(ports: Pick<DashboardPorts, 'profiles' | 'events' | 'engagement'>): Router {
  const r = express.Router();
  r.get('/customers/:customerId', async (req, res) => {
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
        return { ...m, explanationMsg: m.explanationMsg ?? null, label: d?.label ?? m.segment, meaning: d?.meaning ?? '' };
      }),
      history: history.map((e) => ({ at: e.at, change: e.change, family: e.family, segment: e.segment, label: labels.get(`${e.family}/${e.segment}`)?.label ?? e.segment, tag: e.tag, explanation: e.explanation, explanationMsg: e.explanationMsg ?? null })),
      tagsApplied: profile.tagsApplied,
      tagsDesired: profile.tagsDesired,
      tagsPending: profile.tagsPending,
      engagement,
    });
  });
  return r;
}
