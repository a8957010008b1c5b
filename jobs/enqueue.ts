// The only producer. Implements the webhooks' WebhookEffects port (structurally: jobs/ may not import
// webhooks/) plus the triggers used by the admin/support API, the CLI, schedules and processors.
import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { TagSyncState, type TagObservation } from '../src/profiles/tag-sync-state.ts';
import { deliveryDedupeKey } from '../src/profiles/webhook-delivery-store.ts';
import {
  JOB_OPTIONS, PRIORITY, QUEUE, SCHEDULES, dedupId, schedulerId,
  type MaintenanceData, type RecalibrateShopData, type WebhookData, type RecomputeCustomerData, type RecomputeReason, type ResyncShopData, type SyncTagsData,
} from './queues.ts';

export interface Queues {
  recompute: Queue<RecomputeCustomerData>;
  syncTags: Queue<SyncTagsData>;
  resync: Queue<ResyncShopData>;
  recalibrate: Queue<RecalibrateShopData>;
  maintenance: Queue<MaintenanceData>;
  webhook: Queue<WebhookData>;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const opts = { connection, prefix };
  return {
    recompute: new Queue<RecomputeCustomerData>(QUEUE.recompute, opts),
    syncTags: new Queue<SyncTagsData>(QUEUE.syncTags, opts),
    resync: new Queue<ResyncShopData>(QUEUE.resync, opts),
    recalibrate: new Queue<RecalibrateShopData>(QUEUE.recalibrate, opts),
    maintenance: new Queue<MaintenanceData>(QUEUE.maintenance, opts),
    webhook: new Queue<WebhookData>(QUEUE.webhook, opts),
  };
}

export async function closeQueues(q: Queues): Promise<void> {
  await Promise.all(Object.values(q).map((queue: Queue) => queue.close()));
}

/** Same shape as webhooks/effects.ts BulkOperationFinishedPayload (jobs/ may not import webhooks/). */
export interface BulkOperationFinishedPayload {
  adminGraphqlApiId: string;
  status: string;
  errorCode: string | null;
  type: string;
  createdAt: string | null;
  completedAt: string | null;
}

/** Redis channel on which bulk_operations/finish is announced to every process. */
export const bulkFinishedChannel = (prefix: string) => `${prefix}:bulk-finished`;

export class Enqueuer {
  readonly queues: Queues;
  private readonly redis: Redis;
  private readonly prefix: string;
  /** Fixed engine as-of for every job (demo and tests); undefined in production (worker clock). */
  private readonly asOf: number | undefined;
  private readonly tagState: TagSyncState;

  /** `tagState`: where observed tags are compared with the desired ones (the stores' instance). */
  constructor(queues: Queues, redis: Redis, prefix: string, asOf?: number, tagState?: TagSyncState) {
    this.queues = queues;
    this.redis = redis;
    this.prefix = prefix;
    this.asOf = asOf;
    this.tagState = tagState ?? new TagSyncState(redis, prefix);
  }

  // ---- WebhookInbox (queued ingest) --------------------------------------------------------------

  /**
   * A verified delivery, kept in Redis until webhooks/consumer.ts has processed it. The job id is
   * derived from (shop, webhook id): a duplicate delivery while the job is queued, running or recently
   * completed adds nothing; later duplicates are caught by the durable dedupe in MongoDB.
   */
  async acceptWebhook(d: { shop: string; topic: string; webhookId: string; eventId?: string | undefined; body: string; receivedAt: Date }): Promise<void> {
    // Copies of one event (same X-Shopify-Event-Id, even under another webhook id) share the job id.
    const jobId = `wh-${createHash('sha256').update(`${d.shop}\n${deliveryDedupeKey(d)}`).digest('hex').slice(0, 40)}`;
    await this.queues.webhook.add(
      'webhook',
      { shop: d.shop, topic: d.topic, webhookId: d.webhookId, ...(d.eventId ? { eventId: d.eventId } : {}), body: d.body, receivedAt: d.receivedAt.getTime() },
      { ...JOB_OPTIONS.webhook, jobId },
    );
  }

  // ---- WebhookEffects -------------------------------------------------------------------------

  /** A burst of webhooks for one customer yields one waiting job, plus one more if one is running. */
  async recomputeCustomer(shop: string, customerId: string, reason: RecomputeReason = 'webhook'): Promise<void> {
    const priority = reason === 'recency' ? PRIORITY.recency : reason === 'support' ? PRIORITY.support : PRIORITY.webhook;
    await this.queues.recompute.add(
      'recompute-customer',
      { shop, customerId, reason, ...(this.asOf !== undefined ? { asOf: this.asOf } : {}) },
      { ...JOB_OPTIONS.recompute, ...(priority ? { priority } : {}), deduplication: { id: dedupId.recompute(shop, customerId), keepLastIfActive: true } },
    );
  }

  /**
   * customers/create|update. Our own tag write comes back as customers/update: the first one after a
   * write is taken for that echo and skipped. Only this webhook may consume the marker: it carries no
   * input of the segments, so skipping it — echo or not — loses nothing. (When order webhooks consumed
   * it too, an order arriving while a tag write was prepared was skipped "because the echo will
   * recompute", and a later write's echo then consumed the next marker: the order was never recomputed.
   * Found by the chaos run.)
   */
  async customerChanged(shop: string, customerId: string): Promise<void> {
    if ((await this.redis.getdel(this.echoKey(shop, customerId))) !== null) return;
    await this.recomputeCustomer(shop, customerId);
  }

  /** Tags as Shopify reports them differ from the desired ones → pending again, and a sync. */
  async customerTagsObserved(shop: string, customerId: string, appTags: readonly string[]): Promise<void> {
    await this.observeTags(shop, customerId, appTags);
  }

  /** customerTagsObserved, telling what was seen (`drift`: other tags than the ones the state says applied). */
  async observeTags(shop: string, customerId: string, appTags: readonly string[]): Promise<TagObservation> {
    const seen = await this.tagState.observe(shop, customerId, appTags);
    if (seen.outcome === 'pending' || seen.outcome === 'drift') await this.syncTags(shop);
    return seen;
  }

  /**
   * The customer was deleted/redacted and its data already erased by the webhook handler: drop its
   * waiting recompute, and erase once more shortly after in case a recompute was running meanwhile.
   */
  async customerDeleted(shop: string, customerId: string): Promise<void> {
    const jobId = await this.queues.recompute.getDeduplicationJobId(dedupId.recompute(shop, customerId));
    if (jobId) {
      const job = await this.queues.recompute.getJob(jobId);
      const state = job ? await job.getState() : 'unknown';
      if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) await job.remove().catch(() => undefined);
    }
    await this.queues.maintenance.add('forget-customer', { kind: 'forget-customer', shop, customerId }, { ...JOB_OPTIONS.maintenance, delay: 30_000 });
  }

  /** Stop the shop's schedules; queued jobs for it fail fast with ShopNotInstalledError. */
  async shopUninstalled(shop: string): Promise<void> {
    await this.unscheduleShop(shop);
  }

  /** read_all_orders was granted: a resync backfills the orders older than 60 days (deduplicated per shop). */
  async readAllOrdersGranted(shop: string): Promise<void> {
    await this.resyncShop(shop, 'scopes');
  }

  /** Wakes whoever waits on this bulk operation (tag writer, backfill) in any process. */
  async bulkOperationFinished(shop: string, payload: BulkOperationFinishedPayload): Promise<void> {
    const key = `${this.prefix}:bulk-finished:${shop}:${payload.adminGraphqlApiId}`;
    await this.redis.set(key, JSON.stringify(payload), 'EX', 24 * 3600);
    await this.redis.publish(bulkFinishedChannel(this.prefix), JSON.stringify({ shop, ...payload }));
  }

  private echoKey(shop: string, customerId: string): string {
    return `${this.prefix}:tag-echo:${shop}:${customerId}`;
  }

  /**
   * Called by sync-tags before writing: each write comes back as a customers/update echo, possibly
   * before the write call even returns (bulk mutations), so the markers are set first.
   */
  async expectTagEcho(shop: string, customerIds: readonly string[], ttlSeconds = 900): Promise<void> {
    for (let i = 0; i < customerIds.length; i += 1000) {
      const p = this.redis.pipeline();
      for (const id of customerIds.slice(i, i + 1000)) p.set(this.echoKey(shop, id), '1', 'EX', ttlSeconds);
      await p.exec();
    }
  }

  /**
   * After the write: customers whose tags did not change produce no echo, so their markers go. A marker
   * already consumed only skipped a customers/update, which carries no input of the segments: nothing
   * to recompute. (The recompute this used to queue ran in the worker, with the worker's clock as its
   * as-of instead of the run's: in the chaos run, a customer tagged for another day. Found by the chaos run.)
   */
  async settleTagEcho(shop: string, unchangedIds: readonly string[]): Promise<void> {
    for (let i = 0; i < unchangedIds.length; i += 1000) {
      const p = this.redis.pipeline();
      for (const id of unchangedIds.slice(i, i + 1000)) p.del(this.echoKey(shop, id));
      await p.exec();
    }
  }

  // ---- Triggers -------------------------------------------------------------------------------

  /** One sync job per shop waits at a time; while one runs, one more is kept. */
  async syncTags(shop: string): Promise<void> {
    await this.queues.syncTags.add('sync-tags', { shop }, { ...JOB_OPTIONS.syncTags, deduplication: { id: dedupId.syncTags(shop), keepLastIfActive: true } });
  }

  /** One resync at a time per shop: while one is queued or running, another request is ignored. */
  async resyncShop(shop: string, requestedBy: ResyncShopData['requestedBy'], asOf = this.asOf): Promise<Job<ResyncShopData>> {
    return this.queues.resync.add(
      'resync-shop',
      { shop, requestedBy, ...(asOf !== undefined ? { asOf } : {}) },
      { ...JOB_OPTIONS.resync, deduplication: { id: dedupId.resync(shop) } },
    );
  }

  /**
   * After a new token exchange: the shop's Shopify work that waited for it (delayed by the worker on
   * ShopNeedsReauthError) runs now instead of at its next check. Returns how many jobs were woken.
   */
  async resumeShop(shop: string): Promise<number> {
    let woken = 0;
    for (const q of [this.queues.syncTags, this.queues.resync]) {
      const delayed = await q.getDelayed(0, 999);
      for (const j of delayed) {
        if ((j?.data as { shop?: string } | undefined)?.shop !== shop) continue;
        await j.promote().then(() => woken++, () => undefined);
      }
    }
    return woken;
  }

  async recalibrateShop(shop: string, reason: RecalibrateShopData['reason']): Promise<void> {
    await this.queues.recalibrate.add(
      'recalibrate-shop',
      { shop, reason, ...(this.asOf !== undefined ? { asOf: this.asOf } : {}) },
      { ...JOB_OPTIONS.recalibrate, deduplication: { id: dedupId.recalibrate(shop), keepLastIfActive: true } },
    );
  }

  async recencySweep(shop?: string): Promise<void> {
    await this.queues.maintenance.add('recency-sweep', { kind: 'recency-sweep', ...(shop ? { shop } : {}), ...(this.asOf !== undefined ? { asOf: this.asOf } : {}) }, { ...JOB_OPTIONS.maintenance });
  }

  // ---- Schedules ------------------------------------------------------------------------------

  /** Nightly recalibration at 03:00 in the shop's own time zone (idempotent upsert). */
  async scheduleShop(shop: string, timezone: string): Promise<void> {
    await this.queues.recalibrate.upsertJobScheduler(
      schedulerId.nightlyRecalibration(shop),
      { pattern: SCHEDULES.nightlyRecalibrationCron, tz: timezone },
      { name: 'recalibrate-shop', data: { shop, reason: 'nightly' }, opts: { ...JOB_OPTIONS.recalibrate } },
    );
  }

  async unscheduleShop(shop: string): Promise<void> {
    await this.queues.recalibrate.removeJobScheduler(schedulerId.nightlyRecalibration(shop));
  }

  /** Global daily jobs; called by every worker at start (upsert is idempotent). */
  async ensureGlobalSchedules(deliveryRetentionDays = 7): Promise<void> {
    await this.queues.maintenance.upsertJobScheduler(
      schedulerId.recencySweep,
      { pattern: SCHEDULES.recencySweepCron, tz: 'UTC' },
      { name: 'recency-sweep', data: { kind: 'recency-sweep' }, opts: { ...JOB_OPTIONS.maintenance } },
    );
    await this.queues.maintenance.upsertJobScheduler(
      schedulerId.cleanupDeliveries,
      { pattern: SCHEDULES.cleanupDeliveriesCron, tz: 'UTC' },
      { name: 'cleanup-deliveries', data: { kind: 'cleanup-deliveries', olderThanDays: deliveryRetentionDays }, opts: { ...JOB_OPTIONS.maintenance } },
    );
  }
}
