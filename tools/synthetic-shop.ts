// A seeded synthetic shop: customers whose purchases follow the BG/NBD story (Poisson purchasing at
// a gamma-distributed rate, dropping out after any purchase with a beta-distributed probability),
// order values from the Gamma-Gamma story, a catalogue with consumables that are reordered on a
// cycle, discount codes, test/cancelled/refunded orders, engagement and customers without orders.
// Streaming: customers are generated one at a time, and iterating again yields the same shop.
// Used by the benchmarks and tests, and reusable by the Shopify simulator.
import type { CustomerInput, NormalizedOrder, OrderLineItem } from '../src/segments/types.ts';
import { beta, exponential, gamma, seededRng, uniformInt } from './seeded-random.ts';
import type { Rng } from './seeded-random.ts';

const DAY = 86_400_000;

export interface SyntheticShopOptions {
  customers: number;
  seed: number;
  /** The shop's last day (orders up to the end of it). */
  asOf: number;
  historyDays?: number;
  /** BG/NBD parameters in days. Defaults give about 5 orders per customer over 3 years. */
  bgnbd?: { r: number; alpha: number; a: number; b: number };
  /** Gamma-Gamma parameters, gamma in minor units. */
  gammaGamma?: { p: number; q: number; gamma: number };
  products?: number;
  /** Share of customer records without any order (Prospects). */
  prospectShare?: number;
}

export const DEFAULT_SYNTHETIC = {
  historyDays: 3 * 365,
  bgnbd: { r: 1.2, alpha: 80, a: 0.6, b: 2.4 },
  gammaGamma: { p: 6, q: 4, gamma: 1500 },
  products: 200,
  prospectShare: 0.02,
};

/** Purchase times (days after the first purchase) of one BG/NBD customer observed for tDays. */
export function simulateBgNbdPurchases(rng: Rng, p: { r: number; alpha: number; a: number; b: number }, tDays: number): number[] {
  const lambda = gamma(rng, p.r, p.alpha);
  const dropout = beta(rng, p.a, p.b);
  const times = [0];
  let t = 0;
  for (;;) {
    t += exponential(rng, lambda);
    if (t > tDays) break;
    times.push(t);
    if (rng.next() < dropout) break;
  }
  return times;
}

export function syntheticShop(options: SyntheticShopOptions): Iterable<CustomerInput> {
  const o = { ...DEFAULT_SYNTHETIC, ...options };
  const consumables = Math.max(1, Math.floor(o.products / 10));
  return {
    *[Symbol.iterator]() {
      const rng = seededRng(o.seed);
      const start = o.asOf - o.historyDays * DAY;
      let orderSeq = 1;
      for (let c = 0; c < o.customers; c++) {
        const customerId = String(1_000_000 + c);
        if (rng.next() < o.prospectShare) {
          yield { customerId, orders: [] };
          continue;
        }
        const firstAt = start + Math.floor(rng.next() * o.historyDays) * DAY + uniformInt(rng, 6, 22) * 3_600_000;
        const tDays = (o.asOf - firstAt) / DAY;
        const times = simulateBgNbdPurchases(rng, o.bgnbd, tDays);
        const nu = gamma(rng, o.gammaGamma.q, o.gammaGamma.gamma); // per-customer rate: mean order value p/nu
        const couponLover = rng.next() < 0.1;
        const favourite = uniformInt(rng, 0, consumables - 1);
        const orders: NormalizedOrder[] = [];
        for (const t of times) {
          const at = Math.min(o.asOf, firstAt + Math.floor(t * DAY));
          const value = Math.max(1, Math.round(gamma(rng, o.gammaGamma.p, nu)));
          const items: OrderLineItem[] = [{ productId: `gid-${favourite}`, variantId: null, sku: `SKU-${favourite}`, quantity: 1 }];
          if (rng.next() < 0.5) {
            const k = uniformInt(rng, consumables, o.products - 1);
            items.push({ productId: `gid-${k}`, variantId: null, sku: `SKU-${k}`, quantity: uniformInt(rng, 1, 3) });
          }
          const roll = rng.next();
          const refunded = roll < 0.01;
          const cancelled = roll >= 0.01 && roll < 0.02;
          const partial = roll >= 0.02 && roll < 0.04 ? Math.floor(value / 4) : 0;
          orders.push({
            id: String(orderSeq++),
            customerId,
            createdAt: at,
            processedAt: at,
            cancelledAt: cancelled ? at + 3_600_000 : null,
            updatedAt: at,
            test: roll >= 0.04 && roll < 0.045,
            financialStatus: refunded ? 'refunded' : partial ? 'partially_refunded' : 'paid',
            netMinor: refunded ? 0 : value - partial,
            grossMinor: value,
            currency: 'USD',
            discountCodes: (couponLover ? rng.next() < 0.8 : rng.next() < 0.1) ? ['SAVE10'] : [],
            sourceName: rng.next() < 0.05 ? 'pos' : 'web',
            tags: [],
            b2b: false,
            lineItems: items,
          });
        }
        const clicked = rng.next() < 0.3 ? o.asOf - Math.floor(rng.next() * 365) * DAY : null;
        yield { customerId, orders, engagement: { lastEmailClickAt: clicked, lastVisitAt: null } };
      }
    },
  };
}
