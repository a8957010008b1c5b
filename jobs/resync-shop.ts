// resync-shop: backfill every customer and order through a bulk query, recalibrate, recompute all,
// then let sync-tags write the differences. Progress {percent, phase, counts} for dashboard and CLI.
// One at a time per shop: enqueue.resyncShop deduplicates on the shop.
import type { Job } from 'bullmq';
import type { JobContext } from './ports.ts';
import type { ResyncProgress, ResyncShopData } from './queues.ts';
import { ShopNotInstalledError } from './errors.ts';
import { passInstants, recomputeShop, type RecomputeShopResult } from './recompute-shop.ts';
import type { CheckoutBackfillReport } from '../src/shopify/abandoned-checkouts.ts';
import type { ShopSettings } from '../src/segments/settings.ts';

export interface ResyncResult extends RecomputeShopResult {
  backfill: { customers: number; orders: number };
  /** Abandoned checkouts read (null: the port cannot read them). */
  checkouts: CheckoutBackfillReport | null;
}

/** Checkouts as far back as the longest intent window looks (src/segments/intent-segments.ts). */
async function backfillCheckouts(ctx: JobContext, shop: string, settings: ShopSettings, asOf: number): Promise<CheckoutBackfillReport | null> {
  if (!ctx.shopify.backfillCheckouts) return null;
  const { abandonedCartDays, undecidedDays } = settings.intent;
  const r = await ctx.shopify.backfillCheckouts(shop, new Date(asOf - Math.max(abandonedCartDays, undecidedDays) * 86_400_000));
  if (r.error) ctx.logger.warn({ shop, error: r.error }, 'abandoned checkouts not readable; checkouts count from the webhooks on');
  else ctx.logger.info({ shop, ...r }, 'abandoned checkouts read');
  return r;
}

type ProgressSink = Pick<Job<ResyncShopData>, 'updateProgress' | 'id'> & Partial<Pick<Job<ResyncShopData>, 'updateData'>>;

export async function resyncShop(ctx: JobContext, data: ResyncShopData, job?: ProgressSink): Promise<ResyncResult> {
  const log = ctx.logger.child({ shop: data.shop, jobId: job?.id });
  const shop = await ctx.shops.get(data.shop);
  if (!shop?.installed) throw new ShopNotInstalledError(data.shop);
  const startedAt = new Date();
  const counts: ResyncProgress['counts'] = { customers: 0, orders: 0, profiles: 0, tagsPending: 0 };
  const report = async (phase: ResyncProgress['phase'], percent: number) => {
    await job?.updateProgress({ percent: Math.round(percent), phase, counts: { ...counts } } satisfies ResyncProgress);
  };

  await report('backfill', 0);
  // Backfill is the slow, network-bound part: 0–50 %; progress moves with customers streamed.
  const backfill = await ctx.shopify.backfill(data.shop, async (p) => {
    counts.customers = p.customers;
    counts.orders = p.orders;
    await report('backfill', Math.min(49, 5 + Math.log10(1 + p.customers) * 8));
  });
  log.info(backfill, 'backfill done');
  // After the backfill: its orders are not later than the as-of.
  const { asOf, eventsAt } = await passInstants(ctx, data, job);
  const checkouts = await backfillCheckouts(ctx, data.shop, shop.settings, asOf);

  await report('calibrate', 50);
  const result = await recomputeShop(ctx, data.shop, {
    asOf, eventsAt, settings: shop.settings, reason: `resync (${data.requestedBy})`, onlyChanged: false,
    onProgress: async (done, total) => {
      counts.profiles = done;
      await report('recompute', 50 + (45 * done) / Math.max(1, total));
    },
  });
  counts.customers = result.customers;
  counts.orders = result.orders;
  counts.tagsPending = result.tagsPending;
  await report('done', 100);
  await ctx.shops.recordResync?.(data.shop, { jobId: String(job?.id ?? ''), requestedBy: data.requestedBy, startedAt, finishedAt: new Date(), ...counts });
  log.info({ customers: result.customers, tagsPending: result.tagsPending }, 'resync computed');
  return { ...result, backfill, checkouts };
}
