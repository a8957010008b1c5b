// Drops every Redis key under a prefix — a test file's or a run's BullMQ prefix, queue partitions included — with SCAN and DEL in
// pages (never KEYS), on a connection of its own. Tests, the demo and the benchmarks clean up with it.
// With REDIS_CLUSTER_NODES (or `clusterNodes`) it scans every master of the cluster.
import { createRedis, keyPatterns, scanKeys } from '../src/redis.ts';

export async function deleteKeysUnder(redisUrl: string, prefix: string, clusterNodes = process.env.REDIS_CLUSTER_NODES): Promise<number> {
  const r = createRedis({ REDIS_URL: redisUrl, REDIS_CLUSTER_NODES: clusterNodes });
  let deleted = 0;
  try {
    // One key at a time on a cluster: keys of different prefixes may sit in different slots.
    // The prefix's own keys and those of its queue partitions (src/redis.ts partitionPrefixes).
    for (const pattern of keyPatterns(prefix)) for await (const keys of scanKeys(r, pattern)) deleted += clusterNodes ? (await Promise.all(keys.map((k) => r.del(k)))).reduce((a, b) => a + b, 0) : await r.del(...keys);
  } finally {
    r.disconnect();
  }
  return deleted;
}
