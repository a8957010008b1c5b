// The one Redis connection factory: a single server (REDIS_URL) or a Redis Cluster
// (REDIS_CLUSTER_NODES, ioredis' Cluster client). Everything else receives the client from here.
//
// On a cluster every key of the app carries a hash tag, so that the keys one command, script, MULTI or
// pipeline touches share one slot: BullMQ requires each queue's keys in one slot and documents a prefix
// with a hash tag for that (https://docs.bullmq.io/patterns/redis-cluster, "Redis Cluster"; BullMQ's
// Lua scripts touch several keys of a queue at once), and the app's own multi-key operations (tag sync
// state scripts, per-document locks, per-shop counters) need the same. QUEUE_PREFIX becomes `{QUEUE_PREFIX}`.
//
// The queues are partitioned by shop (QUEUE_PARTITIONS, default 1 on a single server and 6 on a
// cluster): partition k of every queue lives under its own hash tag `{QUEUE_PREFIX-p<k>}`, so the
// partitions spread over the cluster's masters, and a shop always maps to the same partition (a stable
// hash of its domain), which keeps its job ids, deduplication ids and ordering in one queue.
//
// The app's own per-shop keys follow the shop into its partition (ShopKeys): tag sync state, the
// derived buffer, shop work counters, metafield digests, the flow outbox, token locks and stats,
// per-document locks, tag-echo markers, bulk-operation signals and the per-shop signal rate limits all
// live under `{QUEUE_PREFIX-p<k>}` for a shop of partition k. Every multi-key script, MULTI and
// pipeline of the app touches the keys of one shop only, so they stay in one slot; and one master no
// longer carries every shop's tag-echo markers and tag state. What stays under the plain prefix (one
// slot on a cluster) is what no shop owns or what is rare: the signal drop counters (counted before any
// shop is trusted), the per-IP signal rate limit (no shop known yet), the admin API's per-shop rate
// limit (merchant admin requests: a few a minute; one counter each), and the bulk-operation pub/sub
// channel (a channel name, not a key: PUBLISH reaches every node whatever its name hashes to).
// With one partition a shop's prefix is QUEUE_PREFIX itself: a single server keeps exactly its keys.
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

/** SCAN patterns that match every key under the prefix, its partitions included (queues and the shops' own keys). */
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

/**
 * Where a shop's own keys live: under the prefix of the shop's queue partition (partitionPrefixes,
 * partitionOf), so on a cluster each shop's keys share one slot — the slot of its queues — and
 * different shops' keys spread over the masters. Built once from QUEUE_PREFIX and the partition count
 * the job runtime uses (src/deps.ts shopKeysFrom). With one partition `of(shop)` is the prefix itself.
 */
export class ShopKeys {
  /** The plain (hash-tagged on a cluster) prefix: global keys, pub/sub channels. */
  readonly prefix: string;
  readonly partitions: number;
  /** Partition k's prefix at index k. */
  readonly prefixes: readonly string[];
  // The last shop asked for: callers ask for one shop many times in a row (a tag-echo marker per customer).
  #last: { shop: string; prefix: string } | null = null;

  constructor(prefix: string, partitions = 1) {
    this.prefix = prefix;
    this.partitions = Math.max(1, partitions);
    this.prefixes = partitionPrefixes(prefix, this.partitions);
  }

  /** The prefix of the shop's keys. */
  of(shop: string): string {
    if (this.partitions === 1) return this.prefix;
    if (this.#last?.shop !== shop) this.#last = { shop, prefix: this.prefixes[partitionOf(shop, this.partitions)]! };
    return this.#last.prefix;
  }

  /** One `make(prefix)` per partition, picked by shop: for per-shop objects whose key prefix is fixed (rate limiters). */
  perShop<T>(make: (prefix: string) => T): (shop: string) => T {
    const made = this.prefixes.map(make);
    return (shop) => made[this.partitions === 1 ? 0 : partitionOf(shop, this.partitions)]!;
  }
}

/** A string is one partition: the keys a single Redis (and every test that passes a prefix) always had. */
export const shopKeysOf = (keys: ShopKeys | string): ShopKeys => (typeof keys === 'string' ? new ShopKeys(keys) : keys);

/** SCAN over every master of a cluster (a single server: itself), yielding pages of matching keys. */
export async function* scanKeys(r: Redis, pattern: string, count = 1000): AsyncGenerator<string[]> {
  // A Cluster client knows its masters only once ready (until then its node list is empty, then the
  // startup nodes, replicas included): a new client's first SCAN waits for it (the PING is queued until then).
  if (isCluster(r) && (r as unknown as Cluster).status !== 'ready') await r.ping();
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
