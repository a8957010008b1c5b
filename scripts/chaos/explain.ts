// A failed chaos run explains itself: the verdict, the seed and the command that replays the run, the
// fault timeline, and for the first customers that went wrong their expected vs actual orders and tags
// next to their own story — every order webhook and every tag write Shopify announced for them (the
// customers/update deliveries), merged with the faults around those moments.
import type { ShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import type { Timeline, TimelineEvent } from './faults.ts';
import { isOrderTopic } from './load.ts';
import { SHOP, type DriftSeen } from './system.ts';
import type { CustomerMismatch } from './verify.ts';

/** Customers explained in full; the rest are counted. */
const EXPLAINED = 5;
/** Faults this close (ms) to a customer's own events are shown in its story. */
const AROUND_MS = 45_000;

/** Every delivery of the customer's order webhooks and customers/update, as timeline events. */
function deliveriesOf(sim: ShopifySimulator, customerId: string): TimelineEvent[] {
  const orderIds = new Set(sim.listOrders(SHOP, { customerId }).map((o) => o.id));
  const events: TimelineEvent[] = [];
  for (const r of sim.webhookLog(SHOP)) {
    const first = r.attempts[0];
    if (!first) continue;
    let what: string | null = null;
    if (isOrderTopic(r.topic)) {
      const orderId = (r.topic === 'refunds/create' ? /"order_id":\s*(\d+)/ : /"id":\s*(\d+)/).exec(r.body)?.[1];
      if (orderId && orderIds.has(orderId)) what = `${r.topic} order ${orderId}`;
    } else if (r.topic === 'customers/update' && /"id":\s*(\d+)/.exec(r.body)?.[1] === customerId) {
      what = `customers/update: Shopify now carries tags "${(JSON.parse(r.body) as { tags?: string }).tags ?? ''}"`;
    }
    if (!what) continue;
    const attempts = r.attempts.map((a) => `${a.at.slice(11, 23)}→${a.status ?? a.error}`).join(', ');
    events.push({ at: Date.parse(first.at), what: `${what}${r.duplicate ? ' (duplicate)' : ''} [${r.webhookId}; attempts ${attempts}]` });
  }
  return events;
}

function mismatchLines(m: CustomerMismatch): string[] {
  const out: string[] = [];
  if (m.tags) {
    out.push(`  app tags on Shopify:      ${m.tags.actual.join(' ') || '(none)'}`);
    out.push(`  expected (recompute):     ${m.tags.expected.join(' ') || '(none)'}   with stored history: ${m.tags.withHistory.join(' ') || '(none)'}`);
    out.push(`  the app's profile wants:  ${m.tags.profileWants.join(' ') || '(no profile)'} (computed ${m.tags.profileComputedAt ?? '-'})`);
  }
  for (const o of m.orders) out.push(`  order ${o.id}: stored ${o.stored ?? 'MISSING'} vs simulator ${o.simulator} (net/status/updated_at/cancelled_at)`);
  if (m.extraOrders.length) out.push(`  stored but not the simulator's: ${m.extraOrders.join(', ')}`);
  if (m.merchantTags) out.push(`  merchant tags ${m.merchantTags.actual.join(' ')} vs seeded ${m.merchantTags.expected.join(' ')}`);
  if (m.recomputeJob) out.push(`  recompute job: ${m.recomputeJob}`);
  return out;
}

/** The customer's own events with the faults and drift reports within AROUND_MS of them. */
function storyOf(sim: ShopifySimulator, timeline: Timeline, customerId: string): string[] {
  const own = deliveriesOf(sim, customerId);
  const times = own.map((e) => e.at);
  const near = (at: number) => times.some((t) => Math.abs(t - at) <= AROUND_MS);
  const others = timeline.events.filter((e) => e.customers?.includes(customerId) || (!e.what.startsWith('drift check') && near(e.at)));
  const merged = [...own, ...others.map((e) => ({ ...e, what: `** ${e.what}` }))].sort((a, b) => a.at - b.at);
  if (merged.length === 0) return ['  (no webhook for this customer during the run)'];
  return merged.map((e) => `    ${timeline.format(e)}`);
}

export interface FailureContext {
  verdict: string[];
  seed: number;
  replay: string;
  timeline: Timeline;
  mismatches: readonly CustomerMismatch[];
  driftLost: readonly DriftSeen[];
  sim: ShopifySimulator;
}

export function explainFailure(c: FailureContext): string[] {
  const lines = [
    `CHAOS FAILED (seed ${c.seed}): ${c.verdict.join('; ')}`,
    `replay: ${c.replay}`,
    '  (the same merchant actions, webhook duplicates/reordering/late deliveries and fault moments; how processes interleave still varies)',
    'faults:',
    ...c.timeline.events.filter((e) => !e.what.startsWith('drift check')).map((e) => `  ${c.timeline.format(e)}`),
  ];
  const seen = new Set<string>();
  for (const m of c.mismatches.slice(0, EXPLAINED)) {
    seen.add(m.customerId);
    lines.push(`customer ${m.customerId}:`, ...mismatchLines(m), '  its timeline:', ...storyOf(c.sim, c.timeline, m.customerId));
  }
  if (c.mismatches.length > EXPLAINED) lines.push(`… and ${c.mismatches.length - EXPLAINED} more mismatching customers: ${c.mismatches.slice(EXPLAINED).map((m) => m.customerId).join(', ')}`);
  for (const d of c.driftLost.slice(0, EXPLAINED)) {
    lines.push(`customer ${d.customerId}: a tag write lost, held by the drift check at ${c.timeline.stamp(d.at)}: Shopify carried ${d.onShopify.join(' ') || '(no app tags)'} while the app's state said ${d.desired.join(' ') || '(none)'} was applied`);
    if (!seen.has(d.customerId)) lines.push('  its timeline:', ...storyOf(c.sim, c.timeline, d.customerId));
    seen.add(d.customerId);
  }
  return lines;
}
