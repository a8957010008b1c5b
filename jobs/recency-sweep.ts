// recency-sweep: segments change with time alone (At Risk after N quiet days). Each profile stores
// the next instant its memberships would change without a new order; the sweep reads only profiles
// with nextChangeAt <= now through the {shop, nextChangeAt} index (one cursor) and queues them at low priority.
// A shop whose last whole-shop pass (the nightly recalibration) computed every profile on the sweep's
// own day is skipped without a read: nextChangeAt is always the start of a later day than the one a
// profile was computed on, so no profile computed that day, by the pass or after it, is due before
// the next day (CalibrationStore.coveredUntil). On FerretDB, where the query is a scan of the
// profiles, that is the difference between ≈ 28 minutes and nothing at a million customers.
import type { JobContext } from './ports.ts';

const PAGE = 1000;

export async function recencySweep(ctx: JobContext, data: { asOf?: number; shop?: string }): Promise<{ shops: number; queued: number; covered: number }> {
  const now = new Date(data.asOf ?? ctx.now());
  const shops = data.shop ? [data.shop] : await ctx.shops.installedShops();
  let queued = 0;
  let covered = 0;
  for (const shop of shops) {
    // Changes a dead applier left in the shop's log (derived-buffer.ts) reach the segment browser now at the latest.
    await ctx.profiles.applyDerived(shop);
    const settings = (await ctx.shops.get(shop))?.settings;
    const until = settings ? await ctx.calibrations.coveredUntil(shop, settings.utcOffsetMinutes) : null;
    if (until && now < until) {
      covered++;
      continue;
    }
    // One cursor over the due customers (re-queuing one twice is harmless: the job id deduplicates).
    for await (const due of ctx.profiles.dueForRecency(shop, now, PAGE)) {
      for (const customerId of due) await ctx.enqueue.recomputeCustomer(shop, customerId, 'recency');
      queued += due.length;
    }
  }
  ctx.logger.info({ shops: shops.length, queued, covered }, 'recency sweep queued due customers');
  return { shops: shops.length, queued, covered };
}
