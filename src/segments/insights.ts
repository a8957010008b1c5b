// Bright spots: what a shop's best customers teach it (issue 20). Three product reports computed
// from the same customer summaries and calibration the segments use:
//   - gateway products: of the customers whose first order contained a product and who have been
//     observed for the whole window, the share who ordered again within it (with a Wilson 95 %
//     interval, ranked by its lower bound) and their mean predicted 12-month value;
//   - what the best buy: per product, how much more often VIPs and Champions bought it than buyers
//     in general (lift), with a minimum support;
//   - reorder rhythm: the reorder interval replenishment learns, with its quartiles and support.
// Pure: plain data in and out, asOf passed in. Every list has a total order (ties broken by counts,
// then product key), so permuting the input never changes the output.
import type { Calibration } from './calibrate-shop.ts';
import { calibrateFromSummaries } from './calibrate-shop.ts';
import { dayOf, formatDay } from './calendar.ts';
import { summarizeAll } from './customer-summary.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { percent, plural } from './explain.ts';
import { count, day, explanationText, message, type ExplanationMsg } from './explanation.ts';
import { loyaltyGroup } from './loyalty-groups.ts';
import { predictClv } from './predictions.ts';
import { ReplenishmentLearner } from './replenishment.ts';
import { rfmSegment } from './rfm-segment.ts';
import type { ShopSettings } from './settings.ts';
import type { CustomerInput } from './types.ts';

export interface InsightsOptions {
  /** A customer counts for gateway products once their first order is at least this many days before asOf. */
  windowDays: number;
  /** Least observed customers a gateway product needs. */
  minCustomers: number;
  /** Least VIPs/Champions who bought a product for it to appear in "what the best buy". */
  minBestBuyers: number;
  /** Product keys that name no real product (the CDNOW log's single 'cdnow-cd'); ignored everywhere. */
  placeholderProducts: readonly string[];
}

export const DEFAULT_INSIGHTS_OPTIONS: InsightsOptions = { windowDays: 180, minCustomers: 30, minBestBuyers: 10, placeholderProducts: [] };

export interface GatewayProduct {
  product: string;
  /** Observed customers whose first order contained the product. */
  customers: number;
  /** Of them, those who ordered again on a later day within the window. */
  repeaters: number;
  repeatRate: number;
  /** Wilson score 95 % interval of repeatRate. */
  repeatRateCi: [number, number];
  /** Mean predicted 12-month value of those customers (as of asOf), minor units. */
  meanClv12mMinor: number;
  explanation: string;
  /** The same as a message (template `explanations.insights.gateway`); absent in insights stored before it. */
  explanationMsg?: ExplanationMsg;
}

export interface BestCustomerProduct {
  product: string;
  /** Buyers (any segment) who bought the product. */
  buyers: number;
  /** VIPs and Champions who bought it. */
  bestBuyers: number;
  /** bestBuyers / all VIPs and Champions. */
  bestShare: number;
  /** buyers / all buyers. */
  shopShare: number;
  /** bestShare / shopShare. */
  lift: number;
  explanation: string;
}

export interface ReorderRhythm {
  product: string;
  /** The interval replenishment uses: median over customers of their own median reorder gap. */
  intervalDays: number;
  q1: number;
  q3: number;
  /** Customers who bought it on two or more days (the interval is learned from them). */
  customers: number;
  /** Buyers of the product. */
  buyers: number;
  /** customers / buyers: the product's true reorder rate. */
  reorderRate: number;
  explanation: string;
}

export interface ShopInsights {
  asOf: number;
  /** YYYY-MM-DD of asOf in the shop's offset. */
  date: string;
  windowDays: number;
  minCustomers: number;
  minBestBuyers: number;
  shop: {
    /** Customers observed for the whole window (first order ≥ windowDays before asOf). */
    customers: number;
    repeaters: number;
    /** null when no customer has been observed for the whole window. */
    repeatRate: number | null;
    repeatRateCi: [number, number] | null;
    meanClv12mMinor: number | null;
    buyers: number;
    /** VIPs (loyalty) and Champions (RFM) among the buyers, each counted once. */
    bestCustomers: number;
    /** Distinct product keys bought (placeholders excluded). */
    products: number;
  };
  gatewayProducts: GatewayProduct[];
  bestCustomerProducts: BestCustomerProduct[];
  reorder: ReorderRhythm[];
  /** Plain-words notes on what could not be computed and why (English, from `noteMsgs`). */
  notes: string[];
  /** The same notes as messages (templates `explanations.insights.notes.*`); absent in insights stored before them. */
  noteMsgs?: ExplanationMsg[];
}

/** z for a two-sided 95 % interval: the 0.975 quantile of the standard normal. */
const Z95 = 1.959963984540054;

/**
 * Wilson's score interval for a binomial proportion (Wilson 1927, without continuity correction;
 * Newcombe 1998, method 3). [0, 1] when n is 0.
 */
export function wilsonInterval(successes: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Tally {
  customers: number;
  repeaters: number;
  clvSum: number;
}

function validate(o: InsightsOptions): void {
  const whole = (name: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a whole number ≥ 1, got ${v}`);
  };
  whole('windowDays', o.windowDays);
  whole('minCustomers', o.minCustomers);
  whole('minBestBuyers', o.minBestBuyers);
}

/** One pass over the customers: every count the three reports and the shop line are built from. */
interface Tallies {
  shop: Tally;
  gateway: Map<string, Tally>;
  productBuyers: Map<string, number>;
  productBest: Map<string, number>;
  learner: ReplenishmentLearner;
  buyers: number;
  best: number;
  placeholderSeen: boolean;
}

function tallyCustomers(summaries: readonly CustomerSummary[], cal: Calibration, settings: ShopSettings, asOf: number, o: InsightsOptions, placeholders: ReadonlySet<string>): Tallies {
  const asOfDay = dayOf(asOf, settings);
  const lastObservedFirstDay = asOfDay - o.windowDays;
  const t: Tallies = { shop: { customers: 0, repeaters: 0, clvSum: 0 }, gateway: new Map(), productBuyers: new Map(), productBest: new Map(), learner: new ReplenishmentLearner(), buyers: 0, best: 0, placeholderSeen: false };
  for (const s of summaries) {
    if (s.orders === 0) continue;
    t.buyers++;
    t.learner.add(s);
    const isBest = loyaltyGroup(s.orders, s.spendMinor, cal.loyalty, settings, null)?.group === 'vip' || rfmSegment(s, cal.rfm, settings, asOf, asOfDay).segment === 'champions';
    if (isBest) t.best++;
    const observed = s.firstDay <= lastObservedFirstDay;
    let repeated = false;
    let clv = 0;
    if (observed) {
      repeated = s.secondDay !== null && s.secondDay - s.firstDay <= o.windowDays;
      clv = predictClv(s, cal.models, settings, asOfDay);
      t.shop.customers++;
      if (repeated) t.shop.repeaters++;
      t.shop.clvSum += clv;
    }
    for (const p of s.products) {
      if (placeholders.has(p.key)) {
        t.placeholderSeen = true;
        continue;
      }
      t.productBuyers.set(p.key, (t.productBuyers.get(p.key) ?? 0) + 1);
      if (isBest) t.productBest.set(p.key, (t.productBest.get(p.key) ?? 0) + 1);
      if (observed && p.firstDay === s.firstDay) {
        let g = t.gateway.get(p.key);
        if (g === undefined) t.gateway.set(p.key, (g = { customers: 0, repeaters: 0, clvSum: 0 }));
        g.customers++;
        if (repeated) g.repeaters++;
        g.clvSum += clv; // integers: the sum does not depend on the order of the customers
      }
    }
  }
  return t;
}

function gatewayProductsOf(t: Tallies, o: InsightsOptions, currency: string): GatewayProduct[] {
  const shopRate = t.shop.repeaters / t.shop.customers;
  const shopClv = Math.round(t.shop.clvSum / t.shop.customers);
  const gatewayProducts: GatewayProduct[] = [];
  for (const [product, g] of t.gateway) {
    if (g.customers < o.minCustomers) continue;
    const repeatRate = g.repeaters / g.customers;
    const ci = wilsonInterval(g.repeaters, g.customers);
    const meanClv12mMinor = Math.round(g.clvSum / g.customers);
    const explanationMsg = message('insights.gateway', {
      rate: { percent: repeatRate },
      customers: { count: g.customers, unit: 'customer' },
      product,
      window: { count: o.windowDays, unit: 'day' },
      low: { percent: ci[0] },
      high: { percent: ci[1] },
      shopRate: { percent: shopRate },
      clv: { money: meanClv12mMinor, currency },
      shopClv: { money: shopClv, currency },
    });
    gatewayProducts.push({ product, customers: g.customers, repeaters: g.repeaters, repeatRate, repeatRateCi: ci, meanClv12mMinor, explanation: explanationText(explanationMsg), explanationMsg });
  }
  return gatewayProducts.sort((a, b) => b.repeatRateCi[0] - a.repeatRateCi[0] || b.customers - a.customers || byKey(a.product, b.product));
}

function bestCustomerProductsOf(t: Tallies, o: InsightsOptions): BestCustomerProduct[] {
  const { best, buyers } = t;
  const list: BestCustomerProduct[] = [];
  if (best === 0) return list;
  for (const [product, bestBuyers] of t.productBest) {
    if (bestBuyers < o.minBestBuyers) continue;
    const n = t.productBuyers.get(product)!;
    // One division of exact integers: equal ratios give identical lifts, so ties stay ties.
    const lift = (bestBuyers * buyers) / (best * n);
    const bestShare = bestBuyers / best;
    const shopShare = n / buyers;
    list.push({
      product,
      buyers: n,
      bestBuyers,
      bestShare,
      shopShare,
      lift,
      explanation:
        `${percent(bestShare)} of VIPs and Champions bought ${product} (${bestBuyers} of ${best}) against ${percent(shopShare)} of all buyers ` +
        `(${n} of ${buyers}): ${lift.toFixed(1)}× as likely`,
    });
  }
  return list.sort((a, b) => b.lift - a.lift || b.bestBuyers - a.bestBuyers || byKey(a.product, b.product));
}

function reorderRhythmsOf(t: Tallies, settings: ShopSettings, placeholders: ReadonlySet<string>): ReorderRhythm[] {
  const reorder: ReorderRhythm[] = [];
  for (const r of t.learner.finishWithSpread(settings)) {
    if (placeholders.has(r.product)) continue;
    const n = t.productBuyers.get(r.product)!;
    const reorderRate = r.customers / n;
    reorder.push({
      product: r.product,
      intervalDays: r.intervalDays,
      q1: r.q1Days,
      q3: r.q3Days,
      customers: r.customers,
      buyers: n,
      reorderRate,
      explanation:
        `${r.product} is reordered every ${plural(r.intervalDays, 'day')} (middle half of customers: ${r.q1Days}–${r.q3Days} days), ` +
        `learned from ${plural(r.customers, 'customer')} who bought it on two or more days: ${percent(reorderRate)} of its ${plural(n, 'buyer')}`,
    });
  }
  return reorder.sort((a, b) => b.customers - a.customers || byKey(a.product, b.product));
}

/** Plain words for every report left empty, and why: messages (the English is derived from them). */
function notesOf(t: Tallies, r: Pick<ShopInsights, 'gatewayProducts' | 'bestCustomerProducts' | 'reorder'>, o: InsightsOptions, settings: ShopSettings, asOfDay: number, placeholders: ReadonlySet<string>): ExplanationMsg[] {
  const notes: ExplanationMsg[] = [];
  const window = count(o.windowDays, 'day');
  if (t.productBuyers.size === 0) {
    notes.push(t.placeholderSeen ? message('insights.notes.placeholders', { list: [...placeholders].sort(byKey).join(', ') }) : message('insights.notes.noProducts'));
    return notes;
  }
  if (t.shop.customers === 0) notes.push(message('insights.notes.nobodyObserved', { window, date: day(formatDay(asOfDay)) }));
  else if (r.gatewayProducts.length === 0) notes.push(message('insights.notes.noGateway', { min: o.minCustomers, window }));
  if (t.best === 0) notes.push(message('insights.notes.noBest'));
  else if (r.bestCustomerProducts.length === 0) notes.push(message('insights.notes.noBestProducts', { min: o.minBestBuyers }));
  if (r.reorder.length === 0) notes.push(message('insights.notes.noReorder', { customers: count(settings.replenishment.minRepeatCustomers, 'customer') }));
  return notes;
}

const notesFields = (noteMsgs: ExplanationMsg[]): Pick<ShopInsights, 'notes' | 'noteMsgs'> => ({ notes: noteMsgs.map(explanationText), noteMsgs });

export function shopInsights(summaries: readonly CustomerSummary[], cal: Calibration, settings: ShopSettings, asOf: number, options: Partial<InsightsOptions> = {}): ShopInsights {
  const o: InsightsOptions = { ...DEFAULT_INSIGHTS_OPTIONS, ...options };
  validate(o);
  const asOfDay = dayOf(asOf, settings);
  const placeholders = new Set(o.placeholderProducts);
  const t = tallyCustomers(summaries, cal, settings, asOf, o, placeholders);
  const { shop } = t;
  const reports = {
    gatewayProducts: shop.customers > 0 ? gatewayProductsOf(t, o, settings.currency) : [],
    bestCustomerProducts: bestCustomerProductsOf(t, o),
    reorder: reorderRhythmsOf(t, settings, placeholders),
  };
  return {
    asOf,
    date: formatDay(asOfDay),
    windowDays: o.windowDays,
    minCustomers: o.minCustomers,
    minBestBuyers: o.minBestBuyers,
    shop: {
      customers: shop.customers,
      repeaters: shop.repeaters,
      repeatRate: shop.customers > 0 ? shop.repeaters / shop.customers : null,
      repeatRateCi: shop.customers > 0 ? wilsonInterval(shop.repeaters, shop.customers) : null,
      meanClv12mMinor: shop.customers > 0 ? Math.round(shop.clvSum / shop.customers) : null,
      buyers: t.buyers,
      bestCustomers: t.best,
      products: t.productBuyers.size,
    },
    ...reports,
    ...notesFields(notesOf(t, reports, o, settings, asOfDay, placeholders)),
  };
}

/** Summarise, calibrate, then compute the insights (the CLI; the worker reuses its own calibration). */
export function insightsFromCustomers(customers: Iterable<CustomerInput>, settings: ShopSettings, asOf: number, options: Partial<InsightsOptions> = {}): { calibration: Calibration; insights: ShopInsights } {
  const summaries = summarizeAll(customers, settings, asOf);
  const calibration = calibrateFromSummaries(summaries, settings, asOf);
  return { calibration, insights: shopInsights(summaries, calibration, settings, asOf, options) };
}
