// Web entry: `npm run start:web` (HTTP only) or `npm start` (= --with-worker: HTTP and the worker in
// one process, for a small install). Graceful shutdown: stop accepting connections, let in-flight
// requests finish, stop workers (current jobs finish or are released), close connections.
import type { Server } from 'node:http';
import { loadConfigFromProcess } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { createJobRuntime } from '../jobs/runtime.ts';
import { createShopifyPort } from '../jobs/shopify-port.ts';
import { onShutdownSignal } from '../jobs/shutdown.ts';
import { createApp } from './app.ts';
import { startWebhookIngest } from './webhook-ingest.ts';
import { installOnFirstUse } from './admin/install-on-first-use.ts';
import { dashboardMounts } from './mounts.ts';
import { dashboardPortsFrom } from './ports.ts';
import { removeStaleSpills } from '../jobs/batch-spill.ts';
import { boundHeapGrowth } from '../src/heap-growth.ts';

export function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => { clearTimeout(timer); resolve(); });
    server.closeIdleConnections();
  });
}

const withWorker = process.argv.includes('--with-worker');
const config = loadConfigFromProcess();
boundHeapGrowth(config.HEAP_GROWING_PERCENT);
// ENGINE_AS_OF (tests, benchmarks; refused in production), as the worker reads it (jobs/main.ts): what
// this process queues, shows and times is on that day, not the wall clock.
const asOf = config.ENGINE_AS_OF;
const deps = await createDeps(config, asOf !== undefined ? { now: () => asOf } : {});
const runtime = createJobRuntime(deps, { shopify: createShopifyPort(deps), ...(asOf !== undefined ? { asOf } : {}) });
if (withWorker) {
  // Before this process's first pass, as jobs/main.ts: the spill files a killed worker left (jobs/batch-spill.ts).
  await removeStaleSpills(deps.logger);
  runtime.startWorkers();
  await runtime.enqueue.ensureGlobalSchedules();
}
// Queued ingest (default): this process also stores the deliveries it accepted (webhooks/consumer.ts).
const ingest = startWebhookIngest(deps, runtime);
// deps.config: QUEUE_PREFIX hash-tagged on a cluster, as every key of the app (the admin API's rate limit).
const mounts = dashboardMounts(dashboardPortsFrom(deps, runtime, asOf), { config: deps.config, redis: deps.redis, logger: deps.logger, onVerified: installOnFirstUse(deps, runtime) });
const app = createApp({ deps, effects: runtime.enqueue, ...ingest.app, mounts, ...(asOf !== undefined ? { signalNow: () => asOf } : {}) });
const server = app.listen(config.PORT, config.HOST, () => {
  deps.logger.info({ port: config.PORT, host: config.HOST, withWorker }, 'web listening');
});

onShutdownSignal(deps.logger, async () => {
  await closeServer(server);
  await ingest.close();
  await runtime.close();
  await deps.close();
});
