// Queue names, payload types and job options: the contract between the one producer (enqueue.ts)
// and the processors. One queue per job kind, so each gets its own worker and concurrency: a big
// shop's resync runs on the resync queue and can never occupy the slots that serve webhooks.
import type { JobsOptions } from 'bullmq';

export const QUEUE = {
  recompute: 'recompute-customer',
  syncTags: 'sync-tags',
  resync: 'resync-shop',
  recalibrate: 'recalibrate-shop',
  maintenance: 'maintenance',
  /** Authentic webhook deliveries waiting to be processed (queued ingest, webhooks/consumer.ts). */
  webhook: 'webhook',
} as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export type RecomputeReason = 'webhook' | 'recency' | 'support';


export interface RecomputeCustomerData {
  shop: string;
  customerId: string;
  reason: RecomputeReason;
  /** Fixed engine as-of (demo, tests); absent = the worker's clock at run time. */
  asOf?: number;
}

export interface WebhookData {
  shop: string;
  topic: string;
  webhookId: string;
  /** X-Shopify-Event-Id when the delivery had one (the dedupe key, see deliveryDedupeKey). */
  eventId?: string | undefined;
  /** The raw body as received (HMAC already verified). */
  body: string;
  /** Epoch ms. */
  receivedAt: number;
}

export interface SyncTagsData {
  shop: string;
}

export interface ResyncShopData {
  shop: string;
  /** Fixed engine as-of (demo, tests); absent = the worker's clock at run time. */
  asOf?: number;
  requestedBy: 'merchant' | 'support' | 'install' | 'demo' | 'scopes';
}

export interface ResyncProgress {
  percent: number;
  phase: 'backfill' | 'calibrate' | 'recompute' | 'sync' | 'done';
  counts: { customers: number; orders: number; profiles: number; tagsPending: number };
}

export interface RecalibrateShopData {
  shop: string;
  reason: 'nightly' | 'after-resync' | 'support' | 'settings-changed';
  asOf?: number;
}

export type MaintenanceData =
  | { kind: 'recency-sweep'; asOf?: number; shop?: string }
  | { kind: 'cleanup-deliveries'; olderThanDays: number }
  | { kind: 'forget-customer'; shop: string; customerId: string };

/** Job priorities in the recompute queue: 0 (none) is served before any prioritised job in BullMQ. */
export const PRIORITY = { webhook: 0, support: 1, recency: 10 } as const;

// Transient failures (network, throttling, Redis/Mongo hiccups) retry with exponential backoff and
// jitter so retries from many shops do not line up; permanent ones throw UnrecoverableError.
const retrying: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 5000 },
  // Failed jobs stay a week: support inspects them (queue.getFailed) with their failedReason.
  removeOnFail: { age: 7 * 24 * 3600 },
};

export const JOB_OPTIONS = {
  recompute: { ...retrying },
  syncTags: { ...retrying, attempts: 10 },
  resync: { ...retrying, attempts: 3, backoff: { type: 'exponential', delay: 30_000, jitter: 0.5 } },
  recalibrate: { ...retrying, attempts: 3 },
  maintenance: { ...retrying, attempts: 3 },
  // Shopify would retry a failed delivery for 4 hours; a queued one retries about as long (2^13 s),
  // completed ones are kept 10 minutes so a duplicate delivery in that window is dropped by its job id.
  webhook: { ...retrying, attempts: 14, removeOnComplete: { age: 600, count: 20_000 } },
} satisfies Record<string, JobsOptions>;

/** Deduplication ids: never contain '.'-sensitive use, just Redis keys. */
export const dedupId = {
  recompute: (shop: string, customerId: string) => `recompute:${shop}:${customerId}`,
  syncTags: (shop: string) => `sync-tags:${shop}`,
  resync: (shop: string) => `resync:${shop}`,
  recalibrate: (shop: string) => `recalibrate:${shop}`,
};

export const schedulerId = {
  nightlyRecalibration: (shop: string) => `recalibrate-nightly:${shop}`,
  recencySweep: 'recency-sweep-daily',
  cleanupDeliveries: 'cleanup-deliveries-daily',
};

/** Nightly recalibration at 03:00 in the shop's time zone; the recency sweep right after, in UTC. */
export const SCHEDULES = {
  nightlyRecalibrationCron: '0 3 * * *',
  recencySweepCron: '30 4 * * *',
  cleanupDeliveriesCron: '0 5 * * *',
};
