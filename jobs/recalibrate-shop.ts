// recalibrate-shop: nightly (03:00 shop time, a BullMQ job scheduler per shop) and on demand. Refits
// thresholds and models on the current base; writes only customers whose memberships change, so a
// quiet night costs no tag writes.
import type { Job } from 'bullmq';
import type { JobContext } from './ports.ts';
import type { RecalibrateShopData } from './queues.ts';
import { ShopNotInstalledError } from './errors.ts';
import { passInstants, recomputeShop, type RecomputeShopResult } from './recompute-shop.ts';

export async function recalibrateShop(ctx: JobContext, data: RecalibrateShopData, job?: Pick<Job<RecalibrateShopData>, 'id'> & Partial<Pick<Job<RecalibrateShopData>, 'updateData'>>): Promise<RecomputeShopResult> {
  const shop = await ctx.shops.get(data.shop);
  if (!shop?.installed) throw new ShopNotInstalledError(data.shop);
  const { asOf, eventsAt } = await passInstants(ctx, data, job);
  const result = await recomputeShop(ctx, data.shop, { asOf, eventsAt, settings: shop.settings, reason: data.reason, onlyChanged: true });
  ctx.logger.info({ shop: data.shop, jobId: job?.id, customers: result.customers, written: result.written }, 'shop recalibrated');
  return result;
}
