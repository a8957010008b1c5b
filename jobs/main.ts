// Worker entry: `npm run start:worker [-- --queues recompute-customer,sync-tags]`. Any number of
// workers can run against one Redis; each takes jobs from the queues it serves.
import { loadConfigFromProcess } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { createJobRuntime } from './runtime.ts';
import { createShopifyPort } from './shopify-port.ts';
import { QUEUE, type QueueName } from './queues.ts';
import { onShutdownSignal } from './shutdown.ts';
import { removeStaleSpills } from './batch-spill.ts';
import { boundHeapGrowth } from '../src/heap-growth.ts';

function queuesFromArgs(argv: readonly string[]): QueueName[] | undefined {
  const i = argv.indexOf('--queues');
  if (i < 0) return undefined;
  const known = new Set<string>(Object.values(QUEUE));
  const names = (argv[i + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length || names.length === 0) throw new Error(`--queues takes a comma list of: ${[...known].join(', ')}`);
  return names as QueueName[];
}

const config = loadConfigFromProcess();
boundHeapGrowth(config.HEAP_GROWING_PERCENT);
// ENGINE_AS_OF (tests, chaos suite; refused in production): jobs without their own as-of — the nightly
// recalibration, the recency sweep, recomputes a worker queues — run on that day, not the wall clock.
const asOf = config.ENGINE_AS_OF;
const deps = await createDeps(config, asOf !== undefined ? { now: () => asOf } : {});
const runtime = createJobRuntime(deps, { shopify: createShopifyPort(deps), ...(asOf !== undefined ? { asOf } : {}) });
const queues = queuesFromArgs(process.argv.slice(2));
// Before this worker's first pass: the spill files a killed worker left (batch-spill.ts).
await removeStaleSpills(deps.logger);
runtime.startWorkers(queues ? { queues } : {});
await runtime.enqueue.ensureGlobalSchedules();
deps.logger.info({ queues: queues ?? 'all', concurrency: config.WORKER_CONCURRENCY }, 'worker started');

onShutdownSignal(deps.logger, async () => {
  await runtime.close();
  await deps.close();
});
