// Scale benchmark: one synthetic shop of N customers end to end on this machine, through the local
// stack of the demo (scripts/local-stack.ts: the Shopify simulator in this process; the web app in a
// process of its own, `web/main.ts` as `npm run start:web`, or in this process with --web-processes 0;
// the worker in K processes of its own, `jobs/main.ts` as `npm run start:worker`, or in this process with
// --worker-processes 0) on private servers (tools/local-services/private-servers.ts;
// FERRETDB_HANDLER=postgresql for FerretDB on PostgreSQL).
// Install → resync (bulk query backfill, calibration, every profile) → every tag written through bulk
// mutations → the customers/update echoes of those writes absorbed → a seeded sample verified against
// a from-scratch recompute → (--maintenance) the nightly recalibration, the recency sweep and the
// dashboard's dry run of a settings change (the settings-preview job) timed.
//   node scripts/bench-scale.ts --customers 10000 [--orders-per-customer 5] [--sample 10000] [--seed 18]
//     [--worker-processes 1] [--web-processes 1] [--maintenance] [--time-limit-min 60] [--json]
// Bounded: the whole run and every wait have the time limit; everything started is stopped and removed at the end.
// This process is the simulator (the test double holding the whole synthetic shop: a million customers,
// their tags and every webhook it sends) and the driver: `npm run bench:scale` gives it an 8 GB heap. At
// a million customers it ran out of Node's default ≈ 4 GB in the echoes phase (session 13; it had peaked
// at 4.4 GB RSS in session 12). The app's own processes run with Node's defaults, as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { freemem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../src/logger.ts';
import { segmentCustomer, type Calibration } from '../src/segments/index.ts';
import type { NormalizedOrder } from '../src/segments/types.ts';
import { shopPort } from '../jobs/runtime.ts';
import { settingsHash, type PreviewResult } from '../jobs/settings-preview.ts';
import { derivedPrng } from '../tools/seeded-random.ts';
import { freePort, startPrivateFerretdb, startPrivateRedis, tempBase } from '../tools/local-services/private-servers.ts';
import { ferretdbHandler } from '../tools/local-services/postgres.ts';
import { pollUntil } from '../tools/poll.ts';
import { currentTotalMinor } from '../tools/shopify-simulator/store.ts';
import { startLocalStack, type LocalStack } from './local-stack.ts';
import { stopChildren } from './bench-app.ts';

const SHOP = 'scale.myshopify.com';
const DAY = 86_400_000;
/** The engine's as-of for the whole run; the shop's history ends the day before. */
const ASOF = Date.UTC(2026, 10, 20);

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '10000' }, 'orders-per-customer': { type: 'string', default: '5' },
    sample: { type: 'string', default: '10000' }, seed: { type: 'string', default: '18' },
    'worker-processes': { type: 'string', default: '1' }, 'web-processes': { type: 'string', default: '1' }, maintenance: { type: 'boolean', default: false }, 'time-limit-min': { type: 'string', default: '60' },
    json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run bench:scale -- --customers N [--orders-per-customer 5] [--sample 10000] [--seed 18] [--worker-processes 1] [--web-processes 1] [--maintenance] [--time-limit-min 60] [--json]');
  process.exit(0);
}
const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:scale: --${name} must be a positive whole number, got "${text}"`);
    process.exit(2);
  }
  return n;
};
const customers = positive('customers', values.customers);
const ordersPerCustomer = positive('orders-per-customer', values['orders-per-customer']);
const sampleSize = Math.min(customers, positive('sample', values.sample));
const seed = positive('seed', values.seed);
const timeLimitMs = positive('time-limit-min', values['time-limit-min']) * 60_000;
// 0: the worker runs in this process beside the web app and the simulator (one JavaScript thread for all).
const workerProcesses = values['worker-processes'] === '0' ? 0 : positive('worker-processes', values['worker-processes']);
// 0: the web app runs in this process beside the simulator; 1: in a process of its own (its memory and CPU apart).
const webProcess = values['web-processes'] !== '0';
if (!['0', '1'].includes(values['web-processes'])) {
  console.error(`bench:scale: --web-processes must be 0 or 1, got "${values['web-processes']}"`);
  process.exit(2);
}
const say = (s: string) => console.error(`[scale] ${new Date().toISOString().slice(11, 19)} ${s}`);
const secs = (ms: number) => Math.round(ms / 100) / 10;


/** Peak resident memory of a process so far (VmHWM, from /proc), in MB (0 when unreadable). */
function peakRssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process used so far, from /proc (0 when unreadable). */
function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of every PostgreSQL process (FerretDB's backend when FERRETDB_HANDLER=postgresql). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') total += cpuSecondsOf(Number(d));
    } catch { /* gone */ }
  }
  return total;
}

interface Phases { backfillS: number; calibrateS: number; profilesS: number; tagSyncS: number; echoesS: number }

/** CPU seconds so far of each component: this process (the simulator, and the web app / the worker with --web-processes 0 / --worker-processes 0), the web process, the worker processes, FerretDB, Redis (and PostgreSQL). */
interface CpuReading { app: number; web: number; worker: number; ferretdb: number; redis: number; postgres: number }
let readCpu: () => CpuReading = () => ({ app: 0, web: 0, worker: 0, ferretdb: 0, redis: 0, postgres: 0 });
/** Peak resident memory so far of each process, MB (logged at each phase: a run stopped by its time limit still tells). */
let peaks: () => { simulator: number; web: number; worker: number } = () => ({ simulator: 0, web: 0, worker: 0 });
/** The CPU reading taken when each phase began (the phase's CPU is the difference to the next one). */
const cpuAt: Record<string, CpuReading> = {};
const markPhase = (name: string) => {
  if (cpuAt[name]) return;
  cpuAt[name] = readCpu();
  // Logged as it goes, so a run stopped by its time limit still tells where the CPU went.
  const c = cpuAt[name];
  say(`CPU s so far at ${name}: this process ${secs(c.app * 1000)}, web ${secs(c.web * 1000)}, workers ${secs(c.worker * 1000)}, FerretDB ${secs(c.ferretdb * 1000)}, Redis ${secs(c.redis * 1000)}; peak RSS MB ${JSON.stringify(peaks())}`);
};

/** CPU seconds per component and phase, from consecutive marks. */
function cpuByPhase(order: string[]): Record<string, Record<keyof CpuReading, number>> {
  const out: Record<string, Record<keyof CpuReading, number>> = {};
  for (let i = 0; i + 1 < order.length; i++) {
    const a = cpuAt[order[i]!], b = cpuAt[order[i + 1]!];
    if (!a || !b) continue;
    out[order[i]!] = { app: secs((b.app - a.app) * 1000), web: secs((b.web - a.web) * 1000), worker: secs((b.worker - a.worker) * 1000), ferretdb: secs((b.ferretdb - a.ferretdb) * 1000), redis: secs((b.redis - a.redis) * 1000), postgres: secs((b.postgres - a.postgres) * 1000) };
  }
  return out;
}

/** Runs the install's resync and times its phases from the job's progress (backfill → calibrate → recompute → done). */
async function resyncPhases(stack: LocalStack, t0: number): Promise<Pick<Phases, 'backfillS' | 'calibrateS' | 'profilesS'>> {
  const job = await stack.runtime.enqueue.resyncShop(SHOP, 'install', ASOF);
  const seen: Record<string, number> = {};
  let last = '';
  const finished = await pollUntil('the resync to finish', async () => {
    const j = await stack.runtime.queuesFor(SHOP).resync.getJob(job.id!);
    if (!j) throw new Error(`resync job ${job.id} vanished`);
    const state = await j.getState();
    if (state === 'failed') throw new Error(`resync failed: ${j.failedReason}`);
    const p = (j.progress ?? {}) as { phase?: string; counts?: Record<string, number> };
    if (p.phase && seen[p.phase] === undefined) { seen[p.phase] = Date.now(); markPhase(p.phase); say(`phase ${p.phase} at ${secs(Date.now() - t0)} s`); }
    const line = JSON.stringify(p.counts ?? {});
    if (line !== last && Date.now() % 10_000 < 300) { last = line; say(`resync ${p.phase ?? '?'} ${line}`); }
    return state === 'completed' && j;
  }, { timeoutMs: timeLimitMs, intervalMs: 250 });
  const done = Date.now();
  markPhase('tagSync');
  // Read again: the job read before its state may have completed in between, without its result.
  const resynced = (await stack.runtime.queuesFor(SHOP).resync.getJob(finished.id!)) ?? finished;
  say(`resync steps (ms): ${JSON.stringify((resynced.returnvalue as { stepsMs?: unknown } | null)?.stepsMs ?? null)}, books read again from ${String((resynced.returnvalue as { booksReadAgainFrom?: unknown } | null)?.booksReadAgainFrom ?? '?')}`);
  const calibrateAt = seen.calibrate ?? done;
  const recomputeAt = seen.recompute ?? calibrateAt;
  return { backfillS: secs(calibrateAt - t0), calibrateS: secs(recomputeAt - calibrateAt), profilesS: secs(done - recomputeAt) };
}

/** Tag sync: until no customer's tags are pending; then the echoes: until no delivery or job is left. */
async function tagAndEchoPhases(stack: LocalStack): Promise<Pick<Phases, 'tagSyncS' | 'echoesS'>> {
  const t1 = Date.now();
  let pending = -1;
  await pollUntil('every tag to be written', async () => {
    pending = await stack.deps.stores.tagState.pendingCount(SHOP);
    return pending === 0;
  }, { timeoutMs: timeLimitMs, intervalMs: 500, detail: () => `${pending} pending` });
  const t2 = Date.now();
  markPhase('echoes');
  say(`tags written in ${secs(t2 - t1)} s; absorbing the echoes…`);
  await stack.sim.webhooksIdle();
  await stack.idle(timeLimitMs);
  markPhase('end');
  return { tagSyncS: secs(t2 - t1), echoesS: secs(Date.now() - t2) };
}

/** A seeded sample of customers: stored orders equal the simulator's; app tags on Shopify equal a from-scratch recompute. */
async function verifySample(stack: LocalStack): Promise<{ checked: number; mismatches: number; examples: string[] }> {
  const { sim, deps } = stack;
  const settings = (await shopPort(deps).get(SHOP))?.settings;
  const calibration = (await deps.stores.calibrations.current(SHOP))?.calibration as Calibration | undefined;
  if (!settings || !calibration) throw new Error('no settings or calibration stored after the run');
  const all = sim.listCustomers(SHOP);
  // The customer's own order ids (listOrders filters every order of the shop: quadratic at this size).
  const shopState = sim.simulator.shop(SHOP);
  const rng = derivedPrng(seed, 'scale-sample');
  const picked = new Set<number>();
  while (picked.size < sampleSize) picked.add(rng.int(0, all.length - 1));
  const sample = [...picked].sort((a, b) => a - b).map((i) => all[i]!);
  const examples: string[] = [];
  let mismatches = 0;
  // One pass over the shop's order books (a sampled customer's book is picked on the way): on FerretDB
  // every `$in` read scans the collection and tests each document against each id.
  const wanted = new Set(sample.map((c) => c.id));
  const stored = new Map<string, NormalizedOrder[]>();
  for await (const c of deps.stores.orders.customersOf(SHOP)) if (wanted.has(c.customerId)) stored.set(c.customerId, c.orders);
  for (const c of sample) {
    const mine = stored.get(c.id) ?? [];
    const simOrders = c.orderIds.flatMap((id) => shopState.orders.get(id) ?? []);
    const byId = new Map(mine.map((o) => [o.id, o]));
    const ordersOk = simOrders.length === mine.length && simOrders.every((o) => byId.get(o.id)?.netMinor === currentTotalMinor(o));
    const expected = [...segmentCustomer({ customerId: c.id, orders: mine }, calibration, settings, ASOF).tags].sort();
    const actual = c.tags.filter((t) => t.startsWith(settings.tagPrefix)).sort();
    if (ordersOk && JSON.stringify(expected) === JSON.stringify(actual)) continue;
    mismatches++;
    if (examples.length < 5) examples.push(`customer ${c.id}: orders ${ordersOk ? 'ok' : `${mine.length} stored vs ${simOrders.length}`}, tags ${actual.join(' ')} vs recompute ${expected.join(' ')}`);
  }
  return { checked: sample.length, mismatches, examples };
}

type QueueLike = { name: string; getJobs(types: string[], start: number, end: number): Promise<Array<{ name: string; processedOn?: number; finishedOn?: number; timestamp: number; delay?: number }>> };
/** Jobs read per queue and state: a phase that ran more shows its count as "at least" (`capped`). */
const JOBS_READ = 500;

/**
 * What ran in every queue between `from` and now (name → count, seconds, failures), and what waits
 * delayed (a retry's backoff: the queues' idle does not wait for it, so its work falls in a later
 * phase). Logged at each maintenance phase's end: a phase's time is explained by the jobs it ran.
 */
async function jobsSince(stack: LocalStack, from: number): Promise<{ ran: Record<string, { count: number; s: number; failed: number; capped?: true }>; delayed: string[] }> {
  const queues = stack.runtime.partitions.flatMap((p) => Object.values(p)) as unknown as QueueLike[];
  const ran: Record<string, { count: number; s: number; failed: number; capped?: true }> = {};
  const ms: Record<string, number> = {};
  const delayed: string[] = [];
  for (const q of queues) {
    for (const state of ['completed', 'failed'] as const) {
      const jobs = await q.getJobs([state], 0, JOBS_READ - 1);
      for (const j of jobs) {
        if (!j.finishedOn || j.finishedOn < from) continue;
        const r = (ran[j.name] ??= { count: 0, s: 0, failed: 0 });
        r.count++;
        ms[j.name] = (ms[j.name] ?? 0) + j.finishedOn - (j.processedOn ?? j.finishedOn);
        if (state === 'failed') r.failed++;
        if (jobs.length >= JOBS_READ) r.capped = true;
      }
    }
    // Job schedulers keep their next run delayed until tomorrow: only what is due within the hour.
    for (const j of await q.getJobs(['delayed'], 0, JOBS_READ - 1)) if (j.timestamp + (j.delay ?? 0) < Date.now() + 3_600_000) delayed.push(`${j.name} in ${secs(j.timestamp + (j.delay ?? 0) - Date.now())} s`);
  }
  for (const [name, r] of Object.entries(ran)) r.s = secs(ms[name]!);
  return { ran, delayed };
}

async function sayJobsSince(stack: LocalStack, phase: string, from: number): Promise<void> {
  const { ran, delayed } = await jobsSince(stack, from);
  say(`${phase}: jobs ${JSON.stringify(ran)}${delayed.length ? `; delayed ${delayed.join(', ')}` : ''}`);
}

/** The nightly recalibration, the recency sweep and a settings dry run, each enqueued as the schedules (or the dashboard) do and waited for. */
async function maintenance(stack: LocalStack): Promise<{ recalibrateS: number; recalibrateAttempts: number | null; recalibrateWritten: number | null; recalibrateStepsMs: unknown; recencySweepS: number; recencySweepJobS: number; recencyQueued: number | null; recencyCovered: boolean | null; settingsPreviewS: number; previewWouldChange: number }> {
  const queues = stack.runtime.queuesFor(SHOP);
  // No recalibration may be pending before ours (one in its backoff, say): ours would be deduplicated
  // into it. The nightly schedule's next run (a delayed job of the job scheduler) is not one.
  const recalibration = (j: { name: string; repeatJobKey?: string }): boolean => j.name === 'recalibrate-shop' && !j.repeatJobKey;
  const pending = async (): Promise<number> => (await queues.recalibrate.getJobs(['waiting', 'prioritized', 'active', 'delayed'])).filter(recalibration).length;
  const tWait = Date.now();
  while ((await pending()) > 0) {
    if (Date.now() - tWait > timeLimitMs) throw new Error('a recalibration is still pending before the nightly one');
    await new Promise((r) => setTimeout(r, 1000));
  }
  const t0 = Date.now();
  markPhase('recalibrate');
  await stack.runtime.enqueue.recalibrateShop(SHOP, 'nightly');
  // Waited for by its id, not by idle queues: a failed attempt waits out its backoff as a delayed job, which idle queues do not count.
  const enqueued = (await queues.recalibrate.getJobs(['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'])).find((j) => recalibration(j) && j.timestamp >= t0);
  if (!enqueued) throw new Error('the nightly recalibration job was not found after it was enqueued');
  let recal: Record<string, unknown> | null = null;
  try {
    recal = await stack.waitFor(enqueued, timeLimitMs) as Record<string, unknown>;
  } catch (err) {
    // Its failure is reported with the run's other figures, not in place of them.
    say(`recalibration did not complete: ${(err as Error).message}`);
  }
  const attempts = await queues.recalibrate.getJob(enqueued.id!);
  if (attempts?.stacktrace?.length) say(`recalibration: ${attempts.stacktrace.length} failed attempt(s): ${attempts.stacktrace.map((t) => t.split('\n')[0]).join(' | ')}`);
  await stack.idle(timeLimitMs);
  await stack.sim.webhooksIdle();
  await stack.idle(timeLimitMs);
  const recalibrateS = secs(Date.now() - t0);
  say(`recalibrated in ${recalibrateS} s (attempts ${attempts?.attemptsMade ?? '?'}): ${recal?.written ?? '?'} profiles written, steps (ms) ${JSON.stringify(recal?.stepsMs ?? null)}, books read again from ${String(recal?.booksReadAgainFrom ?? '?')}`);
  await sayJobsSince(stack, 'recalibrate', t0);
  // Each phase is timed from its own start: the logging above is not in it.
  const t1 = Date.now();
  markPhase('recencySweep');
  const sweepJob = await stack.runtime.enqueue.recencySweep(SHOP);
  // The sweep's own result as soon as it is there (a failed sweep fails the run): a run stopped while later work drains still tells.
  const sweep = await stack.waitFor(sweepJob, timeLimitMs) as Record<string, unknown> | null;
  // The job's own run, from when a worker took it to when it finished.
  const ran = await queues.maintenance.getJob(sweepJob.id!);
  const recencySweepJobS = secs((ran?.finishedOn ?? Date.now()) - (ran?.processedOn ?? t1));
  say(`recency sweep done in ${recencySweepJobS} s: ${JSON.stringify(sweep)}`);
  await stack.idle(timeLimitMs);
  await stack.sim.webhooksIdle();
  await stack.idle(timeLimitMs);
  const recencySweepS = secs(Date.now() - t1);
  await sayJobsSince(stack, 'recencySweep', t1);
  // What Settings → Preview runs: the whole shop recalibrated and segmented with a proposed change, nothing written.
  const t2 = Date.now();
  markPhase('settingsPreview');
  const settings = (await shopPort(stack.deps).get(SHOP))!.settings;
  const next = { ...settings, families: { ...settings.families, rfm: false } };
  const { job } = await stack.runtime.enqueue.previewSettings(SHOP, next, settingsHash(next));
  const preview = await stack.waitFor(job, timeLimitMs) as PreviewResult;
  markPhase('upkeepEnd');
  // What each job did: how many profiles the recalibration rewrote, how many customers the sweep found due (each then recomputed).
  return {
    recalibrateS, recalibrateAttempts: attempts?.attemptsMade ?? null, recalibrateWritten: (recal?.written as number | undefined) ?? null, recalibrateStepsMs: recal?.stepsMs ?? null,
    recencySweepS, recencySweepJobS, recencyQueued: (sweep?.queued as number | undefined) ?? null,
    // Skipped without reading the profiles: the recalibration just before computed every profile today (recency-sweep.ts).
    recencyCovered: sweep ? sweep.covered === 1 : null,
    settingsPreviewS: secs(Date.now() - t2), previewWouldChange: preview.wouldChange,
  };
}

const ROOT = resolve(import.meta.dirname, '..');

/**
 * One of the app's processes as production runs it (`node jobs/main.ts` as `npm run start:worker`,
 * `node web/main.ts` as `npm run start:web`) against the same Redis, FerretDB and simulator, on the
 * run's fixed day (ENGINE_AS_OF); its warnings go to <name>.log in the run's directory.
 */
function startAppProcess(name: string, script: string, env: Record<string, string>, dir: string): ChildProcess {
  const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(join(dir, `${name}.log`));
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  // A process that dies mid-run fails the run at once (its jobs would wait out the time limit), with its last words.
  child.once('exit', (code, signal) => {
    if (stopping) return;
    log.end(() => {
      const tail = readFileSync(join(dir, `${name}.log`), 'utf8').trim().split('\n').slice(-8).join('\n');
      say(`${name} ${child.pid} exited by itself (${code ?? signal}):\n${tail}`);
      process.exit(1);
    });
  });
  child.once('error', (err) => { say(`${name} could not start: ${err.message}`); process.exit(1); });
  return child;
}
let stopping = false;

/** The settings the web app of this process has, for the app's processes (web, workers). */
function appProcessEnv(stack: LocalStack, env: Record<string, string>): Record<string, string> {
  return {
    ...env, NODE_ENV: 'development', SHOPIFY_APP_URL: stack.config.SHOPIFY_APP_URL, SHOPIFY_API_ORIGIN: stack.sim.url,
    DEMO_MODE: 'true', LOG_LEVEL: 'warn', ENGINE_AS_OF: new Date(ASOF).toISOString(),
    // The in-process app reads none of these from the shell or a .env file: neither may these processes (empty = unset).
    REDIS_CLUSTER_NODES: '', QUEUE_PARTITIONS: '', BULK_MUTATION_THRESHOLD: '', WORKER_CONCURRENCY: '', JOB_LOCK_MS: '',
    WEBHOOK_INLINE_LIMIT: '', WEBHOOK_REPLICA_ACK_MS: '', TRUST_PROXY: '', SHOPIFY_API_SECRET_PREVIOUS: '', ENCRYPTION_KEY_PREVIOUS: '',
    // The ingest mode as the in-process app has it (it may come from the shell: local-stack.ts).
    WEBHOOK_MODE: stack.config.WEBHOOK_MODE, WEBHOOK_CONCURRENCY: String(stack.config.WEBHOOK_CONCURRENCY),
  };
}

/** The run's worker processes, with the web app's settings. */
function workersFor(stack: LocalStack, env: Record<string, string>, dir: string): ChildProcess[] {
  return Array.from({ length: workerProcesses }, (_, i) => startAppProcess(`worker-${i}`, 'jobs/main.ts', appProcessEnv(stack, env), dir));
}

/** The web app in a process of its own on `port` (webhooks, ingest; procs.web from its start), once it answers /health. */
async function webFor(stack: LocalStack, env: Record<string, string>, dir: string, port: number): Promise<void> {
  procs.web = startAppProcess('web', 'web/main.ts', { ...appProcessEnv(stack, env), PORT: String(port), HOST: '127.0.0.1' }, dir);
  await pollUntil('the web process to answer', () => fetch(`${stack.appUrl}/health`).then((r) => r.ok, () => false), { timeoutMs: 120_000, intervalMs: 200 });
}

/** The app's processes of the run (started by startAppProcesses). */
const procs: { workers: ChildProcess[]; web: ChildProcess | null } = { workers: [], web: null };
const appProcesses = (): ChildProcess[] => [...procs.workers, ...(procs.web ? [procs.web] : [])];

/**
 * The local stack (simulator; web app and worker here only with --web-processes 0 / --worker-processes 0),
 * then the web process and the workers, serving; `peaks` reads their memory from then on.
 */
async function startStack(env: Record<string, string>, dir: string): Promise<LocalStack> {
  const webPort = webProcess ? await freePort() : 0;
  const stack = await startLocalStack({
    logger: createLogger({ level: 'warn', destination: process.stderr }), asOf: ASOF, dbName: 'scale', env,
    simulator: { seed, webhooks: { concurrency: 16, keepLog: false } }, inProcessWorker: workerProcesses === 0,
    ...(webProcess ? { webUrl: `http://127.0.0.1:${webPort}` } : {}),
  });
  if (webProcess) await webFor(stack, env, dir, webPort);
  procs.workers = workersFor(stack, env, dir);
  await workersServing(stack);
  const { workers, web } = procs;
  say(workerProcesses ? `${workerProcesses} worker process(es): ${workers.map((w) => w.pid).join(', ')}` : 'the worker runs in this process');
  say(web ? `web process ${web.pid} at ${stack.appUrl}` : 'the web app runs in this process');
  const own = () => peakRssOf(process.pid);
  peaks = () => ({ simulator: own(), web: web ? peakRssOf(web.pid) : own(), worker: workers.length ? Math.max(...workers.map((w) => peakRssOf(w.pid))) : own() });
  return stack;
}

/** Until the worker processes serve the queues: their start (imports, connections) is not the backfill's. */
async function workersServing(stack: LocalStack): Promise<void> {
  if (!workerProcesses) return;
  const resyncQueue = stack.runtime.queuesFor(SHOP).resync;
  await pollUntil('the worker processes to serve the queues', async () => (await resyncQueue.getWorkersCount()) >= workerProcesses, { timeoutMs: 120_000, intervalMs: 200 });
}

/** SIGTERM (a worker finishes its jobs and closes), SIGKILL after 15 s. */
async function stopWorkerProcesses(children: readonly ChildProcess[]): Promise<void> {
  stopping = true;
  await stopChildren(children);
}

async function databaseMb(stack: LocalStack): Promise<number> {
  const s = await stack.deps.mongo.db!.stats().catch(() => null) as { totalSize?: number; storageSize?: number; dataSize?: number } | null;
  return Math.round((s?.totalSize ?? s?.storageSize ?? s?.dataSize ?? 0) / 1048576);
}

/** Database size per customer measured at 100,000 customers (2,960 MB: profiles, books, events, index, with SQLite's WAL). */
const DB_BYTES_PER_CUSTOMER = 30_000;

/**
 * The private servers' data in memory (/dev/shm) when the shop's database fits with room to spare (a
 * third of the free memory and of /dev/shm's free space), else on disk: a million customers is ≈ 30 GB.
 */
function dataInMemory(): boolean {
  let shmFree = 0;
  try {
    const fs = statfsSync('/dev/shm');
    shmFree = fs.bavail * fs.bsize;
  } catch { /* no /dev/shm */ }
  return customers * DB_BYTES_PER_CUSTOMER < Math.min(shmFree, freemem()) / 3;
}

async function main(): Promise<void> {
  const handler = ferretdbHandler(false);
  const inMemory = dataInMemory();
  // Redis (its AOF fsynced at every write) always in memory; FerretDB's SQLite files where they fit.
  const base = tempBase('scale-', true);
  const dbBase = inMemory ? base : tempBase('scale-db-', false);
  say(`FerretDB's data in ${dbBase.dir} (${inMemory ? 'memory' : `disk: ≈ ${Math.round(customers * DB_BYTES_PER_CUSTOMER / 1e9)} GB expected, more than a third of the free memory`})`);
  // Also when the run is interrupted or stopped by its time limit (process.exit).
  process.once('exit', () => { base.remove(); dbBase.remove(); });
  const [redis, ferret] = await Promise.all([startPrivateRedis(base.dir, { durable: true }), startPrivateFerretdb(dbBase.dir)]);
  let stack: LocalStack | null = null;
  // A run stopped by its time limit or a signal leaves no worker or web process behind.
  process.once('exit', () => { for (const w of appProcesses()) w.kill('SIGKILL'); });
  try {
    say(`private redis :${redis.port}, FerretDB (${handler}) :${ferret.port}`);
    // The secrets the web app and the worker processes share (sealed tokens, token refresh).
    const env: Record<string, string> = {
      MONGODB_URI: `${ferret.url}/scale`, REDIS_URL: redis.url, QUEUE_PREFIX: 'scale', SHOPIFY_API_KEY: 'scale-api-key',
      SHOPIFY_API_SECRET: randomBytes(24).toString('hex'), ENCRYPTION_KEY: randomBytes(32).toString('hex'), SUPPORT_TOKEN: randomBytes(24).toString('hex'),
    };
    stack = await startStack(env, base.dir);
    const { workers, web } = procs;
    const tSeed = Date.now();
    stack.sim.createShop({ domain: SHOP, plan: 'plus', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], timezone: 'UTC', currency: 'USD', name: 'Scale' });
    // Streamed: the orders are generated from the seed when read, never all held (streamed-shop.ts).
    const seeded = stack.sim.seedSynthetic(SHOP, { customers, seed, asOf: ASOF - DAY, meanOrdersPerCustomer: ordersPerCustomer, maxOrdersPerCustomer: ordersPerCustomer * 4, model: 'streamed' });
    say(`seeded ${seeded.customers} customers, ${seeded.orders} orders in ${secs(Date.now() - tSeed)} s`);
    const t0 = Date.now();
    // A worker's last reading stays counted once its /proc entry is gone.
    const lastCpu = new Map<number, number>();
    const workerCpu = () => workers.reduce((sum, w) => {
      const now = cpuSecondsOf(w.pid);
      if (now > 0 && w.pid) lastCpu.set(w.pid, now);
      return sum + (w.pid ? lastCpu.get(w.pid) ?? 0 : 0);
    }, 0);
    const webCpu = () => {
      const now = cpuSecondsOf(web?.pid);
      if (now > 0) lastWebCpu = now;
      return lastWebCpu;
    };
    let lastWebCpu = 0;
    const cpu0 = { app: process.cpuUsage(), worker: workerCpu(), web: webCpu(), ferretdb: cpuSecondsOf(ferret.pid()), redis: cpuSecondsOf(redis.pid()), postgres: postgresCpuSeconds() };
    readCpu = () => {
      const u = process.cpuUsage();
      return { app: (u.user + u.system) / 1e6, worker: workerCpu(), web: webCpu(), ferretdb: cpuSecondsOf(ferret.pid()), redis: cpuSecondsOf(redis.pid()), postgres: handler === 'postgresql' ? postgresCpuSeconds() : 0 };
    };
    markPhase('backfill');
    await stack.install(SHOP);
    const resync = await resyncPhases(stack, t0);
    const tags = await tagAndEchoPhases(stack);
    const totalS = secs(Date.now() - t0);
    const echoes = stack.sim.stats(SHOP).webhooks;
    const appCpu = process.cpuUsage(cpu0.app);
    // CPU seconds of the run: wall time on this shared machine depends on what else runs; these less so.
    const cpuS = {
      app: secs((appCpu.user + appCpu.system) / 1000), ...(web ? { web: secs((webCpu() - cpu0.web) * 1000) } : {}), ...(workers.length ? { worker: secs((workerCpu() - cpu0.worker) * 1000) } : {}), ferretdb: secs((cpuSecondsOf(ferret.pid()) - cpu0.ferretdb) * 1000),
      redis: secs((cpuSecondsOf(redis.pid()) - cpu0.redis) * 1000),
      ...(handler === 'postgresql' ? { postgres: secs((postgresCpuSeconds() - cpu0.postgres) * 1000) } : {}),
    };
    say(`end to end ${totalS} s; verifying ${sampleSize} customers…`);
    markPhase('verify');
    const v = await verifySample(stack);
    for (const e of v.examples) say(`mismatch: ${e}`);
    const upkeep = values.maintenance ? await maintenance(stack) : undefined;
    const peak = peaks();
    const report = {
      customers: seeded.customers, orders: seeded.orders, backend: `FerretDB 1.24 on ${handler}`, databaseOn: inMemory ? 'memory' : 'disk',
      phases: { ...resync, ...tags }, totalS, cpuS,
      cpuByPhaseS: { ...cpuByPhase(['backfill', 'calibrate', 'recompute', 'tagSync', 'echoes', 'end']), ...cpuByPhase(['recalibrate', 'recencySweep', 'settingsPreview', 'upkeepEnd']) },
      // Peak resident memory (VmHWM) of each process; `worker` is the largest worker's. The simulator is
      // this process (with the benchmark's driver); the web app and the worker too with --web-processes 0 / --worker-processes 0.
      peakRssMb: { ...peak, sameProcess: ['simulator', ...(web ? [] : ['web']), ...(workers.length ? [] : ['worker'])].join('+') },
      databaseMb: await databaseMb(stack), sampleChecked: v.checked, mismatches: v.mismatches,
      webhooks: echoes, ...(upkeep ? { maintenance: upkeep } : {}),
    };
    console.log(values.json ? JSON.stringify(report) : JSON.stringify(report, null, 2));
    if (v.mismatches > 0) process.exitCode = 1;
  } finally {
    // No more webhooks to a web process that is closing; then the workers and the web process (they
    // call the simulator and the databases until they close).
    await stack?.sim.stopWebhooks();
    await stopWorkerProcesses(appProcesses());
    if (stack) await stack.close().catch((err: unknown) => say(`closing: ${(err as Error).message}`));
    for (const s of [redis, ferret]) await s.stop().catch(() => undefined);
    base.remove();
    dbBase.remove();
  }
}

// Interrupted: exit through process.exit so the private servers' exit hooks stop them (and drop a
// PostgreSQL-backed FerretDB's database).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
// The time limit bounds the whole run too, not only each wait: past it the run stops itself.
setTimeout(() => {
  say(`time limit of ${values['time-limit-min']} min reached: stopping; peak RSS MB so far ${JSON.stringify(peaks())}`);
  process.exit(124);
}, timeLimitMs).unref();

main().catch((err: unknown) => {
  console.error(`bench:scale: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
