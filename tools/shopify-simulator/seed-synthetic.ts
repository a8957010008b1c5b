// Seeded synthetic shops (no webhooks: this is the shop's history). Two models: 'simple' (default; fast,
// skewed order counts) and 'bgnbd', which reuses the project's tools/synthetic-shop.ts (BG/NBD purchasing,
// Gamma-Gamma values, consumables) so demo segments look like a real shop's.
import { syntheticShop } from '../synthetic-shop.ts';
import { derivedPrng } from '../seeded-random.ts';
import type { Simulator } from './simulator.ts';
import type { TimeInput } from './merchant-actions.ts';
import { toMs } from './merchant-actions.ts';
import { mergeTags } from './store.ts';
import type { FinancialStatus } from './store.ts';
import { StreamedOrders, streamedCustomer, streamedCustomerRecord, type StreamedShopParams } from './streamed-shop.ts';

export const MERCHANT_TAGS = ['wholesale', 'newsletter', 'staff', 'vip-manual'];
const DAY = 86_400_000;

export interface SyntheticOptions {
  customers: number;
  seed: number;
  /** History ends here (default: the simulator clock). */
  asOf?: TimeInput;
  maxOrdersPerCustomer?: number;
  /** 'simple' model: mean orders per customer before the cap (default about 1.1: many one-time buyers). */
  meanOrdersPerCustomer?: number;
  /** Days of history (default 730; the bgnbd model's own default otherwise). */
  historyDays?: number;
  /**
   * 'streamed': the simple model's shape, but no order is held in memory — each customer's orders are
   * generated from (seed, customer index) when read (streamed-shop.ts). For very large shops.
   */
  model?: 'simple' | 'bgnbd' | 'streamed';
}

/** Merchant-owned tags on about one customer in seven, so tests can prove the app leaves them alone. */
export function merchantTagsFor(index: number): string[] {
  if (index % 7 !== 3) return [];
  const first = MERCHANT_TAGS[index % MERCHANT_TAGS.length] as string;
  return index % 3 === 0 ? [first, 'newsletter'] : [first];
}

export function seedSynthetic(sim: Simulator, shopDomain: string, opts: SyntheticOptions): { customers: number; orders: number } {
  if (opts.model === 'bgnbd') return seedBgNbd(sim, shopDomain, opts);
  if (opts.model === 'streamed') return seedStreamed(sim, shopDomain, opts);
  const shop = sim.shop(shopDomain);
  const rng = derivedPrng(opts.seed, 'synthetic-shop');
  const asOf = opts.asOf === undefined ? sim.clock.now() : toMs(opts.asOf);
  const historyDays = opts.historyDays ?? 730;
  const maxOrders = opts.maxOrdersPerCustomer ?? 8;
  // floor(Exponential(scale)) has mean about scale - 0.5.
  const scale = opts.meanOrdersPerCustomer === undefined ? 1.6 : opts.meanOrdersPerCustomer + 0.5;
  let orders = 0;
  for (let i = 0; i < opts.customers; i++) {
    const createdAt = asOf - rng.int(1, historyDays) * DAY - rng.int(0, DAY - 1);
    const c = sim.merchant.createCustomer(shop.domain, { tags: merchantTagsFor(i), createdAt }, true);
    // Skewed order counts: many one-time buyers, a tail of loyal ones.
    const n = Math.min(maxOrders, Math.floor(-Math.log(1 - rng.next() * 0.999) * scale));
    const times: number[] = [];
    for (let k = 0; k < n; k++) times.push(createdAt + Math.floor(rng.next() * (asOf - createdAt)));
    times.sort((a, b) => a - b);
    for (const t of times) {
      const status: FinancialStatus = rng.chance(0.05) ? 'refunded' : rng.chance(0.03) ? 'pending' : 'paid';
      const items = Array.from({ length: rng.int(1, 3) }, () => {
        const product = rng.int(1, 200);
        return {
          quantity: rng.int(1, 3), price: `${rng.int(4, 120)}.${String(rng.int(0, 99)).padStart(2, '0')}`, sku: `SKU-${product}`,
          productId: String(8_000_000_000_000 + product), variantId: String(44_000_000_000_000 + product), title: `Product ${product}`,
        };
      });
      const o = sim.merchant.buildOrder(shop, {
        customerId: c.id, createdAt: t, lineItems: items, financialStatus: status === 'refunded' ? 'paid' : status,
        sourceName: rng.chance(0.2) ? 'pos' : 'web', discountCodes: rng.chance(0.1) ? [{ code: 'WELCOME10', amount: '1.00' }] : [],
      }, t + rng.int(0, 3600_000));
      if (status === 'refunded') {
        const refundAt = Math.min(asOf, o.updatedAt + rng.int(1, 14) * DAY);
        o.refunds.push({ id: sim.nextId('refund'), createdAt: refundAt, amountMinor: o.lineItems.reduce((s, li) => s + li.quantity * li.priceMinor, 0) - o.discountCodes.reduce((s, d) => s + d.amountMinor, 0), note: null });
        o.financialStatus = 'refunded';
        o.updatedAt = refundAt;
      }
      shop.addOrder(o);
      c.updatedAt = Math.max(c.updatedAt, o.updatedAt);
      orders++;
    }
  }
  return { customers: opts.customers, orders };
}

/**
 * The streamed model: customer records only (generated once here to know each one's order count and
 * last update), the orders generated again whenever read. Replaces the shop's order table, so it is
 * for a shop seeded with nothing else.
 */
function seedStreamed(sim: Simulator, shopDomain: string, opts: SyntheticOptions): { customers: number; orders: number } {
  const shop = sim.shop(shopDomain);
  if (shop.customers.size > 0 || shop.orders.size > 0) throw new Error(`the streamed model needs an empty shop; ${shopDomain} has data`);
  const p: StreamedShopParams = {
    customers: opts.customers, seed: opts.seed, asOf: opts.asOf === undefined ? sim.clock.now() : toMs(opts.asOf),
    historyDays: opts.historyDays ?? 730, maxOrders: opts.maxOrdersPerCustomer ?? 8,
    scale: opts.meanOrdersPerCustomer === undefined ? 1.6 : opts.meanOrdersPerCustomer + 0.5, currency: shop.currency,
  };
  let orders = 0;
  for (let i = 0; i < p.customers; i++) {
    const c = streamedCustomer(p, i);
    const updatedAt = c.orders.reduce((u, o) => Math.max(u, o.updatedAt), c.createdAt);
    shop.addCustomer(streamedCustomerRecord(p, i, { tags: mergeTags([], merchantTagsFor(i)), createdAt: c.createdAt, updatedAt, orders: c.orders.length }));
    orders += c.orders.length;
  }
  shop.orders = new StreamedOrders(p, orders);
  return { customers: p.customers, orders };
}

/** Maps tools/synthetic-shop.ts customers onto simulator records, keeping order totals exact. */
function seedBgNbd(sim: Simulator, shopDomain: string, opts: SyntheticOptions): { customers: number; orders: number } {
  const shop = sim.shop(shopDomain);
  const asOf = opts.asOf === undefined ? sim.clock.now() : toMs(opts.asOf);
  let customers = 0;
  let orders = 0;
  for (const input of syntheticShop({ customers: opts.customers, seed: opts.seed, asOf, ...(opts.historyDays ? { historyDays: opts.historyDays } : {}) })) {
    const first = input.orders[0];
    const c = sim.merchant.createCustomer(shop.domain, { tags: merchantTagsFor(customers), createdAt: first ? first.createdAt : asOf - 30 * DAY }, true);
    customers++;
    for (const g of input.orders) {
      // SAVE10 took about a tenth off: list prices add up to gross + discount.
      const discount = g.discountCodes.length > 0 ? Math.round(g.grossMinor / 9) : 0;
      const units = Math.max(1, g.lineItems.reduce((n, li) => n + li.quantity, 0));
      const unit = Math.floor((g.grossMinor + discount) / units);
      const rest = g.grossMinor + discount - unit * units;
      const o = sim.merchant.buildOrder(shop, {
        customerId: c.id, createdAt: g.createdAt, processedAt: g.processedAt, test: g.test, sourceName: g.sourceName, tags: g.tags,
        financialStatus: 'paid', discountCodes: g.discountCodes.map((code) => ({ code, amount: discount / 100 })),
        lineItems: g.lineItems.map((li, i) => ({
          quantity: li.quantity, price: ((unit + (i === 0 && li.quantity === 1 ? rest : 0)) / 100).toFixed(2), sku: li.sku,
          productId: li.productId ? String(8_000_000_000_000 + Number(li.productId.replace(/\D/g, '') || 0)) : null, variantId: null,
        })),
      }, g.updatedAt);
      if (g.lineItems[0]?.quantity !== 1 && rest > 0) o.lineItems.push({ ...o.lineItems[0]!, id: sim.nextId('lineItem'), quantity: 1, currentQuantity: 1, priceMinor: rest });
      if (g.netMinor < g.grossMinor) {
        o.refunds.push({ id: sim.nextId('refund'), createdAt: g.updatedAt, amountMinor: g.grossMinor - g.netMinor, note: null });
        o.financialStatus = g.netMinor === 0 ? 'refunded' : 'partially_refunded';
      }
      if (g.cancelledAt !== null) {
        o.cancelledAt = g.cancelledAt;
        o.cancelReason = 'customer';
        o.updatedAt = Math.max(o.updatedAt, g.cancelledAt);
      }
      shop.addOrder(o);
      c.updatedAt = Math.max(c.updatedAt, o.updatedAt);
      orders++;
    }
  }
  return { customers, orders };
}
