// The one Redis connection factory: a single server (REDIS_URL) or a Redis Cluster
// (REDIS_CLUSTER_NODES, ioredis' Cluster client). Everything else receives the client from here.
//
// On a cluster every key of the app lives under one hash tag, `{QUEUE_PREFIX}`: BullMQ requires each
// queue's keys in one slot and documents a prefix with a hash tag for that
// (https://docs.bullmq.io/patterns/redis-cluster, "Redis Cluster"; BullMQ's Lua scripts touch
// several keys of a queue at once). The app's own multi-key operations (tag sync state scripts, per-
// document locks, per-shop counters) need the same, so the whole prefix is tagged.
//
// The queues themselves are partitioned by shop (QUEUE_PARTITIONS, default 1 on a single server and 6 on
// a cluster): partition k of every queue lives under its own hash tag `{QUEUE_PREFIX-p<k>}`, so the
// partitions spread over the cluster's masters, and a shop always maps to the same partition (a stable
// hash of its domain), which keeps its job ids, deduplication ids and ordering in one queue.
import { createHash } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export interface RedisTarget {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string | undefined;
}

export function clusterNodes(spec: string): Array<{ host: string; port: number }> {
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map((hp) => {
    const i = hp.lastIndexOf(':');
    return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
  });
}

/**
 * A client for the configured Redis. The Cluster client is returned typed as Redis: it offers the same
 * commands (routed by key slot), which is all the app uses; what differs (SCAN, see scanKeys) is
 * handled here.
 */
export function createRedis(target: RedisTarget, options: RedisOptions = {}): Redis {
  if (!target.REDIS_CLUSTER_NODES) return new Redis(target.REDIS_URL, options);
  const cluster = new Cluster(clusterNodes(target.REDIS_CLUSTER_NODES), {
    redisOptions: options,
    lazyConnect: options.lazyConnect ?? false,
    // After a failover the client re-reads the slot map; commands wait meanwhile (BullMQ's blocking
    // connections need maxRetriesPerRequest: null, passed through redisOptions).
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
    enableOfflineQueue: true,
  });
  return cluster as unknown as Redis;
}

export const isCluster = (r: Redis): boolean => (r as unknown) instanceof Cluster;

/** The prefix with a hash tag on a cluster (idempotent), unchanged on a single server. */
export function keyPrefix(prefix: string, cluster: boolean): string {
  if (!cluster || /^\{[^}]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}

/** Queue partitions when QUEUE_PARTITIONS is unset: one on a single server, six on a cluster (two per master of the smallest cluster). */
export const defaultPartitions = (cluster: boolean): number => (cluster ? 6 : 1);

/**
 * The key prefix of each queue partition: the prefix itself when there is one partition (so a single
 * server keeps the keys it always had), else `{inner-p<k>}` for a hash-tagged prefix `{inner}` (each
 * partition its own slot) and `prefix-p<k>` for an untagged one.
 */
export function partitionPrefixes(prefix: string, partitions: number): string[] {
  if (partitions <= 1) return [prefix];
  const tagged = /^\{([^}]+)\}(.*)$/.exec(prefix);
  return Array.from({ length: partitions }, (_, k) => (tagged ? `{${tagged[1]}-p${k}}${tagged[2]}` : `${prefix}-p${k}`));
}

/** SCAN patterns that match every key under the prefix, its queue partitions included. */
export function keyPatterns(prefix: string): string[] {
  const tagged = /^\{([^}]+)\}(.*)$/.exec(prefix);
  return [`${prefix}:*`, tagged ? `{${tagged[1]}-p[0-9]*}${tagged[2]}:*` : `${prefix}-p[0-9]*:*`];
}

/**
 * The partition of a shop: the first 32 bits of SHA-256 of its domain, modulo the partition count.
 * Stable across processes, restarts and Node versions (unlike a JS string hash), and uniform enough
 * (the bias of the modulo is below 2^-26 for any count up to 64).
 */
export function partitionOf(shop: string, partitions: number): number {
  if (partitions <= 1) return 0;
  return createHash('sha256').update(shop).digest().readUInt32BE(0) % partitions;
}

/** SCAN over every master of a cluster (a single server: itself), yielding pages of matching keys. */
export async function* scanKeys(r: Redis, pattern: string, count = 1000): AsyncGenerator<string[]> {
  const nodes = isCluster(r) ? (r as unknown as Cluster).nodes('master') : [r];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }
}
