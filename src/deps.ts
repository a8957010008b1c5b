// Composition root: builds every client and store once from validated Config. Nothing else creates
// MongoDB or Redis connections. Queues and the job context are built on top of this in
// jobs/runtime.ts (src/ may not import jobs/, see docs/ARCHITECTURE.md).
import mongoose, { type Connection } from 'mongoose';
import type { Redis } from 'ioredis';
import { createRedis, defaultPartitions, keyPrefix, ShopKeys } from './redis.ts';
import type { Config } from './config.ts';
import { decodeKey } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { CustomerProfileStore } from './profiles/customer-profile-store.ts';
import { SegmentEventStore } from './profiles/segment-event-store.ts';
import { CalibrationStore } from './profiles/calibration-store.ts';
import { OrderStore } from './profiles/order-store.ts';
import { DocLocks } from './profiles/doc-locks.ts';
import { ShopStore } from './profiles/shop-store.ts';
import { WebhookDeliveryStore } from './profiles/webhook-delivery-store.ts';
import { DeadLetterStore } from './profiles/dead-letter-store.ts';
import { EngagementStore } from './profiles/engagement-store.ts';
import { PixelClientStore } from './profiles/pixel-client-store.ts';
import { SignalSourceStore } from './profiles/signal-source-store.ts';
import { MongoSessionStore } from './profiles/session-store.ts';
import { DataRequestStore } from './profiles/data-request-store.ts';
import { DerivedBuffer } from './profiles/derived-buffer.ts';
import { TagSyncState } from './profiles/tag-sync-state.ts';
import { ShopWork } from './profiles/shop-work.ts';
import { Keyring } from './shopify/token-crypto.ts';
import { createMissingIndexes } from './profiles/missing-indexes.ts';

export interface Stores {
  /** Per-shop work counters and failure log (Redis): status reads count, they do not list jobs. */
  shopWork: ShopWork;
  /** Applied/pending app tags per customer (Redis). */
  tagState: TagSyncState;
  profiles: CustomerProfileStore;
  events: SegmentEventStore;
  calibrations: CalibrationStore;
  orders: OrderStore;
  shops: ShopStore;
  deliveries: WebhookDeliveryStore;
  deadLetters: DeadLetterStore;
  engagement: EngagementStore;
  /** Web-pixel visitors not (yet) known as customers: aggregates per client id (docs/signals.md). */
  pixelClients: PixelClientStore;
  signalSources: SignalSourceStore;
  sessions: MongoSessionStore;
  dataRequests: DataRequestStore;
}

export interface Deps {
  config: Config;
  logger: Logger;
  mongo: Connection;
  /** Shared connection for producers (queues) and plain commands. */
  redis: Redis;
  /**
   * Where each shop's own Redis keys live: its queue partition's prefix (src/redis.ts ShopKeys). The
   * stores use it, and the job runtime takes its prefix and partition count from it, so the two agree.
   */
  shopKeys: ShopKeys;
  /** A new BullMQ-ready connection (maxRetriesPerRequest: null) for a blocking consumer; closed by close(). */
  newRedis(): Redis;
  stores: Stores;
  now: () => number;
  close(): Promise<void>;
}

export interface DepsOptions {
  /** Override the database name of MONGODB_URI (demo runs, tests). */
  dbName?: string;
  logger?: Logger;
  now?: () => number;
}

/** ENCRYPTION_KEY, and ENCRYPTION_KEY_PREVIOUS during a rotation (src/shopify/token-crypto.ts). */
export function keyringFrom(config: Pick<Config, 'ENCRYPTION_KEY' | 'ENCRYPTION_KEY_PREVIOUS'>): Keyring {
  const key = decodeKey(config.ENCRYPTION_KEY);
  if (!key) throw new Error('ENCRYPTION_KEY must decode to 32 bytes');
  const previous = config.ENCRYPTION_KEY_PREVIOUS ? decodeKey(config.ENCRYPTION_KEY_PREVIOUS) : null;
  return new Keyring(key, previous);
}

/**
 * The shops' key prefixes: QUEUE_PREFIX (hash-tagged on a cluster) split into the partitions the queues
 * use — QUEUE_PARTITIONS, else 1 on a single Redis and 6 on a cluster.
 */
export function shopKeysFrom(config: Pick<Config, 'QUEUE_PREFIX' | 'QUEUE_PARTITIONS' | 'REDIS_CLUSTER_NODES'>): ShopKeys {
  const cluster = Boolean(config.REDIS_CLUSTER_NODES);
  return new ShopKeys(keyPrefix(config.QUEUE_PREFIX, cluster), config.QUEUE_PARTITIONS ?? defaultPartitions(cluster));
}

/** `keys`: where the shops' Redis keys live (depsFromConnection passes shopKeysFrom(config); a prefix alone is one partition). */
export function createStores(mongo: Connection, redis: Redis, config: Pick<Config, 'ENCRYPTION_KEY' | 'ENCRYPTION_KEY_PREVIOUS' | 'QUEUE_PREFIX'>, keys: ShopKeys | string = config.QUEUE_PREFIX): Stores {
  const key = keyringFrom(config);
  const tagState = new TagSyncState(redis, keys);
  return {
    tagState,
    shopWork: new ShopWork(redis, keys),
    profiles: new CustomerProfileStore(mongo, tagState, new DerivedBuffer(redis, keys)),
    events: new SegmentEventStore(mongo),
    calibrations: new CalibrationStore(mongo),
    orders: new OrderStore(mongo, new DocLocks(redis, keys)),
    shops: new ShopStore(mongo),
    deliveries: new WebhookDeliveryStore(mongo),
    deadLetters: new DeadLetterStore(mongo),
    engagement: new EngagementStore(mongo),
    pixelClients: new PixelClientStore(mongo),
    signalSources: new SignalSourceStore(mongo, key),
    sessions: new MongoSessionStore(mongo, key),
    dataRequests: new DataRequestStore(mongo),
  };
}

/** Declares every collection's indexes (idempotent; run at start by every process, and by tests on the stores they make). */
export async function ensureIndexes(stores: Partial<Stores>): Promise<void> {
  type Indexed = { init?: () => Promise<unknown>; model?: Parameters<typeof createMissingIndexes>[0] };
  const all = Object.values(stores).filter((s) => s !== undefined) as Indexed[];
  await Promise.all(all.map((s) => (s.init ? s.init() : s.model ? createMissingIndexes(s.model) : undefined)));
}

/**
 * Connects and declares indexes. A process that starts while MongoDB or Redis restarts (a worker
 * respawned during a database failover) retries with backoff for up to `startupTimeoutMs` instead of
 * exiting on the first reset connection.
 */
export async function createDeps(config: Config, opts: DepsOptions & { startupTimeoutMs?: number } = {}): Promise<Deps> {
  const logger = opts.logger ?? createLogger({ level: config.LOG_LEVEL });
  const until = Date.now() + (opts.startupTimeoutMs ?? 120_000);
  for (let attempt = 1; ; attempt++) {
    let mongo: Connection | null = null;
    try {
      mongo = await mongoose
        // Indexes and collections are declared once, by ensureIndexes (only what is missing), not by
        // mongoose on every model compile (src/profiles/missing-indexes.ts says why).
        .createConnection(config.MONGODB_URI, { serverSelectionTimeoutMS: 5000, autoIndex: false, autoCreate: false, ...(opts.dbName ? { dbName: opts.dbName } : {}) })
        .asPromise();
      return await depsFromConnection(config, mongo, { ...opts, logger }, true);
    } catch (err) {
      await mongo?.close().catch(() => undefined);
      if (Date.now() > until) throw err;
      const waitMs = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
      logger.warn({ attempt, waitMs, err: (err as Error).message }, 'services not ready at start; retrying');
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

/** Builds Deps on an existing MongoDB connection (tests own theirs); closes it only if ownsMongo. */
export async function depsFromConnection(given: Config, mongo: Connection, opts: DepsOptions = {}, ownsMongo = false): Promise<Deps> {
  // On a Redis Cluster every key carries a hash tag: {QUEUE_PREFIX}, or a shop's partition's (src/redis.ts).
  const config: Config = { ...given, QUEUE_PREFIX: keyPrefix(given.QUEUE_PREFIX, Boolean(given.REDIS_CLUSTER_NODES)) };
  const shopKeys = shopKeysFrom(config);
  const logger = opts.logger ?? createLogger({ level: config.LOG_LEVEL });
  const redisClients: Redis[] = [];
  const newRedis = (): Redis => {
    const r = createRedis(config, { maxRetriesPerRequest: null });
    r.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
    redisClients.push(r);
    return r;
  };
  // A connection error after start is logged and retried by the driver; unlistened, it would crash the process.
  if (mongo.listenerCount('error') === 0) mongo.on('error', (err: Error) => logger.warn({ err: err.message }, 'mongodb connection error'));
  const redis = newRedis();
  const stores = createStores(mongo, redis, config, shopKeys);
  try {
    await ensureIndexes(stores);
  } catch (err) {
    for (const r of redisClients) r.disconnect();
    throw err;
  }
  return {
    config,
    logger,
    mongo,
    redis,
    shopKeys,
    newRedis,
    stores,
    now: opts.now ?? Date.now,
    async close() {
      await Promise.all(redisClients.map((r) => r.quit().catch(() => r.disconnect())));
      if (ownsMongo) await mongo.close();
    },
  };
}
