// The verification phase, with everything drained: for every customer of the simulated shop, stored
// orders (id, net amount, status, updated_at, cancellation) equal the simulator's; the app's tags on
// the simulator equal a from-scratch recompute (segmentCustomer on those orders with the shop's stored
// calibration and settings); merchant tags are exactly those seeded. A customer whose tags differ only
// through the engine's hysteresis is accepted when its tags equal the recompute seeded with the stored
// previous memberships and the stored profile wants them too. Each mismatch keeps what is needed to
// explain it (expected vs actual orders and tags, the recompute job's state).
import { segmentCustomer, type Calibration, type NormalizedOrder } from '../../src/segments/index.ts';
import { shopPort } from '../../jobs/runtime.ts';
import { segmentEngine } from '../../jobs/engine.ts';
import { dedupId } from '../../jobs/queues.ts';
import { currentTotalMinor, type OrderRecord } from '../../tools/shopify-simulator/store.ts';
import { ASOF, SHOP, bounded, type ChaosSystem } from './system.ts';

export interface OrderDiff {
  id: string;
  /** "net/status/updated_at/cancelled_at" as stored by the app; null when missing. */
  stored: string | null;
  simulator: string;
}

export interface CustomerMismatch {
  customerId: string;
  orders: OrderDiff[];
  /** Orders stored for the customer that the simulator does not list for them. */
  extraOrders: string[];
  tags: { actual: string[]; expected: string[]; withHistory: string[]; profileWants: string[]; profileComputedAt: string | null } | null;
  merchantTags: { actual: string[]; expected: string[] } | null;
  /** The customer's recompute job behind the deduplication key, when the tags differ. */
  recomputeJob: string | null;
}

export interface Verification {
  customersChecked: number;
  orderMismatches: number;
  tagMismatches: number;
  merchantTagMismatches: number;
  heldByHysteresis: number;
  lost: number;
  /** The first mismatching customers (at most MAX_KEPT), in the simulator's customer order. */
  mismatches: CustomerMismatch[];
}

const MAX_KEPT = 20;
const sec = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().slice(0, 19));
const same = (a: readonly string[], b: readonly string[]) => JSON.stringify(a) === JSON.stringify(b);
const describeSim = (o: OrderRecord) => `${currentTotalMinor(o)}/${o.financialStatus}/${iso(o.updatedAt)}/${iso(o.cancelledAt)}`;
const describeStored = (o: NormalizedOrder) => `${o.netMinor}/${o.financialStatus}/${iso(o.updatedAt)}/${iso(o.cancelledAt)}`;

function orderDiffs(simOrders: readonly OrderRecord[], stored: ReadonlyMap<string, NormalizedOrder>): OrderDiff[] {
  const out: OrderDiff[] = [];
  for (const so of simOrders) {
    const st = stored.get(so.id);
    if (!st) out.push({ id: so.id, stored: null, simulator: describeSim(so) });
    else if (st.netMinor !== currentTotalMinor(so) || sec(st.updatedAt) !== sec(so.updatedAt) || sec(st.cancelledAt) !== sec(so.cancelledAt) || st.financialStatus !== so.financialStatus) {
      out.push({ id: so.id, stored: describeStored(st), simulator: describeSim(so) });
    }
  }
  return out;
}

async function recomputeJobOf(system: ChaosSystem, customerId: string): Promise<string> {
  const { queues, log } = system; // the shop's partition
  const jobId = await bounded(queues.recompute.getDeduplicationJobId(dedupId.recompute(SHOP, customerId)), 5000, 'dedup key', null, log);
  const job = jobId ? await bounded(queues.recompute.getJob(jobId), 5000, 'job', undefined, log) : undefined;
  if (!job) return `dedup key → ${jobId ?? 'none'}`;
  const state = await bounded(job.getState(), 5000, 'job state', 'unknown', log);
  const t = (ms: number | undefined) => (ms ? new Date(ms).toISOString().slice(11, 23) : '-');
  return `dedup key → job ${jobId} (${state}; processed ${t(job.processedOn)}, finished ${t(job.finishedOn)}, attempts ${job.attemptsMade}, stalled ${job.stalledCounter})`;
}

export async function verifyCustomers(system: ChaosSystem): Promise<Verification> {
  const { sim, deps, log } = system;
  sim.setFaults(SHOP, { errorRate: 0, throttleNext: 0 });
  const shopState = await bounded(shopPort(deps).get(SHOP), 30_000, 'shop settings', null, log);
  if (!shopState) throw new Error('shop settings unreadable after the run');
  const settings = shopState.settings;
  const calibration = (await bounded(deps.stores.calibrations.current(SHOP), 30_000, 'calibration', null, log))?.calibration as Calibration | undefined;
  if (!calibration) throw new Error('no calibration stored after the run');
  const byCustomer = new Map<string, NormalizedOrder[]>();
  const collect = async () => { for await (const c of deps.stores.orders.customersOf(SHOP)) byCustomer.set(c.customerId, c.orders); return true; };
  if (!(await bounded(collect(), 60_000, 'reading stored orders', false, log))) throw new Error('stored orders unreadable after the run');
  log(`read ${byCustomer.size} customers' stored orders`);

  const v: Verification = { customersChecked: 0, orderMismatches: 0, tagMismatches: 0, merchantTagMismatches: 0, heldByHysteresis: 0, lost: 0, mismatches: [] };
  for (const c of sim.listCustomers(SHOP)) {
    v.customersChecked++;
    const simOrders = sim.listOrders(SHOP, { customerId: c.id });
    const stored = new Map((byCustomer.get(c.id) ?? []).map((o) => [o.id, o]));
    const orders = orderDiffs(simOrders, stored);
    const simIds = new Set(simOrders.map((o) => o.id));
    const extraOrders = [...stored.keys()].filter((id) => !simIds.has(id));
    v.lost += orders.length;
    if (orders.length > 0 || extraOrders.length > 0) v.orderMismatches++;

    const storedOrders = [...stored.values()];
    // A customer the app holds (a book, possibly empty: a Prospect) is segmented; one it never saw has no tags.
    const known = byCustomer.has(c.id);
    const expected = known ? [...segmentCustomer({ customerId: c.id, orders: storedOrders }, calibration, settings, ASOF).tags].sort() : [];
    const actual = c.tags.filter((t) => t.startsWith(settings.tagPrefix)).sort();
    let tags: CustomerMismatch['tags'] = null;
    if (!same(expected, actual)) {
      const profile = await bounded(deps.stores.profiles.get(SHOP, c.id), 10_000, 'profile', null, log);
      const withHistory = profile && known ? [...segmentEngine.segment({ customerId: c.id, orders: storedOrders }, calibration, settings, ASOF, profile.memberships).tags].sort() : [];
      const profileWants = profile ? [...profile.tagsDesired].sort() : [];
      if (profile && same(withHistory, actual) && same(profileWants, actual)) v.heldByHysteresis++;
      else {
        v.tagMismatches++;
        tags = { actual, expected, withHistory, profileWants, profileComputedAt: profile ? new Date(profile.computedAt).toISOString().slice(11, 23) : null };
      }
    }
    const merchant = c.tags.filter((t) => !t.startsWith(settings.tagPrefix)).sort();
    const merchantExpected = system.merchantTags.get(c.id) ?? [];
    const merchantTags = same(merchant, merchantExpected) ? null : { actual: merchant, expected: merchantExpected };
    if (merchantTags) v.merchantTagMismatches++;

    if ((orders.length > 0 || extraOrders.length > 0 || tags || merchantTags) && v.mismatches.length < MAX_KEPT) {
      v.mismatches.push({ customerId: c.id, orders, extraOrders, tags, merchantTags, recomputeJob: tags ? await recomputeJobOf(system, c.id) : null });
    }
  }
  return v;
}
