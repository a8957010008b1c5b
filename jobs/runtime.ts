// Builds the job side on top of the composition root: queues, the one producer (Enqueuer) and the
// processors' context. Used by jobs/main.ts, web/main.ts, the demo and the integration tests.
import { keyringFrom, type Deps } from '../src/deps.ts';
import { DEAD_LETTER_RETENTION_MS } from '../src/profiles/dead-letter-store.ts';
import { DATA_REQUEST_RETENTION_MS } from '../src/profiles/data-request-store.ts';
import { createPartitions, closeQueues, Enqueuer, type Queues } from './enqueue.ts';
import type { JobContext, ShopifyPort, ShopPort } from './ports.ts';
import { startWorkers, type RunningWorkers } from './worker.ts';
import type { QueueName } from './queues.ts';
import type { ShopKeys } from '../src/redis.ts';
import type { Logger } from '../src/logger.ts';

/** Errors of a lost connection, which the connection's own listener has logged already. */
const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection is closed|Stream isn't writeable/;

function logQueueError(logger: Logger, queue: string, err: Error): void {
  if (CONNECTION_ERROR.test(`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`)) logger.debug({ queue, err: err.message }, 'queue: redis unreachable');
  else logger.warn({ queue, err: err.message }, 'queue error');
}

export interface JobRuntime {
  /** QUEUE_PREFIX (hash-tagged on a cluster); with one partition, the prefix of every queue. */
  prefix: string;
  /**
   * Where each shop's keys live: its queue partition's prefix (src/redis.ts ShopKeys). The runtime's
   * partitions are these, and the stores and the Enqueuer use these same keys (Deps.shopKeys).
   */
  shopKeys: ShopKeys;
  /** Partition 0's queues (with one partition, the only ones): global jobs. A shop's are in queuesFor(shop). */
  queues: Queues;
  /** Every queue partition (QUEUE_PARTITIONS): workers, the queue board and support counts cover them all. */
  partitions: readonly Queues[];
  /** Their key prefixes, partition k at index k. */
  partitionPrefixes: readonly string[];
  queuesFor(shop: string): Queues;
  enqueue: Enqueuer;
  context: JobContext;
  /** Starts workers in this process (worker entry, `npm start`, demo). */
  startWorkers(opts?: { queues?: readonly QueueName[]; concurrency?: number }): RunningWorkers;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  shopify: ShopifyPort;
  /** Fixed engine as-of for every job (demo, tests); production leaves it unset. */
  asOf?: number;
}

export function shopPort(deps: Deps): ShopPort {
  return {
    async get(shop) {
      const state = await deps.stores.shops.effective(shop);
      if (state.settingsIssues) deps.logger.warn({ shop, issues: state.settingsIssues }, 'stored settings invalid; using defaults');
      return state;
    },
    installedShops: () => deps.stores.shops.listInstalled(),
    recordResync: (shop, summary) => deps.stores.shops.recordResync(shop, summary),
  };
}

/**
 * The queue prefix and partitions come from Deps.shopKeys (QUEUE_PREFIX, QUEUE_PARTITIONS), the keys
 * the stores were built with: a shop's jobs and its own keys share its partition's prefix, and no
 * runtime option can make the two disagree (a test wanting other partitions sets QUEUE_PARTITIONS).
 */
export function createJobRuntime(deps: Deps, o: RuntimeOptions): JobRuntime {
  const { shopKeys } = deps;
  const { prefix, prefixes } = shopKeys;
  const partitions = createPartitions(deps.redis, prefix, shopKeys.partitions);
  const queues = partitions[0]!;
  // Without a listener BullMQ prints a queue's errors with console.error, a raw stack per failed command
  // while Redis is away (the chaos run's Redis restart: 100+ of them). The connection's own listener
  // (src/deps.ts) already logs the outage once per error; other errors are worth a warning.
  for (const q of partitions.flatMap((p) => Object.values(p) as Array<Queues[keyof Queues]>)) q.on('error', (err) => logQueueError(deps.logger, q.name, err));
  const enqueue = new Enqueuer(partitions, deps.redis, shopKeys, { ...(o.asOf !== undefined ? { asOf: o.asOf } : {}), tagState: deps.stores.tagState, shopWork: deps.stores.shopWork, keyring: keyringFrom(deps.config), replicaAckMs: deps.config.WEBHOOK_REPLICA_ACK_MS });
  const { stores } = deps;
  const context: JobContext = {
    logger: deps.logger,
    now: deps.now,
    profiles: stores.profiles,
    events: stores.events,
    calibrations: stores.calibrations,
    tagState: stores.tagState,
    shops: shopPort(deps),
    orders: {
      forCustomer: (shop, id) => stores.orders.listForCustomer(shop, id),
      forCustomers: (shop, ids) => stores.orders.forCustomers(shop, ids),
      customersOf: (shop) => stores.orders.customersOf(shop),
      engagementOf: (shop, ids) => stores.engagement.forCustomers(shop, ids),
    },
    shopify: o.shopify,
    enqueue,
    bulkMutationThreshold: deps.config.BULK_MUTATION_THRESHOLD,
    maintenance: {
      deleteExpiredDeliveries: (now, retentionMs) => stores.deliveries.deleteExpiredDeliveries(now, retentionMs),
      deleteExpiredRecords: async (now) => ({
        deadLetters: await stores.deadLetters.deleteOlderThan(new Date(now.getTime() - DEAD_LETTER_RETENTION_MS)),
        dataRequests: await stores.dataRequests.deleteOlderThan(new Date(now.getTime() - DATA_REQUEST_RETENTION_MS)),
        // Web-pixel visitors never linked to a customer (src/profiles/pixel-client-store.ts).
        pixelClients: await stores.pixelClients.deleteIdle(now),
      }),
    },
  };
  const running: RunningWorkers[] = [];
  return {
    prefix,
    shopKeys,
    queues,
    partitions,
    partitionPrefixes: prefixes,
    queuesFor: (shop) => enqueue.queuesFor(shop),
    enqueue,
    context,
    startWorkers(opts = {}) {
      const w = startWorkers(context, {
        connection: () => deps.newRedis(),
        prefixes,
        concurrency: opts.concurrency ?? deps.config.WORKER_CONCURRENCY,
        lockMs: deps.config.JOB_LOCK_MS,
        ...(opts.queues ? { queues: opts.queues } : {}),
      });
      running.push(w);
      return w;
    },
    async close() {
      await Promise.all(running.map((w) => w.close()));
      await closeQueues(partitions);
    },
  };
}
