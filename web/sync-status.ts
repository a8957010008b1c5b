// A shop's sync state, for the merchant's Sync page and the support status alike: its latest resync
// with its progress (read straight from BullMQ: jobs/enqueue.ts stays the only producer), queue
// depth, failed jobs, and what the stores count (profiles, pending tags).
import type { Job } from 'bullmq';
import type { Queues } from '../jobs/enqueue.ts';
import type { ResyncProgress, ResyncShopData } from '../jobs/queues.ts';
import type { DashboardPorts } from './ports.ts';
import type { ResyncSummary } from '../src/profiles/shop-store.ts';

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

export interface FailureView {
  queue: string;
  jobId: string;
  name: string;
  customerId: string | null;
  failedReason: string;
  failedAt: string | null;
  attemptsMade: number;
}

const SCAN = 1000;
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
 * The shop's most recent resync: the newest job BullMQ still keeps (completed ones are kept an hour),
 * else the summary of the last completed one kept on the shop (`remembered`).
 */
export async function latestResync(queues: Pick<Queues, 'resync'>, shop: string, remembered: ResyncSummary | null = null): Promise<ResyncView | null> {
  const jobs = await queues.resync.getJobs(['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'], 0, SCAN);
  const mine = jobs.filter((j): j is Job => Boolean(j) && j.data?.shop === shop).sort((a, b) => b.timestamp - a.timestamp);
  if (mine[0]) return resyncView(mine[0]);
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

export async function queueDepth(queues: Queues): Promise<QueueDepth> {
  const out: QueueDepth = {};
  for (const q of Object.values(queues)) {
    const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    out[q.name] = { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
  }
  return out;
}

/**
 * The shop's own jobs per queue, for the merchant's Sync page (other shops' work is none of its
 * business). BullMQ has no index by shop, so each state's newest `scan` jobs are read and filtered;
 * `truncated` says a state held more than that. The webhook queue (raw deliveries) is left out.
 */
export async function shopQueueDepth(queues: Queues, shop: string, scan = 500): Promise<{ depth: QueueDepth; truncated: boolean }> {
  const depth: QueueDepth = {};
  let truncated = false;
  const count = async (q: Queues[keyof Queues], types: Array<'waiting' | 'prioritized' | 'active' | 'delayed' | 'failed'>): Promise<number> => {
    const jobs = await q.getJobs(types, 0, scan - 1);
    if (jobs.length >= scan) truncated = true;
    return jobs.filter((j) => (j?.data as { shop?: string } | undefined)?.shop === shop).length;
  };
  for (const [key, q] of Object.entries(queues) as Array<[keyof Queues, Queues[keyof Queues]]>) {
    if (key === 'webhook') continue;
    const [waiting, active, delayed, failed] = await Promise.all([count(q, ['waiting', 'prioritized']), count(q, ['active']), count(q, ['delayed']), count(q, ['failed'])]);
    depth[q.name] = { waiting, active, delayed, failed };
  }
  return { depth, truncated };
}

export async function shopFailures(queues: Queues, shop: string, limit: number): Promise<FailureView[]> {
  const out: FailureView[] = [];
  for (const q of Object.values(queues)) {
    const failed = (await q.getFailed(0, SCAN - 1)) as Job[];
    for (const j of failed) {
      const data = (j?.data ?? {}) as { shop?: string; customerId?: string };
      if (data.shop !== shop) continue;
      out.push({ queue: q.name, jobId: String(j.id), name: j.name, customerId: data.customerId ?? null, failedReason: j.failedReason ?? '', failedAt: iso(j.finishedOn), attemptsMade: j.attemptsMade });
    }
  }
  return out.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? '')).slice(0, limit);
}

/** What the Sync page and the support status both show of a shop. */
export interface ShopSyncStatus {
  lastResync: ResyncView | null;
  lastCalibration: { at: Date; reason: string; buyers: number } | null;
  failures: FailureView[];
  profiles: number;
  tagsPending: number;
}

type SyncPorts = Pick<DashboardPorts, 'profiles' | 'calibrations'> & { enqueue: Pick<DashboardPorts['enqueue'], 'queues'> };

/** Counts, and the newest resync, calibration and failures: it reads no list it does not show. */
export async function shopSyncStatus(ports: SyncPorts, shop: string, o: { failures: number; remembered: ResyncSummary | null }): Promise<ShopSyncStatus> {
  const queues = ports.enqueue.queues;
  const [lastResync, failures, profiles, tagsPending, calibration] = await Promise.all([
    latestResync(queues, shop, o.remembered),
    shopFailures(queues, shop, o.failures),
    ports.profiles.count(shop),
    ports.profiles.countPending(shop),
    ports.calibrations.current(shop),
  ]);
  return {
    lastResync,
    lastCalibration: calibration ? { at: calibration.createdAt, reason: calibration.reason, buyers: calibration.buyers } : null,
    failures,
    profiles,
    tagsPending,
  };
}

/** Queues a resync (deduplicated per shop: while one runs, this answers with the running one). */
export async function requestResync(enqueue: Pick<DashboardPorts['enqueue'], 'resyncShop' | 'queues'>, shop: string, requestedBy: ResyncShopData['requestedBy']): Promise<ResyncView> {
  const job = await enqueue.resyncShop(shop, requestedBy);
  return (job.id ? await resyncById(enqueue.queues, shop, job.id) : null) ?? (await resyncView(job));
}
