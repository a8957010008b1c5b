// Chaos suite: `npm run test:chaos` (reduced size, < 3 minutes) or `-- --full` (≥ 10,000 order webhooks
// for ≥ 2,000 customers). `--json` prints {webhooks, duplicates, restarts, customersChecked, mismatches,
// lost} (plus details). Exit code 0 only when nothing was lost or mismatched. See scripts/chaos/run.ts.
import { FULL, REDUCED, runChaos, type ChaosOptions } from './chaos/run.ts';

// Interrupted: exit, so the private servers and workers are killed by their exit hooks.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const num = (name: string): number | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};
const base: ChaosOptions = argv.includes('--full') ? FULL : REDUCED;
const opts: ChaosOptions = {
  ...base,
  ...(num('customers') ? { customers: num('customers')! } : {}),
  ...(num('webhooks') ? { orderWebhooks: num('webhooks')! } : {}),
  ...(num('seed') !== undefined ? { seed: num('seed')! } : {}),
  ...(num('time-limit') ? { timeLimitMs: num('time-limit')! * 1000 } : {}),
  ...(num('token-lifetime') ? { tokenLifetimeMs: num('token-lifetime')! * 1000 } : {}),
  log: (line) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`),
};

const report = await runChaos(opts);
const ok = report.lost === 0 && report.mismatches === 0 && report.details.unhandledRejections === 0 && report.details.workerCrashes === 0 && report.details.drained;
if (json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const { details: x } = report;
  console.log(`order webhooks ${report.webhooks} (+${report.duplicates} duplicates), ${x.deliveries} deliveries, ${x.deliveryAttemptsFailed} failed attempts retried, ${x.deliveriesFailedForGood} given up`);
  console.log(`faults: redis restarts ${x.redisRestarts}, FerretDB restarts ${x.mongoRestarts}, worker SIGKILLs ${x.workerKills} (${x.workerKillsMidJob} mid-job), Admin API 5xx ${x.injected5xx} of ${x.adminApiCalls} calls, THROTTLED ${x.throttled}`);
  console.log(`tokens (lifetime ${x.tokens.lifetimeMs} ms): ${x.tokens.refreshes} refreshes (${x.tokens.refreshGrants} grants at Shopify), ${x.tokens.refreshFailures} failures, ${x.tokens.expiredTokenCalls} calls refused as expired, ${x.tokens.nonExpiringTokenCalls} with a non-expiring token`);
  console.log(`webhook answers during outages: ${JSON.stringify(x.webhookStatusesDuringOutages)}`);
  console.log(`checked ${report.customersChecked} customers: ${report.mismatches} mismatches (orders ${x.orderMismatches}, tags ${x.tagMismatches}, merchant tags ${x.merchantTagMismatches}), ${report.lost} lost; ${x.heldByHysteresis} held by hysteresis`);
  console.log(`unhandled rejections ${x.unhandledRejections}, worker crashes ${x.workerCrashes}, failed jobs ${x.failedJobs}, peak RSS web ${x.peakRssMb.web} MB / worker ${x.peakRssMb.workers} MB, ${x.durationS} s, drained ${x.drained}`);
  for (const e of x.examples) console.log(`  - ${e}`);
  console.log(ok ? 'CHAOS OK' : 'CHAOS FAILED');
}
process.exit(ok ? 0 : 1);
