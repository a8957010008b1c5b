// maintenance queue: daily recency sweep, expiry of webhook-delivery dedupe records (FerretDB has no
// TTL indexes), and forgetting a customer deleted on Shopify.
import type { Job } from 'bullmq';
import type { JobContext } from './ports.ts';
import type { MaintenanceData } from './queues.ts';
import { recencySweep } from './recency-sweep.ts';

export async function runMaintenance(ctx: JobContext, data: MaintenanceData, job?: Pick<Job, 'id'>): Promise<unknown> {
  switch (data.kind) {
    case 'recency-sweep':
      return recencySweep(ctx, data);
    case 'cleanup-deliveries': {
      const deleted = await ctx.maintenance.deleteExpiredDeliveries(new Date(ctx.now()), data.olderThanDays * 24 * 3600 * 1000);
      ctx.logger.info({ jobId: job?.id, deleted }, 'expired webhook deliveries deleted');
      return { deleted };
    }
    case 'forget-customer':
      await ctx.profiles.deleteCustomer(data.shop, data.customerId);
      await ctx.events.deleteCustomer(data.shop, data.customerId);
      await ctx.tagState.forgetCustomer(data.shop, data.customerId);
      return { forgotten: data.customerId };
  }
}
