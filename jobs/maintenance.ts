// maintenance queue: daily recency sweep, expiry of webhook-delivery dedupe records, dead letters and
// data-request records (FerretDB has no TTL indexes), and forgetting a customer deleted on Shopify.
import type { Job } from 'bullmq';
import type { JobContext } from './ports.ts';
import type { MaintenanceData } from './queues.ts';
import { recencySweep } from './recency-sweep.ts';
import { reconcileShopifyObjects } from './shopify-objects.ts';

export async function runMaintenance(ctx: JobContext, data: MaintenanceData, job?: Pick<Job, 'id'>): Promise<unknown> {
  switch (data.kind) {
    case 'recency-sweep':
      return recencySweep(ctx, data);
    case 'cleanup-deliveries': {
      const deleted = await ctx.maintenance.deleteExpiredDeliveries(new Date(ctx.now()), data.olderThanDays * 24 * 3600 * 1000);
      // Dead letters and data-request records may name a customer: they expire too (30 days).
      const expired = await ctx.maintenance.deleteExpiredRecords(new Date(ctx.now()));
      ctx.logger.info({ jobId: job?.id, deleted, ...expired }, 'expired webhook deliveries, dead letters and data-request records deleted');
      return { deleted, ...expired };
    }
    case 'forget-customer':
      await ctx.profiles.deleteCustomer(data.shop, data.customerId);
      await ctx.events.deleteCustomer(data.shop, data.customerId);
      await ctx.tagState.forgetCustomer(data.shop, data.customerId);
      return { forgotten: 1 };
    case 'shopify-objects':
      return reconcileShopifyObjects(ctx, data, job);
  }
}
