// The only producer. Implements the webhooks' WebhookEffects port (structurally: jobs/ may not import
// webhooks/) plus the triggers used by the admin/support API, the CLI, schedules and processors.
import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { TagSyncState, type TagObservation } from '../src/profiles/tag-sync-state.ts';
import type { Keyring } from '../src/shopify/token-crypto.ts';
import { ShopWork } from '../src/profiles/shop-work.ts';
import { isCluster, partitionOf, partitionPrefixes, scanKeys, shopKeysOf, type ShopKeys } from '../src/redis.ts';
import { MetafieldSyncState } from '../src/profiles/metafield-sync-state.ts';
import { DerivedBuffer } from '../src/profiles/derived-buffer.ts';
import { FlowOutbox, type FlowOutboxItem } from '../src/profiles/flow-outbox.ts';
import {
  JOB_OPTIONS, PRIORITY, QUEUE, SCHEDULES, customerKey, dedupId, schedulerId, webhookSealAad,
  type MaintenanceData, type PreviewSettingsData, type RecalibrateShopData, type WebhookData, type RecomputeCustomerData, type RecomputeReason, type ResyncShopData, type SyncTagsData,
} from './queues.ts';

/** A tag-echo marker's value: this, then the tag prefix (lower case) the write used. */
const ECHO_PREFIX_MARK = 'prefix:';

export interface Queues {
  recompute: Queue<RecomputeCustomerData>;
  syncTags: Queue<SyncTagsData>;
  resync: Queue<ResyncShopData>;
  recalibrate: Queue<RecalibrateShopData>;
  maintenance: Queue<MaintenanceData>;
  preview: Queue<PreviewSettingsData>;
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
    preview: new Queue<PreviewSettingsData>(QUEUE.preview, opts),
    webhook: new Queue<WebhookData>(QUEUE.webhook, opts),
  };
}

/**
 * Every queue once per partition (src/redis.ts partitionPrefixes): partition k under its own prefix
 * (`{prefix-p<k>}` on a cluster), so each partition's keys share one slot, as BullMQ requires of a
 * queue, and different partitions hash to different slots and so spread over the masters — what
 * https://docs.bullmq.io/patterns/redis-cluster ("Redis Cluster") recommends: a prefix in brackets per
 * queue, "different prefixes so that the queues are evenly placed in the cluster nodes".
 */
export function createPartitions(connection: ConnectionOptions, prefix: string, partitions: number): Queues[] {
  return partitionPrefixes(prefix, partitions).map((p) => createQueues(connection, p));
}

export async function closeQueues(q: Queues | readonly Queues[]): Promise<void> {
  const all = Array.isArray(q) ? (q as readonly Queues[]) : [q as Queues];
  await Promise.all(all.flatMap((one) => Object.values(one)).map((queue: Queue) => queue.close()));
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

/**
 * Redis channel on which bulk_operations/finish is announced to every process: under the plain prefix
 * (a channel is no key: on a cluster PUBLISH reaches every node whatever the name hashes to).
 */
export const bulkFinishedChannel = (prefix: string) => `${prefix}:bulk-finished`;

/** One authenticated delivery, as POST /webhooks received it (raw body kept as text). */
export interface AcceptedDelivery {
  shop: string;
  topic: string;
  webhookId: string;
  /** X-Shopify-Event-Id: the same event delivered twice (even under two webhook ids) acts once. */
  eventId: string | null;
  /** X-Shopify-Triggered-At, as sent. */
  triggeredAt: string | null;
  /** X-Shopify-Hmac-Sha256, as sent (the queue keeps it so the consumer verifies again). */
  hmac: string;
  body: string;
  receivedAt: Date;
  /**
   * Wall-clock epoch ms when the request arrived, for the X-Shopify-Triggered-At window (receivedAt is
   * the app's clock, which the demo and tests pin to the engine's as-of).
   */
  arrivedAt: number;
}

/** A delivery handed over by POST /webhooks to the queue: also the customers it names (ids only), so a redaction finds it. */
export type InboxDelivery = AcceptedDelivery & { dedupeKey: string; customerIds: string[] };

type AnyJob = Job<{ shop?: string; customerId?: string; customerIds?: string[] }>;

export interface EnqueuerOptions {
  /** Fixed engine as-of for every job (demo and tests); undefined in production (worker clock). */
  asOf?: number;
  /** Where observed tags are compared with the desired ones (the stores' instance). */
  tagState?: TagSyncState;
  /** Seals queued webhook bodies (ENCRYPTION_KEY). */
  keyring: Keyring;
  /** Per-shop counters (recomputes pending, failures) that status reads count instead of listing jobs. */
  shopWork?: ShopWork;
  /** On a cluster: ms to wait for a replica to acknowledge a queued delivery (WEBHOOK_REPLICA_ACK_MS); 0 = off. */
  replicaAckMs?: number;
}

class ReplicaAckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaAckError';
  }
}

export class Enqueuer {
  /** Partition 0: the global jobs (daily sweeps, cleanups); with one partition, every queue there is. */
  readonly queues: Queues;
  /** Every partition; a shop's jobs all go to queuesFor(shop). */
  readonly partitions: readonly Queues[];
  private readonly redis: Redis;
  /** Where each shop's keys live (its partition's prefix): the same as the stores' (Deps.shopKeys). */
  private readonly keys: ShopKeys;
  private readonly asOf: number | undefined;
  private readonly tagState: TagSyncState;
  private readonly keyring: Keyring;
  private readonly replicaAckMs: number;
  readonly shopWork: ShopWork;
  /** Flow trigger calls waiting to be fired, and the counters of fired ones (src/profiles/flow-outbox.ts). */
  readonly flowOutbox: FlowOutbox;

  /**
   * `keys`: where each shop's own keys live, one partition per queue partition (the runtime passes
   * Deps.shopKeys, which the stores given in `o` were built with); a string is one partition.
   */
  constructor(partitions: Queues | readonly Queues[], redis: Redis, keys: ShopKeys | string, o: EnqueuerOptions) {
    this.partitions = Array.isArray(partitions) ? (partitions as readonly Queues[]) : [partitions as Queues];
    if (this.partitions.length === 0) throw new Error('Enqueuer needs at least one queue partition');
    this.keys = shopKeysOf(keys);
    if (this.keys.partitions !== this.partitions.length) throw new Error(`Enqueuer: ${this.partitions.length} queue partitions but the shops' keys in ${this.keys.partitions}`);
    this.queues = this.partitions[0]!;
    this.redis = redis;
    this.asOf = o.asOf;
    this.tagState = o.tagState ?? new TagSyncState(redis, this.keys);
    this.keyring = o.keyring;
    this.replicaAckMs = isCluster(redis) ? (o.replicaAckMs ?? 0) : 0;
    this.shopWork = o.shopWork ?? new ShopWork(redis, this.keys);
    this.flowOutbox = new FlowOutbox(redis, this.keys);
  }

  /** The queues of the shop's partition: every job of the shop goes there, so its ids and deduplication hold. */
  queuesFor(shop: string): Queues {
    return this.partitions[partitionOf(shop, this.partitions.length)]!;
  }

  /** Flow trigger calls for membership changes: fired by the shop's next tag sync (queued here). */
  async queueFlowTriggers(shop: string, items: readonly FlowOutboxItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.flowOutbox.push(shop, items);
    await this.syncTags(shop);
  }

  // ---- WebhookInbox (queued ingest) --------------------------------------------------------------

  /**
   * A verified delivery, kept in Redis (body sealed, see WebhookData) until webhooks/consumer.ts has
   * processed it. The job id is derived from (shop, event or webhook id): a duplicate delivery while the
   * job is queued or running adds nothing; later duplicates are caught by the durable dedupe in MongoDB.
   */
  async acceptWebhook(d: InboxDelivery): Promise<void> {
    const jobId = `wh-${createHash('sha256').update(`${d.shop}\n${d.dedupeKey}`).digest('hex').slice(0, 40)}`;
    const head = {
      shop: d.shop, topic: d.topic, webhookId: d.webhookId, eventId: d.eventId, triggeredAt: d.triggeredAt, hmac: d.hmac,
      customerIds: d.customerIds, receivedAt: d.receivedAt.getTime(), arrivedAt: d.arrivedAt,
    };
    const { webhook } = this.queuesFor(d.shop);
    await webhook.add(
      'webhook',
      { ...head, bodySealed: this.keyring.seal(d.body, webhookSealAad(head)), bytes: Buffer.byteLength(d.body) },
      { ...JOB_OPTIONS.webhook, jobId },
    );
    if (this.replicaAckMs > 0) await this.replicaAck(webhook.toKey('id'));
  }

  /**
   * WAIT 1 <ms> on the master that holds `key`'s slot, through the same node connection the enqueue
   * used (ioredis keeps one per node), so it covers that write: WAIT blocks "until all the previous
   * write commands sent in the context of the current connection are successfully transferred and
   * acknowledged by at least the specified number of replicas" (https://redis.io/docs/latest/commands/wait/).
   * The pipeline's key routes the keyless WAIT to that master.
   */
  private async replicaAck(key: string): Promise<void> {
    const res = await this.redis.pipeline().exists(key).call('WAIT', '1', String(this.replicaAckMs)).exec();
    const [err, acked] = res?.[1] ?? [new Error('no reply'), 0];
    if (err || Number(acked) < 1) throw new ReplicaAckError(`no replica acknowledged the queued delivery within ${this.replicaAckMs} ms${err ? `: ${err.message}` : ''}`);
  }

  // ---- WebhookEffects -------------------------------------------------------------------------

  /** A burst of webhooks for one customer yields one waiting job, plus one more if one is running. */
  async recomputeCustomer(shop: string, customerId: string, reason: RecomputeReason = 'webhook'): Promise<void> {
    const priority = reason === 'recency' ? PRIORITY.recency : reason === 'support' ? PRIORITY.support : PRIORITY.webhook;
    await this.queuesFor(shop).recompute.add(
      'recompute-customer',
      { shop, customerId, reason, ...(this.asOf !== undefined ? { asOf: this.asOf } : {}) },
      { ...JOB_OPTIONS.recompute, ...(priority ? { priority } : {}), deduplication: { id: dedupId.recompute(shop, customerId), keepLastIfActive: true } },
    );
    await this.shopWork.recomputeQueued(shop, customerKey(shop, customerId));
  }

  /**
   * customers/create|update. Our own tag write comes back as customers/update: the first one after a
   * write is taken for that echo and skipped. Only this webhook may consume the marker: it carries no
   * input of the segments, so skipping it — echo or not — loses nothing. (When order webhooks consumed
   * it too, an order arriving while a tag write was prepared was skipped "because the echo will
   * recompute", and a later write's echo then consumed the next marker: the order was never recomputed.
   * Found by the chaos run.)
   */
  async customerChanged(shop: string, customerId: string): Promise<boolean> {
    if ((await this.redis.getdel(this.echoKey(shop, customerId))) !== null) return true;
    await this.recomputeCustomer(shop, customerId);
    return false;
  }

  async tagEchoPrefix(shop: string, customerId: string): Promise<string | null> {
    const marker = await this.redis.get(this.echoKey(shop, customerId));
    return marker?.startsWith(ECHO_PREFIX_MARK) ? marker.slice(ECHO_PREFIX_MARK.length) : null;
  }

  /** Tags as Shopify reports them differ from the desired ones → pending again, and a sync. */
  async customerTagsObserved(shop: string, customerId: string, appTags: readonly string[]): Promise<boolean> {
    return (await this.observeTags(shop, customerId, appTags)).outcome === 'in-sync';
  }

  /** customerTagsObserved, telling what was seen (`drift`: other tags than the ones the state says applied). */
  async observeTags(shop: string, customerId: string, appTags: readonly string[]): Promise<TagObservation> {
    const seen = await this.tagState.observe(shop, customerId, appTags);
    if (seen.outcome === 'pending' || seen.outcome === 'drift') await this.syncTags(shop);
    return seen;
  }

  /**
   * The customer was deleted/redacted and its MongoDB data already erased by the webhook handler. Erase
   * what Redis holds on them now: tag state, the tag-echo marker, their waiting recompute and its
   * deduplication key, failed jobs and queued deliveries naming them. A recompute running right now
   * could write a profile after the erasure: then one forget job follows it (30 s), and leaves Redis
   * when done.
   */
  async customerDeleted(shop: string, customerId: string): Promise<void> {
    const queues = this.queuesFor(shop);
    const dedup = dedupId.recompute(shop, customerId);
    const jobId = await queues.recompute.getDeduplicationJobId(dedup);
    let running = false;
    if (jobId) {
      const job = await queues.recompute.getJob(jobId);
      const state = job ? await job.getState() : 'unknown';
      if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) await job.remove().catch(() => undefined);
      running = state === 'active';
    }
    if (!running) await queues.recompute.removeDeduplicationKey(dedup);
    await this.tagState.forgetCustomer(shop, customerId);
    await new MetafieldSyncState(this.redis, this.keys).forgetCustomer(shop, customerId);
    await this.flowOutbox.forgetCustomer(shop, customerId);
    await this.shopWork.forgetCustomer(shop, customerId, customerKey(shop, customerId));
    await this.redis.del(this.echoKey(shop, customerId));
    const names = (j: AnyJob) => j.data?.shop === shop && (j.data.customerId === customerId || (j.data.customerIds ?? []).includes(customerId));
    await this.removeJobs([queues.recompute, queues.webhook, queues.maintenance, queues.syncTags], names);
    // Kept settings previews list example customers: the shop's are recomputed on demand anyway.
    await this.removeJobs([queues.preview], (j) => j.data?.shop === shop);
    if (running) {
      await queues.maintenance.add('forget-customer', { kind: 'forget-customer', shop, customerId }, { ...JOB_OPTIONS.maintenance, delay: 30_000, removeOnComplete: true, removeOnFail: true });
    }
  }

  /** Stop the shop's schedules; queued jobs for it fail fast with ShopNotInstalledError. */
  async shopUninstalled(shop: string): Promise<void> {
    await this.unscheduleShop(shop);
  }

  /** read_all_orders was granted: a resync backfills the orders older than 60 days (deduplicated per shop). */
  async readAllOrdersGranted(shop: string): Promise<void> {
    await this.resyncShop(shop, 'scopes');
  }

  /**
   * shop/redact, after MongoDB was erased: the shop's tag state, every job (any state but running) and
   * queued delivery of the shop, and its keys (tag echoes, bulk-operation signals, rate-limit windows).
   */
  async shopErased(shop: string): Promise<void> {
    await this.unscheduleShop(shop);
    await this.tagState.forgetShop(shop);
    await new DerivedBuffer(this.redis, this.keys).forgetShop(shop);
    await this.shopWork.forgetShop(shop);
    await new MetafieldSyncState(this.redis, this.keys).forgetShop(shop);
    await this.flowOutbox.forgetShop(shop);
    const queues = Object.values(this.queuesFor(shop)) as Queue[];
    // A job of the shop still running would leave its completion event (naming the shop) behind: let it
    // end first (it fails fast, the shop is uninstalled), for a few seconds at most.
    for (const until = Date.now() + 3000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      const active = await Promise.all(queues.map((q) => q.getActive()));
      if (!active.flat().some((j) => (j as AnyJob | undefined)?.data?.shop === shop)) break;
    }
    await this.removeJobs(queues, (j) => j.data?.shop === shop);
    await this.scrubEvents(queues, shop);
    // Under the shop's partition prefix: every key a page holds is the shop's, one slot on a cluster.
    for (const kind of ['tag-echo', 'bulk-finished']) {
      for await (const keys of scanKeys(this.redis, `${this.keys.of(shop)}:${kind}:${shop}:*`)) await this.redis.del(...keys);
    }
    // The admin API's rate-limit window (web/admin/rate-limit.ts: `<prefix>:ratelimit:<shop>`, global prefix).
    await this.redis.del(`${this.keys.prefix}:ratelimit:${shop}`);
  }

  /** Deletes the queues' event-stream entries (completed/failed/… with job ids and reasons) naming the shop. */
  private async scrubEvents(queues: Queue[], shop: string): Promise<void> {
    for (const q of queues) {
      const key = q.keys.events ?? q.toKey('events');
      for (let start = '-'; ;) {
        const page = await this.redis.xrange(key, start, '+', 'COUNT', 1000);
        const doomed = page.filter(([, fields]) => fields.some((f) => f.includes(shop))).map(([id]) => id);
        if (doomed.length) await this.redis.xdel(key, ...doomed);
        if (page.length < 1000) break;
        start = `(${page.at(-1)![0]}`;
      }
    }
  }

  /** Removes every job (not a running one) of these queues that `match`es, page by page. */
  private async removeJobs(queues: Queue[], match: (j: AnyJob) => boolean): Promise<number> {
    let removed = 0;
    const states = ['waiting', 'prioritized', 'delayed', 'failed', 'completed', 'waiting-children'] as const;
    for (const q of queues) {
      for (const state of states) {
        const doomed: AnyJob[] = [];
        for (let start = 0; ; start += 500) {
          const page = (await q.getJobs([state], start, start + 499, true)) as AnyJob[];
          for (const j of page) if (j && match(j)) doomed.push(j);
          if (page.length < 500) break;
        }
        for (const j of doomed) {
          await j.remove().then(() => { removed++; }, () => undefined);
        }
      }
    }
    return removed;
  }

  /** Wakes whoever waits on this bulk operation (tag writer, backfill) in any process. */
  async bulkOperationFinished(shop: string, payload: BulkOperationFinishedPayload): Promise<void> {
    const key = `${this.keys.of(shop)}:bulk-finished:${shop}:${payload.adminGraphqlApiId}`;
    await this.redis.set(key, JSON.stringify(payload), 'EX', 24 * 3600);
    await this.redis.publish(bulkFinishedChannel(this.keys.prefix), JSON.stringify({ shop, ...payload }));
  }

  /**
   * A tag-echo marker: one per customer written (a 1M-customer resync sets a million), under the shop's
   * partition prefix so the markers of many shops spread over the masters; the pipelines below hold one
   * shop's markers only (one slot on a cluster).
   */
  private echoKey(shop: string, customerId: string): string {
    return `${this.keys.of(shop)}:tag-echo:${shop}:${customerKey(shop, customerId)}`;
  }

  /**
   * Called by sync-tags before writing: each write comes back as a customers/update echo, possibly
   * before the write call even returns (bulk mutations), so the markers are set first.
   */
  async expectTagEcho(shop: string, customerIds: readonly string[], tagPrefix: string, ttlSeconds = 900): Promise<void> {
    // The marker holds the tag prefix written, so the echo is recognised without reading the shop's
    // settings from the database (webhooks/customers-upsert.ts, recogniseOwnTagEcho).
    const marker = `${ECHO_PREFIX_MARK}${tagPrefix.toLowerCase()}`;
    for (let i = 0; i < customerIds.length; i += 1000) {
      const p = this.redis.pipeline();
      for (const id of customerIds.slice(i, i + 1000)) p.set(this.echoKey(shop, id), marker, 'EX', ttlSeconds);
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
    await this.queuesFor(shop).syncTags.add('sync-tags', { shop }, { ...JOB_OPTIONS.syncTags, deduplication: { id: dedupId.syncTags(shop), keepLastIfActive: true } });
  }

  /** One resync at a time per shop: while one is queued or running, another request is ignored. */
  async resyncShop(shop: string, requestedBy: ResyncShopData['requestedBy'], asOf = this.asOf): Promise<Job<ResyncShopData>> {
    return this.queuesFor(shop).resync.add(
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
    const queues = this.queuesFor(shop);
    for (const q of [queues.syncTags, queues.resync]) {
      const delayed = await q.getDelayed(0, 999);
      for (const j of delayed) {
        if ((j?.data as { shop?: string } | undefined)?.shop !== shop) continue;
        await j.promote().then(() => woken++, () => undefined);
      }
    }
    return woken;
  }

  /**
   * A settings dry run as a job: one per shop at a time (while one is waiting or running, another
   * request gets that one back: `busy`), and a finished one is reused for the same settings for 15
   * minutes (the job id is the settings' hash).
   */
  async previewSettings(shop: string, settings: PreviewSettingsData['settings'], settingsHash: string): Promise<{ job: Job<PreviewSettingsData>; busy: boolean }> {
    const jobId = `preview-${customerKey(shop, settingsHash)}`;
    const { preview } = this.queuesFor(shop);
    const kept = await preview.getJob(jobId);
    if (kept && (await kept.getState()) !== 'failed') return { job: kept, busy: false };
    if (kept) await kept.remove().catch(() => undefined);
    const running = await preview.getDeduplicationJobId(dedupId.preview(shop));
    const other = running ? await preview.getJob(running) : undefined;
    if (other && ['waiting', 'active', 'prioritized', 'delayed'].includes(await other.getState())) return { job: other, busy: other.id !== jobId };
    const job = await preview.add(
      'settings-preview',
      { shop, settings, settingsHash, ...(this.asOf !== undefined ? { asOf: this.asOf } : {}) },
      { ...JOB_OPTIONS.preview, jobId, deduplication: { id: dedupId.preview(shop) } },
    );
    return { job, busy: false };
  }

  async recalibrateShop(shop: string, reason: RecalibrateShopData['reason']): Promise<void> {
    await this.queuesFor(shop).recalibrate.add(
      'recalibrate-shop',
      { shop, reason, ...(this.asOf !== undefined ? { asOf: this.asOf } : {}) },
      { ...JOB_OPTIONS.recalibrate, deduplication: { id: dedupId.recalibrate(shop), keepLastIfActive: true } },
    );
  }

  /** Native segments and the metafield definition follow the settings (one waiting per shop; one more while one runs). */
  async reconcileShopifyObjects(shop: string): Promise<void> {
    await this.queuesFor(shop).maintenance.add('shopify-objects', { kind: 'shopify-objects', shop }, { ...JOB_OPTIONS.maintenance, deduplication: { id: dedupId.shopifyObjects(shop), keepLastIfActive: true } });
  }

  async recencySweep(shop?: string): Promise<Job> {
    return (shop ? this.queuesFor(shop) : this.queues).maintenance.add('recency-sweep', { kind: 'recency-sweep', ...(shop ? { shop } : {}), ...(this.asOf !== undefined ? { asOf: this.asOf } : {}) }, { ...JOB_OPTIONS.maintenance });
  }

  // ---- Schedules ------------------------------------------------------------------------------

  /** Nightly recalibration at 03:00 in the shop's own time zone (idempotent upsert). */
  async scheduleShop(shop: string, timezone: string): Promise<void> {
    await this.queuesFor(shop).recalibrate.upsertJobScheduler(
      schedulerId.nightlyRecalibration(shop),
      { pattern: SCHEDULES.nightlyRecalibrationCron, tz: timezone },
      { name: 'recalibrate-shop', data: { shop, reason: 'nightly' }, opts: { ...JOB_OPTIONS.recalibrate } },
    );
  }

  async unscheduleShop(shop: string): Promise<void> {
    await this.queuesFor(shop).recalibrate.removeJobScheduler(schedulerId.nightlyRecalibration(shop));
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
