// The app's Shopify Flow triggers, from the jobs: a recompute that moves a customer into or out of a
// segment the merchant enabled for Flow (settings.shopify.flowSegments) queues one call per change in
// the shop's outbox (src/profiles/flow-outbox.ts); sync-tags fires them after the tags, paced by the
// shop's client. Only changes of a customer already profiled fire (the first computation at install
// is no "entry"). Refused calls are counted for the Sync page and dropped; transport failures put the
// calls back (at most MAX_ATTEMPTS tries) and fail the sync job so BullMQ retries it with backoff.
import type { JobContext } from './ports.ts';
import type { SegmentEvent } from '../src/profiles/segment-event-store.ts';
import type { ShopSettings } from '../src/segments/settings.ts';
import type { Family } from '../src/segments/tags.ts';
import { segmentDefinition } from '../src/segments/tags.ts';
import { currencyExponent } from '../src/money.ts';
import { FLOW_TRIGGER_HANDLES } from '../src/shopify/flow-triggers.ts';
import { MAX_ATTEMPTS, type FlowOutboxItem } from '../src/profiles/flow-outbox.ts';

const PAGE = 100;

interface PredictionFacts { churnProbability: number | null; clv12mMinor: number }

const labelOf = (family: string, segment: string): string => {
  try {
    return segmentDefinition(family as Family, segment).label;
  } catch {
    return segment;
  }
};

/** One outbox item per entry into / exit from a Flow-enabled segment. */
/**
 * `keyed`: each call carries its change's key, so the outbox pushes it once (a whole-shop pass, whose
 * retry may compute the same changes again). A customer's own recompute pushes unkeyed: with a fixed
 * as-of (demo, tests) the same change at the same instant can legitimately recur.
 */
export function flowTriggersOf(settings: ShopSettings, customerId: string, events: readonly SegmentEvent[], predictions: PredictionFacts | null, hadPrevious: boolean, o: { keyed?: boolean } = {}): FlowOutboxItem[] {
  const enabled = new Set(settings.shopify.flowSegments);
  if (!hadPrevious || enabled.size === 0) return [];
  const exp = currencyExponent(settings.currency);
  const value = predictions ? Math.round(predictions.clv12mMinor) / 10 ** exp : 0;
  const churn = predictions?.churnProbability == null ? 0 : Math.round(predictions.churnProbability * 1000) / 1000;
  const numericId = Number(customerId);
  return events.filter((e) => enabled.has(e.segment)).map((e) => {
    const previous = e.change === 'entered' ? events.find((o) => o.change === 'left' && o.family === e.family) : e;
    return {
      handle: FLOW_TRIGGER_HANDLES[e.change], customerId, attempts: 0, ...(o.keyed ? { key: `${e.change}:${e.family}/${e.segment}@${e.at.getTime()}` } : {}),
      payload: {
        customer_id: Number.isSafeInteger(numericId) ? numericId : customerId,
        'Segment': labelOf(e.family, e.segment), 'Segment family': e.family, 'Tag': e.tag, 'Explanation': e.explanation || labelOf(e.family, e.segment),
        'Previous segment': previous ? labelOf(previous.family, previous.segment) : '', 'Churn probability': churn, 'Predicted 12-month value': value,
      },
    };
  });
}

export interface FlowDrainCounts { sent: number; refused: number; dropped: number }

/** Fires the shop's queued Flow trigger calls, a page at a time; returns what became of them. */
export async function drainFlowTriggers(ctx: JobContext, shop: string): Promise<FlowDrainCounts> {
  const total: FlowDrainCounts = { sent: 0, refused: 0, dropped: 0 };
  if (!ctx.shopify.fireFlowTriggers) return total;
  for (;;) {
    const items = await ctx.enqueue.flowOutbox.take(shop, PAGE);
    if (items.length === 0) return total;
    const page = await firePage(ctx, shop, items);
    total.sent += page.sent;
    total.refused += page.refused;
    total.dropped += page.dropped;
  }
}

async function firePage(ctx: JobContext, shop: string, items: FlowOutboxItem[]): Promise<FlowDrainCounts> {
  const page: FlowDrainCounts = { sent: 0, refused: 0, dropped: 0 };
  const done = new Set<number>();
  let lastRefusal: string | null = null;
  try {
    await ctx.shopify.fireFlowTriggers!(shop, items, (i, o) => {
      done.add(i);
      if (o.status === 'sent') page.sent++;
      else {
        page.refused++;
        lastRefusal = o.errors.join('; ');
      }
    });
    return page;
  } catch (err) {
    // Not answered: back in the outbox for the retried job, unless tried MAX_ATTEMPTS times.
    const again = items.filter((_, i) => !done.has(i)).map((it) => ({ ...it, attempts: it.attempts + 1 }));
    const keep = again.filter((it) => it.attempts < MAX_ATTEMPTS);
    page.dropped += again.length - keep.length;
    await ctx.enqueue.flowOutbox.push(shop, keep, { requeue: true });
    throw err;
  } finally {
    await ctx.enqueue.flowOutbox.record(shop, page, lastRefusal ? { message: lastRefusal, at: new Date(ctx.now()) } : undefined);
    if (page.refused) ctx.logger.warn({ shop, refused: page.refused, lastRefusal }, 'Shopify refused Flow trigger calls (Flow not installed or trigger disabled?); counted, not retried');
  }
}
