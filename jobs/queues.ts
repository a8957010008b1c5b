// Queue names, payload types and job options: the contract between the one producer (enqueue.ts)
// and the processors. One queue per job kind, so each gets its own worker and concurrency: a big
// shop's resync runs on the resync queue and can never occupy the slots that serve webhooks.
import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';
import type { ShopSettings } from '../src/segments/settings.ts';

export const QUEUE = {
  recompute: 'recompute-customer',
  syncTags: 'sync-tags',
  resync: 'resync-shop',
  recalibrate: 'recalibrate-shop',
  maintenance: 'maintenance',
  /** Settings dry runs (jobs/settings-preview.ts): whole-shop work kept out of the web process. */
  preview: 'settings-preview',
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

/**
 * A queued delivery carries what Shopify sent — headers, HMAC and body — so the consumer verifies the
 * signature again before acting: a job added by anyone else (the queue board, a Redis client) is
 * refused. The body is AES-GCM sealed with ENCRYPTION_KEY and bound to everything else here
 * (webhookSealAad): names and e-mails in it are unreadable on the board and in Redis, and a job cannot
 * be forged or re-labelled without the key.
 */
export interface WebhookData {
  shop: string;
  topic: string;
  webhookId: string;
  eventId: string | null;
  triggeredAt: string | null;
  /** X-Shopify-Hmac-Sha256 as received. */
  hmac: string;
  /** The raw body, sealed (src/shopify/token-crypto.ts Keyring). */
  bodySealed: string;
  bytes: number;
  /** The customers the body names (ids only): customers/redact drops the queued copies. */
  customerIds: string[];
  /** Epoch ms. */
  receivedAt: number;
  /** Wall-clock epoch ms of arrival (the X-Shopify-Triggered-At window is checked against it). */
  arrivedAt: number;
}

export const webhookSealAad = (d: Omit<WebhookData, 'bodySealed' | 'bytes'>): string =>
  ['webhook', d.shop, d.topic, d.webhookId, d.eventId ?? '', d.triggeredAt ?? '', d.hmac, d.customerIds.join(','), String(d.receivedAt), String(d.arrivedAt)].join('\n');

export interface PreviewSettingsData {
  shop: string;
  /** Validated settings to try (src/segments/settings.ts). */
  settings: ShopSettings;
  settingsHash: string;
  asOf?: number;
}

export interface SyncTagsData {
  shop: string;
}

export interface ResyncShopData {
  shop: string;
  /** Fixed engine as-of (demo, tests); absent = the worker's clock at run time. */
  asOf?: number;
  requestedBy: 'merchant' | 'support' | 'install' | 'demo' | 'scopes';
  /** Set by the first attempt: the instant its segment events are keyed at (recompute-shop.ts firstAttemptAt). */
  firstAttemptAt?: number;
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
  /** Set by the first attempt: the instant its segment events are keyed at (recompute-shop.ts firstAttemptAt). */
  firstAttemptAt?: number;
}

export type MaintenanceData =
  | { kind: 'recency-sweep'; asOf?: number; shop?: string }
  | { kind: 'cleanup-deliveries'; olderThanDays: number }
  | { kind: 'forget-customer'; shop: string; customerId: string }
  /** Native segments (and the customer metafield definition) made to match the shop's settings: jobs/shopify-objects.ts. */
  | { kind: 'shopify-objects'; shop: string };

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
  // Completed and failed recomputes name their customer: a redaction removes them (Enqueuer.customerDeleted).
  recompute: { ...retrying },
  syncTags: { ...retrying, attempts: 10 },
  resync: { ...retrying, attempts: 3, backoff: { type: 'exponential', delay: 30_000, jitter: 0.5 } },
  recalibrate: { ...retrying, attempts: 3 },
  maintenance: { ...retrying, attempts: 3 },
  // A dry run: not retried (the merchant asks again); the result stays 15 minutes for the page to read.
  preview: { attempts: 1, removeOnComplete: { age: 900 }, removeOnFail: { age: 900 } },
  // Shopify would retry a failed delivery for 4 hours; a queued one retries about as long (2^13 s).
  // A processed delivery leaves Redis at once (its body is personal data); later duplicates are caught by
  // the durable dedupe in MongoDB. Failed ones stay a day for support, sealed.
  webhook: { ...retrying, attempts: 14, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } },
} satisfies Record<string, JobsOptions>;

/** A customer id as it appears in Redis key names and BullMQ's event stream: a digest, never the id. */
export const customerKey = (shop: string, customerId: string): string => createHash('sha256').update(`${shop}\n${customerId}`).digest('hex').slice(0, 32);

/** Deduplication ids: Redis keys (and entries of BullMQ's event stream), so no customer id in them. */
export const dedupId = {
  recompute: (shop: string, customerId: string) => `recompute:${shop}:${customerKey(shop, customerId)}`,
  syncTags: (shop: string) => `sync-tags:${shop}`,
  resync: (shop: string) => `resync:${shop}`,
  recalibrate: (shop: string) => `recalibrate:${shop}`,
  preview: (shop: string) => `preview:${shop}`,
  shopifyObjects: (shop: string) => `shopify-objects:${shop}`,
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
