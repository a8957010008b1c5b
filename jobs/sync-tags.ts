// sync-tags: writes a shop's pending tag changes to Shopify. Small change sets go customer by customer
// (one request with tagsAdd + tagsRemove aliases each); large ones (≥ BULK_MUTATION_THRESHOLD) as a
// bulk mutation. The Shopify client paces requests to the shop's restore rate; one sync job runs per
// shop at a time (deduplicated), so a shop's budget is never spent twice in parallel.
import type { Job } from 'bullmq';
import type { JobContext } from './ports.ts';
import type { SyncTagsData } from './queues.ts';
import { ShopNotInstalledError } from './errors.ts';
import { syncCustomerMetafields } from './customer-metafields.ts';
import { drainFlowTriggers, type FlowDrainCounts } from './flow-triggers.ts';
import { readAhead } from '../src/read-ahead.ts';
import type { CustomerProfileDoc, TagSyncRow } from '../src/profiles/customer-profile-store.ts';

export interface SyncTagsResult {
  mode: 'none' | 'per-customer' | 'bulk';
  written: number;
  gone: number;
  failed: number;
  /** Customer metafields ($app:segments) written alongside (changed values only). */
  metafields?: { written: number; skipped: number; failed: number };
  /** Flow trigger calls fired after the tags (jobs/flow-triggers.ts). */
  flow?: FlowDrainCounts;
}

const PER_CUSTOMER_PAGE = 250;
const BULK_PAGE = 10_000;
const SCAN_BATCH = 2000;
/**
 * A point read by `_id` costs about this many documents of a scan on FerretDB 1.24 (measured: 10,000
 * point reads 10.9 s, a 20,000-document scan 6.8 s). A bulk sync whose pending customers are more than
 * 1/POINT_READ_COST of the shop reads the shop once by a scan; a smaller one reads its customers by id.
 */
const POINT_READ_COST = 3;
/** A scan whose cursor the server dropped (idle while a page was written) starts again, skipping what was done. */
const SCAN_RESTARTS = 3;

/** Page sizes; tests make them small to span several pages and scan batches. */
export interface SyncTagsTuning {
  bulkPage?: number;
  perCustomerPage?: number;
  scanBatch?: number;
}

/** The server no longer has the cursor (MongoDB CursorNotFound, e.g. an idle timeout). */
const cursorLost = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 43;

export class TagWriteIncompleteError extends Error {
  constructor(shop: string, failed: number) {
    super(`${failed} tag writes for ${shop} failed; retrying`);
    this.name = 'TagWriteIncompleteError';
  }
}

/**
 * One scan of the shop's profiles joined with the pending set, cut into pages of `pageSize` as it goes
 * (one page of profiles in memory); customers already attempted are skipped.
 */
async function scanPass(ctx: JobContext, shop: string, o: {
  pageSize: number; scanBatch: number; metafield: boolean; attempted: ReadonlySet<string>;
  writePage: (page: readonly string[], rows: readonly TagSyncRow[]) => Promise<void>; jobId: string | undefined;
}): Promise<void> {
  let buffer = new Map<string, TagSyncRow>();
  const flush = async () => {
    const page = [...buffer.keys()];
    // A profile rewritten since it was scanned (its desired tags have another revision now) is read
    // again, so the page writes the current tags; one gone meanwhile is forgotten like any pending
    // customer without a profile.
    const revNow = await ctx.tagState.revisions(shop, page);
    const stale = new Set(page.filter((id, k) => revNow[k] !== buffer.get(id)!.tagsRevision));
    const fresh = new Map((await ctx.profiles.getByIds(shop, [...stale])).map((d) => [d.customerId, d]));
    const rows = page.flatMap((id) => (stale.has(id) ? (fresh.has(id) ? [fresh.get(id)!] : []) : [buffer.get(id)!]));
    buffer = new Map();
    await o.writePage(page, rows);
  };
  for (let restarts = 0; ; restarts++) {
    try {
      // The scan reads up to a page ahead while a page is written (FerretDB reads while Shopify works).
      for await (const batch of readAhead(ctx.profiles.tagRowsOfShop(shop, o.scanBatch, o.metafield), Math.max(1, Math.ceil(o.pageSize / o.scanBatch)))) {
        const pending = await ctx.tagState.arePending(shop, batch.map((p) => p.customerId));
        for (let k = 0; k < batch.length; k++) {
          const p = batch[k]!;
          if (!pending[k] || o.attempted.has(p.customerId) || buffer.has(p.customerId)) continue;
          buffer.set(p.customerId, p);
          if (buffer.size >= o.pageSize) await flush();
        }
      }
      break;
    } catch (err) {
      if (!cursorLost(err) || restarts >= SCAN_RESTARTS) throw err;
      ctx.logger.warn({ shop, jobId: o.jobId, restarts }, 'tag sync scan cursor lost; scanning again');
    }
  }
  if (buffer.size) await flush();
}

export async function syncTags(ctx: JobContext, data: SyncTagsData, job?: Pick<Job, 'id'>, tuning: SyncTagsTuning = {}): Promise<SyncTagsResult> {
  const shop = await ctx.shops.get(data.shop);
  if (!shop?.installed) throw new ShopNotInstalledError(data.shop);
  const pendingCount = await ctx.tagState.pendingCount(data.shop);
  if (pendingCount === 0) return { mode: 'none', written: 0, gone: 0, failed: 0, flow: await drainFlowTriggers(ctx, data.shop) };
  const bulk = pendingCount >= ctx.bulkMutationThreshold;
  const pageSize = bulk ? (tuning.bulkPage ?? BULK_PAGE) : (tuning.perCustomerPage ?? PER_CUSTOMER_PAGE);
  const out: SyncTagsResult = { mode: bulk ? 'bulk' : 'per-customer', written: 0, gone: 0, failed: 0, metafields: { written: 0, skipped: 0, failed: 0 } };
  // Each pending customer is attempted once per job; customers that fail stay pending for the retry.
  const attempted = new Set<string>();

  /** Writes one page: `rows` are the page's customers that still have a profile, as read for this page. */
  const writePage = async (page: readonly string[], rows: readonly TagSyncRow[]): Promise<void> => {
    page.forEach((id) => attempted.add(id));
    const applied = await ctx.tagState.applied(data.shop, rows.map((p) => p.customerId));
    await ctx.enqueue.expectTagEcho(data.shop, rows.map((p) => p.customerId), shop.settings.tagPrefix);
    const r = await ctx.shopify.writeTags(
      data.shop,
      rows.map((p) => ({ customerId: p.customerId, desired: p.tagsDesired, applied: applied.get(p.customerId) ?? [] })),
      { bulk, tagPrefix: shop.settings.tagPrefix },
    );
    const byId = new Map(rows.map((p) => [p.customerId, p]));
    const changed = new Set(r.changed ?? []);
    await ctx.enqueue.settleTagEcho(data.shop, rows.map((p) => p.customerId).filter((id) => !changed.has(id)));
    await ctx.tagState.markApplied(
      data.shop,
      r.written.flatMap((id) => {
        const p = byId.get(id);
        return p ? [{ customerId: id, revision: p.tagsRevision, tags: p.tagsDesired }] : [];
      }),
    );
    const writtenIds = new Set(r.written);
    const mf = await syncCustomerMetafields(ctx, data.shop, shop.settings, rows.filter((p): p is TagSyncRow & Pick<CustomerProfileDoc, 'memberships' | 'predictionsJson'> => writtenIds.has(p.customerId) && p.memberships !== undefined), bulk);
    out.metafields!.written += mf.written;
    out.metafields!.skipped += mf.skipped;
    out.metafields!.failed += mf.failed;
    // Pending without a profile (erased meanwhile): nothing to write.
    for (const id of page) if (!byId.has(id)) await ctx.tagState.forgetCustomer(data.shop, id);
    // A customer deleted on Shopify is permanent: drop its profile instead of retrying forever.
    for (const id of r.gone) {
      await ctx.profiles.deleteCustomer(data.shop, id);
      await ctx.tagState.forgetCustomer(data.shop, id);
      ctx.logger.warn({ shop: data.shop, customerId: id, jobId: job?.id }, 'customer no longer exists on Shopify; profile dropped');
    }
    out.written += r.written.length;
    out.gone += r.gone.length;
    out.failed += r.failed.length;
  };

  // A large share of the shop pending (every customer after a resync): one scan of the shop's profiles
  // joined with the pending set and cut into pages as it goes (one page of profiles in memory) — linear
  // in the shop, where reading each page's profiles by an `_id` range or `$in` scanned the collection
  // once per page on FerretDB 1.24 (pages × shop size).
  const shopSize = bulk ? (await ctx.profiles.aggregates.get(data.shop))?.customers ?? pendingCount : 0;
  if (bulk && pendingCount * POINT_READ_COST >= shopSize) {
    const metafield = Boolean(shop.settings.shopify.customerMetafield && ctx.shopify.writeCustomerMetafields);
    await scanPass(ctx, data.shop, { pageSize, scanBatch: tuning.scanBatch ?? SCAN_BATCH, metafield, attempted, writePage, jobId: job?.id });
  }
  // Everything else pending, by id: the whole sync when few customers are pending; after a scan, the
  // customers that became pending during it and those without a profile.
  for (;;) {
    const ids = (await ctx.tagState.pending(data.shop, pageSize + attempted.size)).filter((id) => !attempted.has(id));
    if (ids.length === 0) break;
    const page = ids.slice(0, pageSize);
    await writePage(page, await ctx.profiles.getByIds(data.shop, page));
  }
  // Flow triggers go after the tags: a workflow that reads the customer sees the new tags.
  out.flow = await drainFlowTriggers(ctx, data.shop);
  ctx.logger.info({ shop: data.shop, jobId: job?.id, ...out }, 'tags synced');
  // Transient failures: throw so BullMQ retries with backoff; written ones are already marked.
  if (out.failed > 0) throw new TagWriteIncompleteError(data.shop, out.failed);
  return out;
}
