// Whole-shop computation shared by resync-shop and recalibrate-shop: refit the shop's thresholds and
// models on its current customer base, then segment every customer in memory and write in batches.
// Runs inside the resync/recalibrate job (not as one queued job per customer), so a big shop never
// floods the recompute queue that serves other shops' webhooks.
import type { JobContext } from './ports.ts';
import type { ShopSettings } from '../src/segments/settings.ts';
import { profileUpdateOf, segmentEventsOf } from './recompute-customer.ts';
import type { SegmentEvent } from '../src/profiles/segment-event-store.ts';
import { BATCH, loadCalibrationInputs } from './calibration-inputs.ts';
import { calibrateWithInsights, segment, thresholdsOf } from './engine.ts';
import { flowTriggersOf } from './flow-triggers.ts';
import type { FlowOutboxItem } from '../src/profiles/flow-outbox.ts';
import { keysOfDoc, type DerivedRebuild } from '../src/profiles/customer-profile-store.ts';
import { browserKeys } from '../src/profiles/segment-browser-keys.ts';
import { DAY_MS } from '../src/profiles/segment-size-history.ts';

export interface RecomputeShopOptions {
  asOf: number;
  settings: ShopSettings;
  reason: string;
  /** Write only customers whose memberships or tags change (nightly recalibration). */
  onlyChanged: boolean;
  onProgress?: (done: number, total: number) => Promise<void> | void;
}

export interface RecomputeShopResult {
  customers: number;
  orders: number;
  written: number;
  tagsPending: number;
  entered: number;
  left: number;
  calibrationId: string;
  thresholds: ReturnType<typeof thresholdsOf>;
}

const sameMemberships = (a: ReadonlyArray<{ family: string; segment: string }>, b: ReadonlyArray<{ family: string; segment: string }>): boolean =>
  a.length === b.length && a.every((m) => b.some((n) => n.family === m.family && n.segment === m.segment));

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

export async function recomputeShop(ctx: JobContext, shop: string, o: RecomputeShopOptions): Promise<RecomputeShopResult> {
  // Customers recomputed on their own while this pass runs may have newer orders than its snapshot:
  // they are recomputed again once the pass has written (src/profiles/shop-work.ts, "touched set").
  await ctx.enqueue.shopWork.shopPassBegan(shop);
  try {
    return await recomputeFromSnapshot(ctx, shop, o);
  } finally {
    const touched = await ctx.enqueue.shopWork.shopPassEnded(shop);
    for (const customerId of touched) await ctx.enqueue.recomputeCustomer(shop, customerId);
  }
}

async function recomputeFromSnapshot(ctx: JobContext, shop: string, o: RecomputeShopOptions): Promise<RecomputeShopResult> {
  const { customers, orders, previous: previousCal } = await loadCalibrationInputs(ctx, shop);
  const calibration = calibrateWithInsights(customers, o.settings, o.asOf, previousCal?.calibration ?? undefined);
  const record = await ctx.calibrations.save(shop, calibration, { asOf: new Date(o.asOf), createdAt: new Date(ctx.now()), reason: o.reason, buyers: customers.length });
  await yieldToEventLoop();

  // The rebuild of the membership index and aggregates begins before the snapshot below, so the saves
  // made while this pass runs are caught up before its generation goes live (shop-aggregates.ts).
  const rebuild = await ctx.profiles.beginRebuild(shop);
  try {
    return await writeAll(ctx, shop, o, rebuild, calibration, record.id, customers, orders);
  } catch (err) {
    await ctx.profiles.abortRebuild(rebuild);
    throw err;
  }
}

async function writeAll(ctx: JobContext, shop: string, o: RecomputeShopOptions, rebuild: DerivedRebuild, calibration: ReturnType<typeof calibrateWithInsights>, calibrationId: string, customers: Awaited<ReturnType<typeof loadCalibrationInputs>>['customers'], orders: number): Promise<RecomputeShopResult> {
  let written = 0;
  let entered = 0;
  let left = 0;
  // One read of every previous profile: on FerretDB each query scans the collection anyway.
  const previous = await ctx.profiles.allOf(shop);
  // The shop's profiles as they stand after this pass: what the membership index and aggregates rebuild from.
  const final = new Map([...previous].map(([id, doc]) => [id, keysOfDoc(doc)]));
  for (let i = 0; i < customers.length; i += BATCH) {
    const batch = customers.slice(i, i + BATCH);
    const items: Parameters<typeof ctx.profiles.replaceMany>[1][number][] = [];
    const events: SegmentEvent[] = [];
    const flow: FlowOutboxItem[] = [];
    for (const c of batch) {
      const prev = previous.get(c.customerId) ?? null;
      const s = segment(c, calibration, o.settings, o.asOf, prev?.memberships ?? null);
      // A profile written before explanations were messages (English text only) is rewritten once, so
      // its explanations render in the viewer's language from then on (docs/dashboard.md, Languages).
      const hasMessages = prev?.memberships.every((m) => m.explanationMsg) ?? false;
      if (o.onlyChanged && prev && hasMessages && sameMemberships(prev.memberships, s.memberships)) continue;
      items.push({ customerId: c.customerId, update: profileUpdateOf(s, o.asOf, ctx.now(), calibrationId), previous: prev });
      const changes = segmentEventsOf(shop, c.customerId, prev, s, o.asOf);
      events.push(...changes);
      flow.push(...flowTriggersOf(o.settings, c.customerId, changes, s.predictions, prev !== null));
    }
    const saved = await ctx.profiles.replaceMany(shop, items);
    for (const it of items) final.set(it.customerId, browserKeys(it.update));
    await ctx.tagState.setDesired(shop, items.map((it) => ({ customerId: it.customerId, tags: it.update.tagsDesired, revision: saved.get(it.customerId)!.tagsRevision })));
    await ctx.events.record(events);
    await ctx.enqueue.queueFlowTriggers(shop, flow);
    written += items.length;
    for (const e of events) if (e.change === 'entered') entered++; else left++;
    await o.onProgress?.(Math.min(i + BATCH, customers.length), customers.length);
    await yieldToEventLoop();
  }
  const totals = await ctx.profiles.finishRebuild(rebuild, [...final].map(([customerId, keys]) => ({ customerId, keys })));
  // The day's point of the Overview's sizes-over-time chart (src/profiles/segment-size-history.ts).
  if (totals) await ctx.profiles.sizeHistory.record(shop, Math.floor(o.asOf / DAY_MS), totals.members);
  const tagsPending = await ctx.tagState.pendingCount(shop);
  if (tagsPending > 0) await ctx.enqueue.syncTags(shop);
  // Install (resync), settings change and the nightly run all pass here: native segments follow.
  await ctx.enqueue.reconcileShopifyObjects(shop);
  return { customers: customers.length, orders, written, tagsPending, entered, left, calibrationId, thresholds: thresholdsOf(calibration) };
}
