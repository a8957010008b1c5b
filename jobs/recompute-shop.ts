// Whole-shop computation shared by resync-shop and recalibrate-shop: refit the shop's thresholds and
// models on its current customer base, then segment every customer in memory and write in batches.
// Runs inside the resync/recalibrate job (not as one queued job per customer), so a big shop never
// floods the recompute queue that serves other shops' webhooks.
import type { Job } from 'bullmq';
import type { DesiredTags } from '../src/profiles/tag-sync-state.ts';
import type { JobContext } from './ports.ts';
import type { ShopSettings } from '../src/segments/settings.ts';
import { profileUpdateOf, segmentEventsOf } from './recompute-customer.ts';
import type { SegmentEvent } from '../src/profiles/segment-event-store.ts';
import { dayOf, startOfDay } from '../src/segments/calendar.ts';
import { calibrateStreamed, customersWithoutOrders, Interner, unseenCount, membershipsOf, readPreviousProfiles, yieldToEventLoop, type PreviousLite, type StreamOptions } from './shop-snapshot.ts';
import { calibrateSummariesWithInsights, segment, thresholdsOf, type CalibrationWithInsights, type Segmentation } from './engine.ts';
import { flowTriggersOf } from './flow-triggers.ts';
import type { FlowOutboxItem } from '../src/profiles/flow-outbox.ts';
import { keysOfDoc, sameTags, type CustomerProfileDoc, type DerivedRebuild, type StoredMembership } from '../src/profiles/customer-profile-store.ts';
import { DAY_MS } from '../src/profiles/segment-size-history.ts';
import { browserKeys, type BrowserKeys } from '../src/profiles/segment-browser-keys.ts';
import { membershipChanges } from '../src/profiles/segment-event-store.ts';
import type { CustomerInput } from '../src/segments/index.ts';

export interface RecomputeShopOptions extends StreamOptions {
  asOf: number;
  settings: ShopSettings;
  reason: string;
  /** Write only customers whose memberships or tags change (nightly recalibration). */
  onlyChanged: boolean;
  /** The instant the segment events are recorded at (firstAttemptAt); default asOf. */
  eventsAt?: number;
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
  /**
   * Where the pass's time went (ms): the first read of the books and the fit (with the calibration's save and the rebuild's start), the read of the previous
   * profiles, segmenting and writing every customer (the books' second read for a big shop), and the
   * membership index and aggregates rebuilt. Shown with the job's result (Bull Board, bench:scale).
   */
  stepsMs: PassSteps;
  /** Where the per-customer pass read the books from: kept in memory (a small shop), the spill file, or the database again. */
  booksReadAgainFrom?: 'memory' | 'spill' | 'database';
  /** The spill file's size, when the books were read again from it. */
  spillBytes?: number;
}

export interface PassSteps { calibrate: number; previous: number; segment: number; rebuild: number }

const sameMemberships = (a: ReadonlyArray<{ family: string; segment: string }>, b: ReadonlyArray<{ family: string; segment: string }>): boolean =>
  a.length === b.length && a.every((m) => b.some((n) => n.family === m.family && n.segment === m.segment));

type PassJobData = { asOf?: number; firstAttemptAt?: number };

/**
 * When a whole-shop job's segment events happened, the same for every attempt: the job's fixed as-of
 * (demo, tests), else the clock at its first attempt, kept in the job's data. A retry computes at its own
 * clock (an order stored between the attempts must count) but keys its events and Flow triggers at the
 * first attempt's instant, so a change that attempt already recorded is not recorded twice.
 */
export async function firstAttemptAt<D extends PassJobData>(ctx: Pick<JobContext, 'now'>, data: D, job?: Partial<Pick<Job<D>, 'updateData'>>): Promise<number> {
  if (data.asOf !== undefined) return data.asOf;
  if (data.firstAttemptAt !== undefined) return data.firstAttemptAt;
  const at = ctx.now();
  await job?.updateData?.({ ...data, firstAttemptAt: at });
  return at;
}

/** The pass's as-of and its events' instant: one clock reading on a first attempt (they are equal), the retry's own clock after. */
export async function passInstants<D extends PassJobData>(ctx: Pick<JobContext, 'now'>, data: D, job?: Partial<Pick<Job<D>, 'updateData'>>): Promise<{ asOf: number; eventsAt: number }> {
  const retry = data.firstAttemptAt !== undefined;
  const eventsAt = await firstAttemptAt(ctx, data, job);
  return { asOf: data.asOf ?? (retry ? ctx.now() : eventsAt), eventsAt };
}

export async function recomputeShop(ctx: JobContext, shop: string, o: RecomputeShopOptions): Promise<RecomputeShopResult> {
  // Customers recomputed on their own while this pass runs may have newer orders than its snapshot:
  // they are recomputed again once the pass has written (src/profiles/shop-work.ts, "touched set").
  await ctx.enqueue.shopWork.shopPassBegan(shop);
  let done: { result: RecomputeShopResult; cover: Cover } | null = null;
  try {
    done = await recomputeFromSnapshot(ctx, shop, o);
    return done.result;
  } finally {
    const touched = await ctx.enqueue.shopWork.shopPassEnded(shop);
    for (const customerId of touched) await ctx.enqueue.recomputeCustomer(shop, customerId);
    // The day's recency sweep can skip the shop (recency-sweep.ts) — unless another pass, which may
    // have begun a day earlier, is still writing (its profiles could be due today).
    if (done && (await ctx.enqueue.shopWork.passesRunning(shop)) === 0) await ctx.calibrations.markCovered(shop, done.cover);
  }
}

// Memory is bounded by the shop's compact numbers, not its orders and profiles (shop-snapshot.ts); a
// customer who leaves a segment has its previous profile read by id for the event's tag and text.
async function recomputeFromSnapshot(ctx: JobContext, shop: string, o: RecomputeShopOptions): Promise<{ result: RecomputeShopResult; cover: Cover }> {
  const began = performance.now();
  const previousCal = await ctx.calibrations.current(shop);
  const streamed = await calibrateStreamed(ctx, shop, o.settings, o.asOf,
    (summaries) => calibrateSummariesWithInsights(summaries, o.settings, o.asOf, previousCal?.calibration ?? undefined), o);
  const { customers, orders, calibration } = streamed;
  try {
    const record = await ctx.calibrations.save(shop, calibration, { asOf: new Date(o.asOf), createdAt: new Date(ctx.now()), reason: o.reason, buyers: customers });
    await yieldToEventLoop();

    // The rebuild of the membership index and aggregates begins before the snapshot below, so the saves
    // made while this pass runs are caught up before its generation goes live (shop-aggregates.ts).
    const rebuild = await ctx.profiles.beginRebuild(shop);
    try {
      const until = coverEnd(ctx, o);
      const calibrated = performance.now() - began;
      const result = await writeAll(ctx, shop, o, rebuild, calibration, record.id, customers, orders, streamed.batches, until);
      result.stepsMs.calibrate = Math.round(calibrated);
      result.booksReadAgainFrom = streamed.second.from;
      if (streamed.second.from === 'spill') result.spillBytes = streamed.second.bytes;
      return { result, cover: { record, until, utcOffsetMinutes: o.settings.utcOffsetMinutes } };
    } catch (err) {
      await ctx.profiles.abortRebuild(rebuild);
      throw err;
    }
  } finally {
    // The spill file of a big shop's books (batch-spill.ts), when the pass did not read it to the end.
    await streamed.release();
  }
}

async function writeAll(
  ctx: JobContext, shop: string, o: RecomputeShopOptions, rebuild: DerivedRebuild, calibration: CalibrationWithInsights,
  calibrationId: string, customers: number, orders: number, batches: () => AsyncGenerator<CustomerInput[]>, coverUntil: Date,
): Promise<RecomputeShopResult> {
  // One read of every previous profile (one scan on FerretDB), kept compact.
  const step = stepClock();
  const interner = new Interner();
  // The shop's profiles as they stand after this pass: what the membership index and aggregates rebuild from.
  const final = new Map<string, BrowserKeys>();
  const compactKeys = (k: BrowserKeys): BrowserKeys => ({ ...k, segmentKeys: interner.of(k.segmentKeys) });
  const previous = await readPreviousProfiles(ctx.profiles, shop, interner, (d) => final.set(d.customerId, compactKeys(keysOfDoc(d as CustomerProfileDoc))));
  const previousMs = step();
  const pass: Pass = { ctx, shop, o, calibration, calibrationId, previous, final, compactKeys, coverEnd: coverUntil };
  const t = { written: 0, entered: 0, left: 0 };
  let done = 0;
  for await (const batch of batches()) {
    await writeBatch(pass, batch, t);
    done += batch.length;
    await o.onProgress?.(Math.min(done, customers), customers);
    await yieldToEventLoop();
  }
  // Customers with a profile and no orders (created, engaged, every order deleted): computed too, as
  // their own recompute would, so the pass covers every profile and the day's recency sweep has
  // nothing left to find (recency-sweep.ts). Only those whose profile is still there: one erased
  // (customers/redact) since the read above is not written again.
  const stillThere = (ids: string[]) => ctx.profiles.existing(shop, ids);
  const total = customers + unseenCount(previous);
  for await (const batch of customersWithoutOrders(ctx, shop, previous, stillThere)) {
    await writeBatch(pass, batch, t);
    done += batch.length;
    await o.onProgress?.(Math.min(done, total), total);
  }
  previous.clear();
  const segmentMs = step();
  const totals = await ctx.profiles.finishRebuild(rebuild, (function* () { for (const [customerId, keys] of final) yield { customerId, keys }; })());
  // The day's point of the Overview's sizes-over-time chart (src/profiles/segment-size-history.ts).
  if (totals) await ctx.profiles.sizeHistory.record(shop, Math.floor(o.asOf / DAY_MS), totals.members);
  const stepsMs: PassSteps = { calibrate: 0, previous: previousMs, segment: segmentMs, rebuild: step() };
  const tagsPending = await ctx.tagState.pendingCount(shop);
  if (tagsPending > 0) await ctx.enqueue.syncTags(shop);
  // Install (resync), settings change and the nightly run all pass here: native segments follow.
  await ctx.enqueue.reconcileShopifyObjects(shop);
  return { customers, orders, written: t.written, tagsPending, entered: t.entered, left: t.left, calibrationId, thresholds: thresholdsOf(calibration), stepsMs };
}

/** Milliseconds since the clock was made or last read. */
function stepClock(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const ms = Math.round(now - last);
    last = now;
    return ms;
  };
}

interface Pass {
  ctx: JobContext;
  shop: string;
  o: RecomputeShopOptions;
  calibration: CalibrationWithInsights;
  calibrationId: string;
  previous: Map<string, PreviousLite>;
  final: Map<string, BrowserKeys>;
  compactKeys: (k: BrowserKeys) => BrowserKeys;
  coverEnd: Date;
}

/** What a complete pass tells the recency sweep (CalibrationStore.markCovered). */
type Cover = Parameters<JobContext['calibrations']['markCovered']>[1];

/**
 * No profile computed on the pass's day changes with time alone before the next day's start (the
 * engine's nextChangeAt is a later day's start). A pass computed ahead of the clock (a fixed as-of)
 * covers no further than the clock's own day.
 */
function coverEnd(ctx: Pick<JobContext, 'now'>, o: Pick<RecomputeShopOptions, 'asOf' | 'settings'>): Date {
  const nextDayOf = (at: number) => startOfDay(dayOf(at, o.settings) + 1, o.settings);
  return new Date(Math.min(nextDayOf(o.asOf), nextDayOf(ctx.now())));
}

/** Segments one batch, records its events and triggers, writes the changed profiles and their desired tags. */
async function writeBatch(p: Pass, batch: CustomerInput[], t: { written: number; entered: number; left: number }): Promise<void> {
  const { ctx, shop, o, calibration, calibrationId, previous, final, compactKeys } = p;
  const computed: Array<{ c: CustomerInput; s: Segmentation; prev: PreviousLite | null; prevMemberships: StoredMembership[] | null }> = [];
  const unchanged: DesiredTags[] = [];
  for (const c of batch) {
    const prev = previous.get(c.customerId) ?? null;
    // What is not seen after the books: profiles of customers without orders (writeAll).
    if (prev) prev.seen = true;
    const prevMemberships = prev ? membershipsOf(prev) : null;
    const s = segment(c, calibration, o.settings, o.asOf, prevMemberships);
    // A profile written before explanations were messages (English text only) is rewritten once, so
    // its explanations render in the viewer's language from then on (docs/dashboard.md, Languages).
    // Same memberships but other tags: a tag prefix changed (settings) — written, so Shopify gets the new tags.
    // A stored nextChangeAt before the cover's end is stale (nothing computed today is due before it):
    // rewritten, or the sweep would find it the first day the shop is not covered.
    const staleNext = prev !== null && prev.nextChangeAt !== null && prev.nextChangeAt < p.coverEnd.getTime();
    // A profile an earlier version stored with memberships as an array is rewritten as text (ProfileRecord).
    if (o.onlyChanged && prev && !staleNext && prev.hasMessages && !prev.arrayForm && sameMemberships(prevMemberships!, s.memberships) && sameTags(prev.tagsDesired, s.tags)) {
      unchanged.push({ customerId: c.customerId, tags: prev.tagsDesired, revision: prev.tagsRevision });
      continue;
    }
    computed.push({ c, s, prev, prevMemberships });
  }
  // Leaving a segment records the previous membership's tag and explanation: those profiles are read by id.
  const leaving = computed.filter((x) => x.prevMemberships && membershipChanges(x.prevMemberships, x.s.memberships).left.length > 0).map((x) => x.c.customerId);
  const full = new Map((await ctx.profiles.getByIds(shop, leaving)).map((d) => [d.customerId, d]));
  const items: Parameters<typeof ctx.profiles.replaceMany>[1][number][] = [];
  const events: SegmentEvent[] = [];
  const flow: FlowOutboxItem[] = [];
  for (const { c, s, prev, prevMemberships } of computed) {
    items.push({ customerId: c.customerId, update: profileUpdateOf(s, o.asOf, ctx.now(), calibrationId), previous: prev });
    const changes = segmentEventsOf(shop, c.customerId, full.get(c.customerId) ?? (prevMemberships ? { memberships: prevMemberships } : null), s, o.eventsAt ?? o.asOf);
    events.push(...changes);
    flow.push(...flowTriggersOf(o.settings, c.customerId, changes, s.predictions, prev !== null, { keyed: true }));
  }
  // The batch's segment events (history, Flow triggers) are recorded before its profiles are written:
  // an attempt that dies between the two leaves its retry a stored profile that no longer differs from
  // what it computes, so events recorded after the write would be lost for good (the retry has no
  // change to record). Both are idempotent: the event by its unique key,
  // the trigger by its key in the outbox — a retry that computes the same change records nothing twice
  // (events keyed at the first attempt's instant: firstAttemptAt).
  // The triggers wait in the outbox; the sync that fires them is queued only once the batch's tags are
  // recorded as desired, so a Flow reading the customer's tags finds them on their way.
  await ctx.events.record(events);
  await ctx.enqueue.flowOutbox.push(shop, flow);
  const saved = await ctx.profiles.replaceMany(shop, items);
  for (const it of items) final.set(it.customerId, compactKeys(browserKeys(it.update)));
  await ctx.tagState.setDesired(shop, items.map((it) => ({ customerId: it.customerId, tags: it.update.tagsDesired, revision: saved.get(it.customerId)!.tagsRevision })));
  // Left as they are, but an earlier attempt of this pass may have written them and died before
  // setDesired (a worker killed, Redis restarting): the state learns their tags now (chaos seed 2002).
  await ctx.tagState.ensureDesired(shop, unchanged);
  if (flow.length) await ctx.enqueue.syncTags(shop);
  t.written += items.length;
  for (const e of events) if (e.change === 'entered') t.entered++; else t.left++;
}
