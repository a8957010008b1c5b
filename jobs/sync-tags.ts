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

export class TagWriteIncompleteError extends Error {
  constructor(shop: string, failed: number) {
    super(`${failed} tag writes for ${shop} failed; retrying`);
    this.name = 'TagWriteIncompleteError';
  }
}

export async function syncTags(ctx: JobContext, data: SyncTagsData, job?: Pick<Job, 'id'>): Promise<SyncTagsResult> {
  const shop = await ctx.shops.get(data.shop);
  if (!shop?.installed) throw new ShopNotInstalledError(data.shop);
  const pendingCount = await ctx.tagState.pendingCount(data.shop);
  if (pendingCount === 0) return { mode: 'none', written: 0, gone: 0, failed: 0, flow: await drainFlowTriggers(ctx, data.shop) };
  const bulk = pendingCount >= ctx.bulkMutationThreshold;
  const out: SyncTagsResult = { mode: bulk ? 'bulk' : 'per-customer', written: 0, gone: 0, failed: 0, metafields: { written: 0, skipped: 0, failed: 0 } };
  const attempted = new Set<string>();
  for (;;) {
    const ids = (await ctx.tagState.pending(data.shop, (bulk ? BULK_PAGE : PER_CUSTOMER_PAGE) + attempted.size)).filter((id) => !attempted.has(id));
    if (ids.length === 0) break;
    const page = ids.slice(0, bulk ? BULK_PAGE : PER_CUSTOMER_PAGE);
    page.forEach((id) => attempted.add(id));
    const [profiles, applied] = await Promise.all([ctx.profiles.getMany(data.shop, page), ctx.tagState.applied(data.shop, page)]);
    await ctx.enqueue.expectTagEcho(data.shop, profiles.map((p) => p.customerId), shop.settings.tagPrefix);
    const r = await ctx.shopify.writeTags(
      data.shop,
      profiles.map((p) => ({ customerId: p.customerId, desired: p.tagsDesired, applied: applied.get(p.customerId) ?? [] })),
      { bulk, tagPrefix: shop.settings.tagPrefix },
    );
    const byId = new Map(profiles.map((p) => [p.customerId, p]));
    const changed = new Set(r.changed ?? []);
    await ctx.enqueue.settleTagEcho(data.shop, profiles.map((p) => p.customerId).filter((id) => !changed.has(id)));
    await ctx.tagState.markApplied(
      data.shop,
      r.written.flatMap((id) => {
        const p = byId.get(id);
        return p ? [{ customerId: id, revision: p.tagsRevision, tags: p.tagsDesired }] : [];
      }),
    );
    const writtenIds = new Set(r.written);
    const mf = await syncCustomerMetafields(ctx, data.shop, shop.settings, profiles.filter((p) => writtenIds.has(p.customerId)), bulk);
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
  }
  // Flow triggers go after the tags: a workflow that reads the customer sees the new tags.
  out.flow = await drainFlowTriggers(ctx, data.shop);
  ctx.logger.info({ shop: data.shop, jobId: job?.id, ...out }, 'tags synced');
  // Transient failures: throw so BullMQ retries with backoff; written ones are already marked.
  if (out.failed > 0) throw new TagWriteIncompleteError(data.shop, out.failed);
  return out;
}
