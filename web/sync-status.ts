// A shop's sync state, for the merchant's Sync page and the support status alike: its latest resync
// with its progress (read straight from BullMQ: jobs/enqueue.ts stays the only producer), queue
// depth, failed jobs, and what the stores count (profiles, pending tags).
import { calibrationReasonMsg, type ExplanationMsg } from '../src/segments/explanation.ts';
import type { Job, Queue } from 'bullmq';
import { dedupId } from '../jobs/queues.ts';
import type { FailureEntry, ShopWork } from '../src/profiles/shop-work.ts';
import type { Queues } from '../jobs/enqueue.ts';
import type { ResyncProgress, ResyncShopData } from '../jobs/queues.ts';
import type { DashboardPorts } from './ports.ts';
import type { ResyncSummary } from '../src/profiles/shop-store.ts';
import type { FlowOutbox, FlowStats } from '../src/profiles/flow-outbox.ts';

export interface ResyncView {
  jobId: string;
  state: string;
  requestedBy: string | null;
  progress: ResyncProgress | null;
  percent: number;
  enqueuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  failedReason: string | null;
  attemptsMade: number;
}

export type FailureView = FailureEntry;

const iso = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString() : null);

function progressOf(job: Job): ResyncProgress | null {
  const p = job.progress as unknown;
  return typeof p === 'object' && p !== null && 'percent' in p ? (p as ResyncProgress) : null;
}

export async function resyncView(job: Job): Promise<ResyncView> {
  const state = await job.getState();
  const progress = progressOf(job);
  const data = job.data as { requestedBy?: string };
  return {
    jobId: String(job.id),
    state,
    requestedBy: data.requestedBy ?? null,
    progress,
    percent: state === 'completed' ? 100 : (progress?.percent ?? (typeof job.progress === 'number' ? job.progress : 0)),
    enqueuedAt: new Date(job.timestamp).toISOString(),
    startedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    failedReason: job.failedReason || null,
    attemptsMade: job.attemptsMade,
  };
}

/**
 * The shop's current or latest resync: the one queued or running (resyncs are deduplicated per shop, so
 * its id is one lookup away), else the summary of the last completed one kept on the shop
 * (`remembered`). No job list is read.
 */
export async function latestResync(queues: Pick<Queues, 'resync'>, shop: string, remembered: ResyncSummary | null = null): Promise<ResyncView | null> {
  const id = await queues.resync.getDeduplicationJobId(dedupId.resync(shop));
  const job = id ? await queues.resync.getJob(id) : undefined;
  if (job && job.data?.shop === shop) return resyncView(job);
  if (!remembered) return null;
  const { customers, orders, profiles, tagsPending } = remembered;
  return {
    jobId: remembered.jobId, state: 'completed', requestedBy: remembered.requestedBy,
    progress: { percent: 100, phase: 'done', counts: { customers, orders, profiles, tagsPending } }, percent: 100,
    enqueuedAt: new Date(remembered.startedAt).toISOString(), startedAt: new Date(remembered.startedAt).toISOString(),
    finishedAt: new Date(remembered.finishedAt).toISOString(), failedReason: null, attemptsMade: 1,
  };
}

export async function resyncById(queues: Pick<Queues, 'resync'>, shop: string, jobId: string): Promise<ResyncView | null> {
  const job = await queues.resync.getJob(jobId);
  // A job id of another shop reads as "not found": the shop comes from the caller's credentials.
  return job && job.data.shop === shop ? resyncView(job) : null;
}

export type QueueDepth = Record<string, { waiting: number; active: number; delayed: number; failed: number }>;

/** Install-wide depth per queue, summed over the queue partitions. */
export async function queueDepth(partitions: readonly Queues[]): Promise<QueueDepth> {
  const out: QueueDepth = {};
  for (const q of partitions.flatMap((p) => Object.values(p) as Queue[])) {
    const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    const d = (out[q.name] ??= { waiting: 0, active: 0, delayed: 0, failed: 0 });
    d.waiting += (c.waiting ?? 0) + (c.prioritized ?? 0);
    d.active += c.active ?? 0;
    d.delayed += c.delayed ?? 0;
    d.failed += c.failed ?? 0;
  }
  return out;
}

/**
 * The shop's own work per queue, for the merchant's Sync page (other shops' work is none of its
 * business), counted without listing jobs: a resync, recalibration, tag sync or preview is
 * deduplicated per shop (one lookup each), recomputes are counted in the shop's pending set, failures
 * in its failure log (src/profiles/shop-work.ts). The webhook and maintenance queues are left out.
 */
export async function shopQueueDepth(queues: Queues, work: Pick<ShopWork, 'recomputesPending' | 'failures'>, shop: string): Promise<{ depth: QueueDepth; truncated: boolean }> {
  const { newest: failures } = await work.failures(shop, 50);
  const failedIn = (name: string) => failures.filter((f) => f.queue === name).length;
  const one = async (q: Queue, dedup: string) => {
    const id = await q.getDeduplicationJobId(dedup);
    const state = id ? await (await q.getJob(id))?.getState() : undefined;
    return { waiting: state === 'waiting' || state === 'prioritized' ? 1 : 0, active: state === 'active' ? 1 : 0, delayed: state === 'delayed' ? 1 : 0, failed: failedIn(q.name) };
  };
  const [resync, recalibrate, syncTags, preview, pending] = await Promise.all([
    one(queues.resync, dedupId.resync(shop)), one(queues.recalibrate, dedupId.recalibrate(shop)), one(queues.syncTags, dedupId.syncTags(shop)),
    one(queues.preview, dedupId.preview(shop)), work.recomputesPending(shop),
  ]);
  return {
    depth: {
      [queues.recompute.name]: { waiting: pending, active: 0, delayed: 0, failed: failedIn(queues.recompute.name) },
      [queues.syncTags.name]: syncTags, [queues.resync.name]: resync, [queues.recalibrate.name]: recalibrate, [queues.preview.name]: preview,
    },
    truncated: false,
  };
}

/** The shop's newest jobs that failed for good (its failure log: no job list is read). */
export async function shopFailures(work: Pick<ShopWork, 'failures'>, shop: string, limit: number): Promise<FailureView[]> {
  return (await work.failures(shop, limit)).newest;
}

/** What the Sync page and the support status both show of a shop. */
export interface ShopSyncStatus {
  lastResync: ResyncView | null;
  /** reasonMsg: the reason as a message (explanations.calibration.*), rendered per language by the dashboard. */
  lastCalibration: { at: Date; reason: string; reasonMsg: ExplanationMsg; buyers: number } | null;
  failures: FailureView[];
  profiles: number;
  tagsPending: number;
  /** The app's Shopify Flow trigger calls: fired, refused by Shopify (counted, not retried), dropped, waiting. */
  flowTriggers: FlowStats | null;
}

type SyncPorts = Pick<DashboardPorts, 'profiles' | 'calibrations' | 'shopWork'> & { enqueue: Pick<DashboardPorts['enqueue'], 'queuesFor'> & { flowOutbox?: Pick<FlowOutbox, 'stats'> } };

/** Counts, and the newest resync, calibration and failures: it reads no list it does not show. */
export async function shopSyncStatus(ports: SyncPorts, shop: string, o: { failures: number; remembered: ResyncSummary | null }): Promise<ShopSyncStatus> {
  const queues = ports.enqueue.queuesFor(shop);
  const [lastResync, failures, profiles, tagsPending, calibration, flowTriggers] = await Promise.all([
    latestResync(queues, shop, o.remembered),
    shopFailures(ports.shopWork, shop, o.failures),
    ports.profiles.count(shop),
    ports.profiles.countPending(shop),
    ports.calibrations.current(shop),
    ports.enqueue.flowOutbox ? ports.enqueue.flowOutbox.stats(shop) : Promise.resolve(null),
  ]);
  return {
    lastResync,
    lastCalibration: calibration ? { at: calibration.createdAt, reason: calibration.reason, reasonMsg: calibrationReasonMsg(calibration.reason), buyers: calibration.buyers } : null,
    failures,
    profiles,
    tagsPending,
    flowTriggers,
  };
}

/** Queues a resync (deduplicated per shop: while one runs, this answers with the running one). */
export async function requestResync(enqueue: Pick<DashboardPorts['enqueue'], 'resyncShop' | 'queuesFor'>, shop: string, requestedBy: ResyncShopData['requestedBy']): Promise<ResyncView> {
  const job = await enqueue.resyncShop(shop, requestedBy);
  return (job.id ? await resyncById(enqueue.queuesFor(shop), shop, job.id) : null) ?? (await resyncView(job));
}
