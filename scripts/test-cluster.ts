// The integration tests that exercise Redis, run against a local Redis Cluster (3 masters, 3 replicas;
// tools/redis-cluster/cluster.ts) with REDIS_CLUSTER_NODES set: queues, the pipeline, tag sync state,
// queued webhooks, token refresh locks, erasure (SCAN over every master) and the support/admin APIs.
//   npm run test:cluster            (starts the cluster if needed and leaves it running)
//   npm run test:cluster -- --down  (stops it afterwards)
import { spawnSync } from 'node:child_process';
import { clusterDown, clusterUp } from '../tools/redis-cluster/cluster.ts';

export const CLUSTER_SUITE = [
  'test/jobs/',
  'test/webhooks/queued',
  'test/shopify/offline-tokens',
  'test/security/2-erasure',
  'test/security/4-no-request-path',
  'test/e2e/webhook-to-tags',
  'test/web/support-api',
];

const base = Number(process.env.REDIS_CLUSTER_BASE_PORT ?? 7000);
let nodes: string;
try {
  nodes = (await clusterUp(base)).nodes;
} catch (err) {
  console.error(`[test:cluster] the local Redis Cluster could not start, so the cluster suite did not run: ${(err as Error).message}`);
  process.exit(1);
}
console.error(`[test:cluster] REDIS_CLUSTER_NODES=${nodes}`);
const r = spawnSync(process.execPath, ['scripts/run-tests.ts', 'int', ...CLUSTER_SUITE], {
  stdio: 'inherit',
  env: { ...process.env, REDIS_CLUSTER_NODES: nodes },
});
if (process.argv.includes('--down')) clusterDown(base);
process.exit(r.status ?? 1);
