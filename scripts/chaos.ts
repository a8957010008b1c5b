// Chaos suite: `npm run test:chaos` (reduced size, ~2 minutes) or `-- --full` (≥ 10,000 order webhooks
// for ≥ 2,000 customers). `--seed N` (default 7) drives the merchant actions, the simulator's webhook
// behaviour and, with `--jitter F`, moves each scheduled fault by up to ± F of the run. `--json` prints
// {webhooks, duplicates, restarts, customersChecked, mismatches, lost} (plus details). Exit code 0 only
// when nothing was lost, mismatched or held only by the drift check; a failure prints its explanation
// (verdict, customers, fault timeline, seed, replay command) to stdout and stderr.
// Self-test: `--inject-bug lost-tag-write` plants a bug in the workers (tag writes of 3 seeded customers
// acknowledged, never sent); the run must fail and name them.
// Soak: `--runs N --seed-from S` runs seeds S … S+N−1 one after another, each in its own process
// (fault jitter 0.1 unless given), and prints a summary: runs, failures, seeds, p50/p95 duration.
// See scripts/chaos/run.ts.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { percentileOfSorted, sortedAscending } from '../src/segments/percentiles.ts';
import { FULL, REDUCED, replayCommand, runChaos, type ChaosOptions, type ChaosReport } from './chaos/run.ts';
import type { InjectedBug } from './chaos/system.ts';

// Interrupted: exit, so the private servers and workers are killed by their exit hooks.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

const { values: a } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    customers: { type: 'string' },
    webhooks: { type: 'string' },
    seed: { type: 'string' },
    jitter: { type: 'string' },
    'time-limit': { type: 'string' },
    'token-lifetime': { type: 'string' },
    runs: { type: 'string' },
    'seed-from': { type: 'string' },
    'redis-cluster': { type: 'boolean', default: false },
    'inject-bug': { type: 'string' },
  },
});
// On the local Redis Cluster; the Redis fault kills a master (scripts/chaos/cluster.ts).
if (a['redis-cluster']) process.env.CHAOS_REDIS_CLUSTER = '1';

function num(name: keyof typeof a, min: number): number | undefined {
  const v = a[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || n < min) {
    console.error(`--${name} needs a number ≥ ${min}, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}

function bugName(v: string): InjectedBug {
  if (v !== 'lost-tag-write') {
    console.error(`--inject-bug knows: lost-tag-write, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return v;
}

const base: ChaosOptions = a.full ? FULL : REDUCED;
const runs = num('runs', 1);
const opts: ChaosOptions = {
  ...base,
  customers: num('customers', 1) ?? base.customers,
  orderWebhooks: num('webhooks', 1) ?? base.orderWebhooks,
  seed: num('seed', 0) ?? base.seed,
  jitter: num('jitter', 0) ?? (runs ? 0.1 : base.jitter),
  timeLimitMs: (num('time-limit', 1) ?? base.timeLimitMs / 1000) * 1000,
  tokenLifetimeMs: (num('token-lifetime', 0.001) ?? base.tokenLifetimeMs / 1000) * 1000,
  ...(a['inject-bug'] ? { injectBug: bugName(a['inject-bug']) } : {}),
  log: (line) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`),
};

function printReport(report: ChaosReport): void {
  const { details: x } = report;
  console.log(`order webhooks ${report.webhooks} (+${report.duplicates} duplicates), ${x.deliveries} deliveries, ${x.deliveryAttemptsFailed} failed attempts retried, ${x.deliveriesFailedForGood} given up`);
  console.log(`faults: redis restarts ${x.redisRestarts}, FerretDB restarts ${x.mongoRestarts}, worker SIGKILLs ${x.workerKills} (${x.workerKillsMidJob} mid-job), Admin API 5xx ${x.injected5xx} of ${x.adminApiCalls} calls, THROTTLED ${x.throttled}`);
  console.log(`tokens (lifetime ${x.tokens.lifetimeMs} ms): ${x.tokens.refreshes} refreshes (${x.tokens.refreshGrants} grants at Shopify), ${x.tokens.refreshFailures} failures, ${x.tokens.expiredTokenCalls} calls refused as expired, ${x.tokens.nonExpiringTokenCalls} with a non-expiring token`);
  console.log(`webhook answers during outages: ${JSON.stringify(x.webhookStatusesDuringOutages)}`);
  console.log(`checked ${report.customersChecked} customers: ${report.mismatches} mismatches (orders ${x.orderMismatches}, tags ${x.tagMismatches}, merchant tags ${x.merchantTagMismatches}), ${report.lost} lost; ${x.heldByHysteresis} held by hysteresis; ${x.heldByDriftCheck} lost writes held by the drift check (${x.staleTagReports} old tag reports, harmless)`);
  console.log(`unhandled rejections ${x.unhandledRejections}, worker crashes ${x.workerCrashes}, failed jobs ${x.failedJobs}, peak RSS web ${x.peakRssMb.web} MB / worker ${x.peakRssMb.workers} MB, ${x.durationS} s, drained ${x.drained}`);
  console.log(`phases (s): ${Object.entries(x.phases).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const e of x.examples) console.log(`  - ${e}`);
}

async function single(): Promise<number> {
  const report = await runChaos(opts);
  if (a.json) console.log(JSON.stringify(report, null, 2));
  else printReport(report);
  if (report.verdict.length > 0) {
    const text = report.explanation.join('\n');
    if (!a.json) console.log(text);
    console.error(text);
  }
  if (!a.json) console.log(report.verdict.length === 0 ? 'CHAOS OK' : 'CHAOS FAILED');
  return report.verdict.length === 0 ? 0 : 1;
}

interface SoakRun { seed: number; ok: boolean; durationS: number; webhooks: number; lost: number; mismatches: number; heldByDriftCheck: number; verdict: string }

/** One run in its own process (its servers, workers and memory go with it); its stderr passes through. */
function child(seed: number): Promise<SoakRun> {
  const args = ['scripts/chaos.ts', '--json', ...replayCommand({ ...opts, seed }).split(' -- ')[1]!.split(' ')];
  return new Promise((done) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.once('exit', (code) => {
      try {
        const r = JSON.parse(out) as ChaosReport;
        done({ seed, ok: code === 0, durationS: r.details.durationS, webhooks: r.webhooks, lost: r.lost, mismatches: r.mismatches, heldByDriftCheck: r.details.heldByDriftCheck, verdict: r.verdict.join('; ') || 'ok' });
      } catch {
        done({ seed, ok: false, durationS: 0, webhooks: 0, lost: 0, mismatches: 0, heldByDriftCheck: 0, verdict: `no report (exit ${code})` });
      }
    });
  });
}

async function soak(n: number): Promise<number> {
  const from = num('seed-from', 0) ?? opts.seed;
  const results: SoakRun[] = [];
  for (let i = 0; i < n; i++) {
    const seed = from + i;
    console.error(`[chaos soak] run ${i + 1}/${n}: ${replayCommand({ ...opts, seed })}`);
    const r = await child(seed);
    results.push(r);
    console.error(`[chaos soak] run ${i + 1}/${n}, seed ${seed}: ${r.ok ? 'passed' : `FAILED — ${r.verdict}`} (${r.durationS} s)`);
  }
  const failed = results.filter((r) => !r.ok);
  const durations = sortedAscending(results.filter((r) => r.durationS > 0).map((r) => r.durationS));
  const lines = [
    '| run | seed | result | webhooks | lost | mismatches | held by drift check | time |',
    '|---:|---:|---|---:|---:|---:|---:|---:|',
    ...results.map((r, i) => `| ${i + 1} | ${r.seed} | ${r.ok ? 'passed' : `**failed**: ${r.verdict}`} | ${r.webhooks} | ${r.lost} | ${r.mismatches} | ${r.heldByDriftCheck} | ${r.durationS} s |`),
    '',
    `runs ${results.length}, failures ${failed.length}${failed.length ? ` (seeds ${failed.map((r) => r.seed).join(', ')})` : ''}, seeds ${from}–${from + n - 1}, fault jitter ±${opts.jitter}, ` +
      `duration p50 ${percentileOfSorted(durations, 0.5)} s / p95 ${percentileOfSorted(durations, 0.95)} s`,
  ];
  if (a.json) console.log(JSON.stringify({ runs: results.length, failures: failed.length, failedSeeds: failed.map((r) => r.seed), results }, null, 2));
  else console.log(lines.join('\n'));
  console.error(lines.join('\n'));
  return failed.length === 0 ? 0 : 1;
}

process.exit(runs ? await soak(runs) : await single());
