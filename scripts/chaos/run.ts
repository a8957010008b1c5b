// The chaos run: the real app against the Shopify simulator while servers restart and workers die, in
// phases — start the system (system.ts), backfill (the install's resync), load with the fault schedule
// (load.ts, faults.ts), drain, verify every customer (verify.ts), report; a failure explains itself
// (explain.ts). Simulated: signed webhooks with duplicates, reordering and late deliveries; 10% of
// Admin API calls answered 5xx; the bucket drained and THROTTLED bursts on the standard plan's 100
// points/s; expiring offline tokens that live tokenLifetimeMs. Bounded: a time limit stops the run, every loop is counted.
import { AuthStats } from '../../src/shopify/offline-tokens.ts';
import { explainFailure } from './explain.ts';
import { faultSchedule, Timeline, type FaultStep } from './faults.ts';
import { generateLoad, isOrderTopic, type LoadResult } from './load.ts';
import { ASOF, ChaosSystem, SHOP, bounded, type InjectedBug } from './system.ts';
import { verifyCustomers, type CustomerMismatch, type Verification } from './verify.ts';

export interface ChaosOptions {
  /** Customers in the simulated shop. */
  customers: number;
  /** Order webhooks to cause (orders/*, refunds/create), before duplicates. */
  orderWebhooks: number;
  /** Merchant actions per second while generating. */
  actionsPerSecond: number;
  workers: number;
  /** Drives the merchant actions, the simulator's webhook behaviour and the fault jitter. */
  seed: number;
  /** Each scheduled fault moves by up to ± this share of the run (seeded); 0 = the table as is. */
  jitter: number;
  /** Hard limit for the whole run; past it the run stops and reports what it has. */
  timeLimitMs: number;
  /** Lifetime of the expiring offline access tokens during the run (token-expiry fault). */
  tokenLifetimeMs: number;
  /** Self-test only: a deliberate bug planted in the workers (scripts/chaos/inject-lost-tag-write.ts); the run must fail. */
  injectBug?: InjectedBug;
  log?: (line: string) => void;
}

// The time limits only stop a hung run: ~2× the longest run seen on this 2-core machine under heavy
// load from other processes (reduced 237 s at load average 25–35, full 1,195 s); a quiet machine needs
// ~90 s and ~290 s.
export const REDUCED: ChaosOptions = { customers: 120, orderWebhooks: 500, actionsPerSecond: 12, workers: 2, seed: 7, jitter: 0, timeLimitMs: 480_000, tokenLifetimeMs: 5000 };
export const FULL: ChaosOptions = { customers: 2000, orderWebhooks: 10_000, actionsPerSecond: 25, workers: 2, seed: 7, jitter: 0, timeLimitMs: 2_400_000, tokenLifetimeMs: 5000 };

export interface ChaosReport {
  webhooks: number;
  duplicates: number;
  restarts: number;
  customersChecked: number;
  mismatches: number;
  lost: number;
  seed: number;
  /** Why the run failed; empty when it passed. */
  verdict: string[];
  /** The command that replays this run (same seed, size and fault moments). */
  replay: string;
  /** On failure: the verdict, the faults, the first mismatching customers and their timelines. */
  explanation: string[];
  details: {
    deliveries: number; deliveryAttemptsFailed: number; deliveriesFailedForGood: number; deliveriesPending: number;
    adminApiCalls: number; injected5xx: number; throttled: number;
    /** Token-expiry fault: refreshes by the app (all processes), grants Shopify answered, calls refused as expired or non-expiring. */
    tokens: { lifetimeMs: number; refreshes: number; refreshGrants: number; refreshFailures: number; expiredTokenCalls: number; nonExpiringTokenCalls: number };
    workerKills: number; workerKillsMidJob: number; redisRestarts: number; mongoRestarts: number;
    unhandledRejections: number; workerCrashes: number; failedJobs: number;
    orderMismatches: number; tagMismatches: number; merchantTagMismatches: number;
    /** Customers whose tags differ from a from-scratch recompute only through the engine's hysteresis. */
    heldByHysteresis: number;
    /** Tag writes lost and repaired only by the drift check (a customers/update showing other app tags): a failure. */
    heldByDriftCheck: number;
    /** Drift reports that were old deliveries (Shopify already carried the desired tags): harmless. */
    staleTagReports: number;
    faultSchedule: FaultStep[];
    /** Seconds each phase took: start, backfill, load, drain, verify. */
    phases: Record<string, number>;
    peakRssMb: { web: number; workers: number }; durationS: number; drained: boolean;
    webhookStatusesDuringOutages: Record<string, number>;
    examples: string[];
  };
}

/** `npm run test:chaos` arguments that give the same run. */
export function replayCommand(o: ChaosOptions): string {
  const args: string[] = [];
  const preset = o.customers === FULL.customers && o.orderWebhooks === FULL.orderWebhooks ? FULL : REDUCED;
  if (preset === FULL) args.push('--full');
  else if (o.customers !== REDUCED.customers || o.orderWebhooks !== REDUCED.orderWebhooks) args.push(`--customers ${o.customers}`, `--webhooks ${o.orderWebhooks}`);
  args.push(`--seed ${o.seed}`);
  if (o.jitter > 0) args.push(`--jitter ${o.jitter}`);
  if (o.tokenLifetimeMs !== preset.tokenLifetimeMs) args.push(`--token-lifetime ${o.tokenLifetimeMs / 1000}`);
  if (o.timeLimitMs !== preset.timeLimitMs) args.push(`--time-limit ${Math.round(o.timeLimitMs / 1000)}`);
  if (o.injectBug) args.push(`--inject-bug ${o.injectBug}`);
  return `npm run test:chaos -- ${args.join(' ')}`;
}

/** Why a report is a failure (nothing when it passed). */
export function verdictOf(r: Pick<ChaosReport, 'lost' | 'mismatches' | 'details'>): string[] {
  const x = r.details;
  const out: string[] = [];
  if (!x.drained) out.push('not drained within the time limit');
  if (r.lost > 0) out.push(`${r.lost} order versions lost`);
  if (x.orderMismatches > 0) out.push(`${x.orderMismatches} customers' stored orders differ from Shopify's`);
  if (x.tagMismatches > 0) out.push(`${x.tagMismatches} customers' app tags differ from a recompute`);
  if (x.merchantTagMismatches > 0) out.push(`${x.merchantTagMismatches} customers' merchant tags changed`);
  if (x.heldByDriftCheck > 0) out.push(`${x.heldByDriftCheck} tag writes lost and held only by the drift check`);
  if (x.unhandledRejections > 0) out.push(`${x.unhandledRejections} unhandled rejections`);
  // With the workers' own last words (exit code or signal, last log lines): a soak keeps only stderr.
  if (x.workerCrashes > 0) out.push(`${x.workerCrashes} workers exited by themselves: ${x.examples.filter((e) => / exited by itself /.test(e)).join(' || ')}`);
  return out;
}

/** Phase: the install's resync backfills the seeded history (bulk query → calibrate → recompute → tags). */
async function backfill(system: ChaosSystem, left: () => number): Promise<void> {
  await system.runtime.enqueue.resyncShop(SHOP, 'install', ASOF);
  if (!(await system.drain('initial resync', left))) throw new Error('initial resync did not finish in time');
  system.log(`initial resync done: ${await system.deps.stores.profiles.count(SHOP)} profiles, ${await system.deps.stores.orders.countOrders(SHOP)} orders`);
}

/** Phase: the report, from what the simulator saw and the verification found. */
async function report(system: ChaosSystem, o: ChaosOptions, ctx: { load: LoadResult; drained: boolean; v: Verification; started: number; timeline: Timeline; schedule: FaultStep[]; examples: string[]; phases: Record<string, number> }): Promise<ChaosReport> {
  const { sim, counters: d } = system;
  const log = sim.webhookLog(SHOP);
  const orderLog = log.filter((r) => isOrderTopic(r.topic));
  const stats = sim.stats(SHOP);
  const tokenCounts = await bounded(new AuthStats(system.deps.redis, system.deps.shopKeys).read(SHOP), 5000, 'auth stats', { tokenRefreshes: -1, reexchanges: -1, migrations: -1, refreshFailures: -1 }, system.log);
  let failedJobs = 0;
  for (const [, q] of system.allQueues) failedJobs += await bounded(q.getFailedCount(), 5000, 'failed count', 0, system.log);
  const driftLost = system.drift.filter((x) => x.lost);
  const { v } = ctx;
  const r: ChaosReport = {
    webhooks: orderLog.filter((x) => !x.duplicate).length - ctx.load.baseline,
    duplicates: orderLog.filter((x) => x.duplicate).length,
    restarts: d.redisRestarts + d.mongoRestarts + d.workerKills,
    customersChecked: v.customersChecked,
    mismatches: v.orderMismatches + v.tagMismatches + v.merchantTagMismatches,
    lost: v.lost,
    seed: o.seed,
    verdict: [],
    replay: replayCommand(o),
    explanation: [],
    details: {
      deliveries: log.length,
      deliveryAttemptsFailed: log.reduce((a, x) => a + x.attempts.filter((t) => t.status === undefined || t.status < 200 || t.status >= 300).length, 0),
      deliveriesFailedForGood: log.filter((x) => x.state === 'failed').length,
      deliveriesPending: log.filter((x) => x.state === 'pending').length,
      adminApiCalls: stats.apiCalls, injected5xx: stats.injected5xx, throttled: stats.throttled,
      tokens: {
        lifetimeMs: o.tokenLifetimeMs, refreshes: tokenCounts.tokenRefreshes, refreshGrants: stats.auth.refreshes, refreshFailures: tokenCounts.refreshFailures,
        expiredTokenCalls: stats.auth.expiredCalls, nonExpiringTokenCalls: stats.auth.nonExpiringCalls,
      },
      workerKills: d.workerKills, workerKillsMidJob: d.workerKillsMidJob, redisRestarts: d.redisRestarts, mongoRestarts: d.mongoRestarts,
      unhandledRejections: d.unhandledRejections, workerCrashes: d.workerCrashes, failedJobs,
      orderMismatches: v.orderMismatches, tagMismatches: v.tagMismatches, merchantTagMismatches: v.merchantTagMismatches,
      heldByHysteresis: v.heldByHysteresis,
      heldByDriftCheck: driftLost.length,
      staleTagReports: system.drift.length - driftLost.length,
      faultSchedule: ctx.schedule,
      phases: ctx.phases,
      peakRssMb: { web: d.peakWeb, workers: d.peakWorkers },
      durationS: Math.round((Date.now() - ctx.started) / 1000),
      drained: ctx.drained,
      webhookStatusesDuringOutages: system.outageStatuses,
      examples: [...ctx.examples.slice(0, 40), ...summariseMismatches(v.mismatches), ...ctx.timeline.events.map((e) => ctx.timeline.format(e))],
    },
  };
  r.verdict = verdictOf(r);
  if (r.verdict.length > 0) {
    r.explanation = explainFailure({ verdict: r.verdict, seed: o.seed, replay: r.replay, timeline: ctx.timeline, mismatches: v.mismatches, driftLost, sim });
  }
  return r;
}

function summariseMismatches(ms: readonly CustomerMismatch[]): string[] {
  return ms.map((m) => `customer ${m.customerId}: ${[
    m.orders.length ? `${m.orders.length} orders differ` : '',
    m.tags ? `tags ${m.tags.actual.join(' ')} vs recompute ${m.tags.expected.join(' ')}` : '',
    m.merchantTags ? `merchant tags ${m.merchantTags.actual.join(' ')} vs ${m.merchantTags.expected.join(' ')}` : '',
  ].filter(Boolean).join('; ')}`);
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => undefined);
  const started = Date.now();
  const deadline = started + opts.timeLimitMs;
  const left = () => Math.max(0, deadline - Date.now());
  const timeline = new Timeline(started);
  const schedule = faultSchedule(opts.seed, opts.jitter);
  const examples: string[] = [];
  const cleanup: Array<() => Promise<void>> = [];
  let unhandledRejections = 0;
  const onRejection = (err: unknown) => { unhandledRejections++; examples.push(`unhandled rejection: ${String(err).slice(0, 200)}`); };
  process.on('unhandledRejection', onRejection);
  const phases: Record<string, number> = {};
  let phaseStart = started;
  const phase = (name: string) => {
    const t = Date.now();
    phases[name] = Math.round((t - phaseStart) / 100) / 10;
    phaseStart = t;
    log(`phase ${name}: ${phases[name]} s`);
  };
  try {
    log(`seed ${opts.seed}; faults at ${schedule.map((s) => `${s.kind} ${Math.round(s.at * 100)}%`).join(', ')}`);
    const system = await ChaosSystem.start({ customers: opts.customers, workers: opts.workers, seed: opts.seed, tokenLifetimeMs: opts.tokenLifetimeMs, ...(opts.injectBug ? { injectBug: opts.injectBug } : {}), log, timeline, examples }, cleanup);
    phase('start');
    await backfill(system, left);
    phase('backfill');
    const load = await generateLoad(system, { orderWebhooks: opts.orderWebhooks, actionsPerSecond: opts.actionsPerSecond, seed: opts.seed, schedule, timeline, examples, left });
    phase('load');
    const drained = await system.drain('chaos phase', left);
    system.stopSampling();
    phase('drain');
    log(`drained: ${drained}; verifying every customer`);
    const v = await verifyCustomers(system);
    phase('verify');
    system.counters.unhandledRejections = unhandledRejections;
    return await report(system, opts, { load, drained, v, started, timeline, schedule, examples, phases });
  } finally {
    process.off('unhandledRejection', onRejection);
    // Stop in the reverse order of starting: workers, web server, consumer, queues, connections, simulator, servers.
    for (const stop of cleanup.reverse()) await stop().catch((err: unknown) => log(`cleanup: ${String(err)}`));
  }
}
