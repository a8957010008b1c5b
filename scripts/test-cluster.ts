// The integration tests that exercise Redis, run against a local Redis Cluster (3 masters, 3 replicas;
// tools/redis-cluster/cluster.ts) with REDIS_CLUSTER_NODES set: queues and their partitions, the
// pipeline, tag sync state, queued webhooks, token refresh locks, erasure (SCAN over every master), the
// support/admin APIs and the move of the shops' keys to their partitions (segments move-shop-keys).
//   npm run test:cluster            (starts the cluster if needed and leaves it running)
//   npm run test:cluster -- --down  (stops it afterwards)
//   node scripts/test-cluster.ts --ci   (`npm test`: the CI subset below; skipped, not failed, when the
//                                        machine has no redis-server; stops the cluster if it started it)
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
  'test/cli/move-shop-keys',
];

/**
 * What `npm test` runs on the cluster: the files whose code differs on a cluster — queue partitions and
 * their keys on several masters, BullMQ's and the tag-sync state's Lua scripts (one slot per script),
 * queued webhooks through the partitioned consumer, token-refresh locks, erasure's SCAN over every
 * master and every partition, the queue board over all partitions, the shops' own keys beside their
 * partitions (moved there across masters by segments move-shop-keys) — and the whole product once
 * (webhook → tags). The rest of CLUSTER_SUITE runs the same code paths again; `npm run test:cluster`
 * keeps running all of it.
 */
export const CLUSTER_CI_SUITE = [
  'test/jobs/partitions',
  'test/jobs/pipeline',
  'test/webhooks/queued',
  'test/shopify/offline-tokens',
  'test/security/2-erasure',
  'test/web/support-api',
  'test/e2e/webhook-to-tags',
  'test/cli/move-shop-keys',
];

const ci = process.argv.includes('--ci');
const base = Number(process.env.REDIS_CLUSTER_BASE_PORT ?? 7000);
const hasRedis = ['redis-server', 'redis-cli'].every((bin) => spawnSync(bin, ['--version']).status === 0);
if (ci && !hasRedis) {
  console.error('[test:cluster] skipped: no redis-server/redis-cli on this machine (Debian: apt-get install -y redis-server)');
  process.exit(0);
}
const wasUp = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(base), 'ping'], { encoding: 'utf8', timeout: 5000 }).stdout?.trim() === 'PONG';
let nodes: string;
try {
  nodes = (await clusterUp(base)).nodes;
} catch (err) {
  console.error(`[test:cluster] the local Redis Cluster could not start, so the cluster suite did not run: ${(err as Error).message}`);
  process.exit(1);
}
console.error(`[test:cluster] REDIS_CLUSTER_NODES=${nodes}${ci ? ' (CI subset)' : ''}`);
const r = spawnSync(process.execPath, ['scripts/run-tests.ts', 'int', ...(ci ? CLUSTER_CI_SUITE : CLUSTER_SUITE)], {
  stdio: 'inherit',
  env: { ...process.env, REDIS_CLUSTER_NODES: nodes },
});
if (process.argv.includes('--down') || (ci && !wasUp)) clusterDown(base);
process.exit(r.status ?? 1);
