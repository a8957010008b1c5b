// The load phase: a merchant's actions on the simulator (new orders, refunds, cancellations; seeded),
// each causing order webhooks, while the Admin API answers 5xx and THROTTLED and the fault schedule
// breaks servers and workers at its moments. Bounded by the webhook target, an action count and the
// run's time limit.
import { seededRng, uniformInt } from '../../tools/seeded-random.ts';
import type { FaultKind, FaultStep, Timeline } from './faults.ts';
import { API_KEY, ASOF, DAY, SHOP, sleep, type ChaosSystem } from './system.ts';

export interface LoadOptions {
  orderWebhooks: number;
  actionsPerSecond: number;
  seed: number;
  schedule: readonly FaultStep[];
  timeline: Timeline;
  examples: string[];
  left: () => number;
}

export interface LoadResult {
  actions: number;
  /** Order webhooks (orders/*, refunds/create, not counting duplicates) before the load started. */
  baseline: number;
}

/** How each fault of the schedule is injected. */
const INJECT: Record<FaultKind, (s: ChaosSystem) => Promise<void>> = {
  'redis-restart': (s) => s.restartRedis(),
  'mongo-restart': (s) => s.restartMongo(),
  'worker-kill': (s) => s.killWorkerMidJob(),
  'schedules-fire': (s) => s.fireSchedules(),
};

export const isOrderTopic = (topic: string) => /^(orders\/|refunds\/)/.test(topic);

export async function generateLoad(system: ChaosSystem, o: LoadOptions): Promise<LoadResult> {
  const { sim } = system;
  const rng = seededRng(o.seed);
  const pick = <T>(items: readonly T[]): T => items[uniformInt(rng, 0, items.length - 1)]!;
  sim.setFaults(SHOP, { errorRate: 0.1, errorStatus: 503 });
  const customerIds = sim.listCustomers(SHOP).map((c) => c.id);
  const created: string[] = [];
  const orderWebhooks = () => sim.webhookLog(SHOP).filter((r) => isOrderTopic(r.topic) && !r.duplicate).length;
  const baseline = orderWebhooks();
  const pendingFaults = [...o.schedule];
  let caused = 0;
  let lastThrottle = Date.now();
  let actions = 0;
  const maxActions = o.orderWebhooks * 2; // bound even if the webhook count were mis-measured

  while (caused < o.orderWebhooks && actions < maxActions && o.left() > 60_000) {
    const r = rng.next();
    const customerId = pick(customerIds);
    try {
      if (r < 0.1 && created.length > 0) {
        const id = pick(created);
        const order = sim.getOrder(SHOP, id)!;
        if (order.cancelledAt === null && order.financialStatus === 'paid') sim.refundOrder(SHOP, id, { amount: '1.00' });
      } else if (r < 0.15 && created.length > 0) {
        const id = pick(created);
        if (sim.getOrder(SHOP, id)!.cancelledAt === null) sim.cancelOrder(SHOP, id);
      } else {
        const daysAgo = uniformInt(rng, 1, 120);
        const createdAt = ASOF - daysAgo * DAY - Math.floor(rng.next() * DAY / 2);
        const lineItem = { quantity: uniformInt(rng, 1, 3), price: uniformInt(rng, 5, 204).toFixed(2), sku: `SKU-${uniformInt(rng, 0, 39)}` };
        created.push(sim.createOrder(SHOP, { customerId, createdAt, lineItems: [lineItem] }).id);
      }
    } catch (err) {
      o.examples.push(`merchant action failed: ${(err as Error).message}`);
    }
    actions++;
    if (actions % 20 === 0) caused = orderWebhooks() - baseline;
    if (Date.now() - lastThrottle > 3000) {
      // Another app spent the bucket, and a burst of THROTTLED answers follows.
      sim.drainBucket(SHOP, API_KEY);
      sim.setFaults(SHOP, { throttleNext: 3 });
      lastThrottle = Date.now();
    }
    while (pendingFaults.length > 0 && caused / o.orderWebhooks >= pendingFaults[0]!.at) {
      const step = pendingFaults.shift()!;
      o.timeline.mark(`fault: ${step.kind} (scheduled at ${Math.round(step.at * 100)}% of the webhooks)`);
      await INJECT[step.kind](system);
    }
    await sleep(1000 / o.actionsPerSecond);
  }
  system.log(`generated ${actions} merchant actions → ${orderWebhooks() - baseline} order webhooks; draining`);
  return { actions, baseline };
}
