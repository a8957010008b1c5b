// Starts one BullMQ Worker per queue (each with its own concurrency) and stops them gracefully.
// Webhook-driven recomputes have their own worker and slots: resyncs and recalibrations (whole-shop,
// long) run on other queues with concurrency 1–2, so they can never occupy the webhook slots.
import { DelayedError, Worker, type ConnectionOptions, type Job, type Processor } from 'bullmq';
import { ShopNeedsReauthError } from './errors.ts';
import type { JobContext } from './ports.ts';
import { QUEUE, customerKey, type QueueName } from './queues.ts';
import { recomputeCustomer } from './recompute-customer.ts';
import { syncTags } from './sync-tags.ts';
import { resyncShop } from './resync-shop.ts';
import { recalibrateShop } from './recalibrate-shop.ts';
import { runMaintenance } from './maintenance.ts';
import { runSettingsPreview } from './settings-preview.ts';

export interface WorkerOptions {
  connection: () => ConnectionOptions;
  /** The queue partitions' prefixes (src/redis.ts partitionPrefixes): one Worker per queue and partition. */
  prefixes: readonly string[];
  /** Concurrency of the recompute queue; the others derive from it. */
  concurrency: number;
  /** Which queues this process serves (default: all) — lets resyncs run on separate machines. */
  queues?: readonly QueueName[];
  /** How long a job of a shop that needs re-authentication waits before it checks again (default 10 min). */
  reauthRecheckMs?: number;
  /**
   * Lock of a per-customer job and the stalled-job check interval (default 30 s, BullMQ's): a crashed
   * worker's jobs are taken up again within 1–2× this. Whole-shop jobs keep a 120 s lock.
   */
  lockMs?: number;
}

/**
 * A shop whose offline token is dead keeps its work: the job goes back to delayed without spending an
 * attempt (BullMQ's moveToDelayed + DelayedError) and runs again after reauthRecheckMs, or at once when
 * the merchant opens the app (Enqueuer.resumeShop after the new token exchange).
 */
function keepWhileReauth(run: Processor, recheckMs: number): Processor {
  return async (job: Job, token?: string) => {
    try {
      return await run(job, token);
    } catch (err) {
      if (!(err instanceof ShopNeedsReauthError) || !token) throw err;
      await job.moveToDelayed(Date.now() + recheckMs, token);
      throw new DelayedError(err.message);
    }
  };
}

/**
 * At most `limit` runs at once across the Workers that share it: the whole-shop queues keep their
 * concurrency per process however many partitions there are (a resync of a large shop holds much memory;
 * two at once in one process could exceed it). A job waiting here holds its lock, which BullMQ renews.
 */
function sharedLimit(limit: number): (run: Processor) => Processor {
  let running = 0;
  const waiting: Array<() => void> = [];
  return (run) => async (job, token) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await run(job, token);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

export interface RunningWorkers {
  workers: Worker[];
  /** Stops taking jobs and waits for current ones (up to graceMs), then releases the rest as stalled. */
  close(graceMs?: number): Promise<void>;
}

export function startWorkers(ctx: JobContext, o: WorkerOptions): RunningWorkers {
  // Per-shop counters (src/profiles/shop-work.ts): a recompute leaves the pending set when it settles; a
  // job that failed for good goes to the shop's failure log.
  const settled = async (queue: string, job: Job, err?: Error) => {
    const data = (job.data ?? {}) as { shop?: string; customerId?: string };
    if (!data.shop) return;
    if (queue === QUEUE.recompute && data.customerId) await ctx.enqueue.shopWork.recomputeSettled(data.shop, customerKey(data.shop, data.customerId));
    if (err) {
      await ctx.enqueue.shopWork.failed(data.shop, {
        queue, jobId: String(job.id), name: job.name, customerId: data.customerId ?? null, failedReason: err.message,
        failedAt: new Date(job.finishedOn ?? Date.now()).toISOString(), attemptsMade: job.attemptsMade,
      });
    }
  };
  // The webhook queue is drained by webhooks/consumer.ts (it runs the webhook handlers).
  const processors: Record<Exclude<QueueName, typeof QUEUE.webhook>, { run: Processor; concurrency: number }> = {
    [QUEUE.recompute]: { run: (job: Job) => recomputeCustomer(ctx, job.data, job), concurrency: o.concurrency },
    [QUEUE.syncTags]: { run: (job: Job) => syncTags(ctx, job.data, job), concurrency: Math.max(2, Math.ceil(o.concurrency / 2)) },
    [QUEUE.resync]: { run: (job: Job) => resyncShop(ctx, job.data, job), concurrency: 1 },
    [QUEUE.recalibrate]: { run: (job: Job) => recalibrateShop(ctx, job.data, job), concurrency: 1 },
    [QUEUE.maintenance]: { run: (job: Job) => runMaintenance(ctx, job.data, job), concurrency: 1 },
    // Whole-shop dry runs, one at a time per process: they can never take the recompute slots.
    [QUEUE.preview]: { run: (job: Job) => runSettingsPreview(ctx, job.data, job), concurrency: 1 },
  };
  const names = (o.queues ?? (Object.keys(processors) as QueueName[])).filter((n): n is keyof typeof processors => Object.hasOwn(processors, n));
  // Per-customer queues run p.concurrency per partition (the partitions share the work of many shops);
  // whole-shop queues p.concurrency per process, all partitions together (sharedLimit).
  const perProcess = new Set<QueueName>([QUEUE.resync, QUEUE.recalibrate, QUEUE.maintenance, QUEUE.preview]);
  const workers = names.flatMap((name) => {
    const p = processors[name];
    const limited = perProcess.has(name) && o.prefixes.length > 1 ? sharedLimit(p.concurrency) : (run: Processor) => run;
    const run = limited(keepWhileReauth(p.run, o.reauthRecheckMs ?? 600_000));
    return o.prefixes.map((prefix) => startOne(name, prefix, run, p.concurrency));
  });
  function startOne(name: keyof typeof processors, prefix: string, run: Processor, concurrency: number): Worker {
    const w = new Worker(name, run, {
      connection: o.connection(),
      prefix,
      concurrency,
      // Whole-shop jobs hold the event loop for a few hundred ms at a time: allow a longer lock.
      lockDuration: name === QUEUE.resync || name === QUEUE.recalibrate || name === QUEUE.preview ? 120_000 : o.lockMs ?? 30_000,
      stalledInterval: o.lockMs ?? 30_000,
      // Failed/stalled jobs after a crash are picked up again by any worker.
      maxStalledCount: 2,
    });
    w.on('failed', (job, err) => {
      ctx.logger.warn({ queue: name, jobId: job?.id, shop: (job?.data as { shop?: string } | undefined)?.shop, attemptsMade: job?.attemptsMade, err: err.message, errName: err.name }, 'job failed');
      if (job && (err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1))) void settled(name, job, err).catch((e: Error) => ctx.logger.warn({ err: e.message }, 'shop work counters not updated'));
    });
    if (name === QUEUE.recompute) w.on('completed', (job) => void settled(name, job).catch((e: Error) => ctx.logger.warn({ err: e.message }, 'shop work counters not updated')));
    w.on('error', (err) => ctx.logger.error({ queue: name, err: err.message }, 'worker error'));
    return w;
  }
  return {
    workers,
    async close(graceMs = 25_000) {
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close())).then(() => true);
      const timeout = new Promise<boolean>((r) => { timer = setTimeout(() => r(false), graceMs); });
      const done = await Promise.race([graceful, timeout]);
      clearTimeout(timer);
      // Past the grace period, force-close: current jobs become stalled and another worker resumes them.
      if (!done) await Promise.all(workers.map((w) => w.close(true)));
    },
  };
}
