// recency-sweep: segments change with time alone (At Risk after N quiet days). Each profile stores
// the next instant its memberships would change without a new order; the sweep reads only profiles
// with nextChangeAt <= now through the {shop, nextChangeAt} index and queues them at low priority.
import type { JobContext } from './ports.ts';

const PAGE = 1000;

export async function recencySweep(ctx: JobContext, data: { asOf?: number; shop?: string }): Promise<{ shops: number; queued: number }> {
  const now = new Date(data.asOf ?? ctx.now());
  const shops = data.shop ? [data.shop] : await ctx.shops.installedShops();
  let queued = 0;
  for (const shop of shops) {
    // Changes a dead applier left in the shop's log (derived-buffer.ts) reach the segment browser now at the latest.
    await ctx.profiles.applyDerived(shop);
    let after = '';
    for (;;) {
      const due = await ctx.profiles.dueForRecency(shop, now, PAGE, after);
      for (const customerId of due) await ctx.enqueue.recomputeCustomer(shop, customerId, 'recency');
      queued += due.length;
      if (due.length < PAGE) break;
      after = due[due.length - 1]!;
    }
  }
  ctx.logger.info({ shops: shops.length, queued }, 'recency sweep queued due customers');
  return { shops: shops.length, queued };
}
