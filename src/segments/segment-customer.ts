// One customer's segmentation against a shop calibration: memberships with explanations, the full
// set of app tags, predictions, replenishment and the next instant anything changes by itself.
import { behaviourFlags, nextBehaviourChangeDay } from './behaviour-segments.ts';
import type { Calibration } from './calibrate-shop.ts';
import { dayOf, formatDay, startOfDay } from './calendar.ts';
import { summarizeCustomer } from './customer-summary.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { formatMoney, percent, plural } from './explain.ts';
import { intentExpiryDays, intentFlags, itemsShape, trendFollower } from './intent-segments.ts';
import { loyaltyGroup } from './loyalty-groups.ts';
import type { LoyaltyGroupId } from './loyalty-groups.ts';
import { nextChurnChangeDay, predictCustomer } from './predictions.ts';
import type { Predictions } from './predictions.ts';
import { replenishmentStatus } from './replenishment.ts';
import { nextValueTierChangeDay, valueTier } from './value-tiers.ts';
import type { ValueTier } from './value-tiers.ts';
import { nextRfmChangeDay, rfmSegment } from './rfm-segment.ts';
import type { RfmScores } from './rfm-scores.ts';
import type { ShopSettings } from './settings.ts';
import { segmentDefinition } from './tags.ts';
import type { Family } from './tags.ts';

export type { ValueTier };
import type { CustomerInput } from './types.ts';

export interface Membership {
  family: Family;
  segment: string;
  label: string;
  tag: string;
  explanation: string;
  /** When the customer entered this segment (carried over from the previous memberships). */
  since?: number;
}

export interface CustomerMetrics {
  orders: number;
  ignoredOrders: number;
  laterOrders: number;
  purchaseDays: number;
  firstOrderAt: number | null;
  lastOrderAt: number | null;
  daysSinceLastOrder: number | null;
  spendMinor: number;
  aovMinor: number;
  discountedOrders: number;
  rfm: RfmScores | null;
}

export interface ReplenishmentDue {
  product: string;
  lastPurchaseAt: number;
  dueAt: number;
  intervalDays: number;
}

export interface CustomerSegmentation {
  customerId: string;
  asOf: number;
  calibrationDate: string;
  metrics: CustomerMetrics;
  memberships: Membership[];
  /** Every app tag this customer should carry (sorted). */
  tags: string[];
  predictions: (Predictions & { valueTier: ValueTier }) | null;
  replenishment: { due: ReplenishmentDue[] };
  /** Next instant at which memberships change with no new order (for the daily sweep), or null. */
  nextChangeAt: number | null;
}

export interface PreviousMemberships {
  memberships: Membership[];
}

export interface SegmentOptions {
  /** false skips building explanation strings (counting passes); memberships are otherwise identical. */
  explanations?: boolean;
  /** false skips computing nextChangeAt (left null); memberships are identical. */
  nextChange?: boolean;
}

/** "MBG/NBD, backtest of 2026-05-01: 7% low" — which model predicts, and how it did on held-out history. */
function modelCitation(cal: Calibration): string {
  const m = cal.models;
  const name = m.method === 'mbgnbd' ? 'MBG/NBD' : 'BG/NBD';
  const bt = m.selection?.backtest;
  const f = bt && m.method !== 'cadence-fallback' ? bt.models[m.method] : undefined;
  if (!bt || !f) return name;
  const pct = Math.round(Math.abs(f.errorPct));
  return `${name}, chosen by the backtest of ${bt.split}–${bt.until}: repeat orders predicted ${pct === 0 ? 'on target' : `${pct}% ${f.errorPct < 0 ? 'low' : 'high'}`}`;
}

/** One segmentation under way: what every family's step reads, and where it adds its results. */
interface Run {
  s: CustomerSummary;
  cal: Calibration;
  settings: ShopSettings;
  asOf: number;
  asOfDay: number;
  /** Days since the last order (buyers only). */
  days: number | null;
  dayStart: (day: number) => number;
  money: (minor: number) => string;
  calNote: string;
  wantNext: boolean;
  /** The segment the customer had in this family before, if any. */
  prevIn: (family: Family) => string | null;
  hadBefore: (family: Family, segment: string) => boolean;
  add: (family: Family, segment: string, explanation: () => string) => void;
  memberships: Membership[];
  /** Days on which a membership may change by itself (null: never). */
  nextDays: Array<number | null>;
}

function startRun(s: CustomerSummary, cal: Calibration, settings: ShopSettings, asOf: number, previous: PreviousMemberships | undefined, options: SegmentOptions): Run {
  const asOfDay = dayOf(asOf, settings);
  const prev = new Map((previous?.memberships ?? []).map((m) => [`${m.family}/${m.segment}`, m]));
  const memberships: Membership[] = [];
  const explain = options.explanations !== false;
  return {
    s, cal, settings, asOf, asOfDay, memberships,
    days: s.orders > 0 ? asOfDay - s.lastDay : null,
    dayStart: (d) => startOfDay(d, settings),
    money: (m) => formatMoney(m, settings.currency),
    calNote: `of ${cal.date}`,
    wantNext: options.nextChange !== false,
    prevIn: (family) => previous?.memberships.find((m) => m.family === family)?.segment ?? null,
    hadBefore: (family, segment) => prev.has(`${family}/${segment}`),
    add: (family, segment, explanation) => {
      const def = segmentDefinition(family, segment);
      const before = prev.get(`${family}/${segment}`);
      memberships.push({ family, segment, label: def.label, tag: settings.tagPrefix + def.tagSuffix, explanation: explain ? `${def.label}: ${explanation()}` : '', since: before?.since ?? asOf });
    },
    nextDays: [],
  };
}

function addLoyalty(r: Run): void {
  const { s, money, calNote } = r;
  const t = r.cal.loyalty;
  const got = loyaltyGroup(s.orders, s.spendMinor, t, r.settings, r.prevIn('loyalty') as LoyaltyGroupId | null)!;
  const held = got.heldByHysteresis ? ' (kept: within the hysteresis margin of a moved threshold)' : '';
  const text: Record<LoyaltyGroupId, () => string> = {
    vip: () => `${plural(s.orders, 'order')} ≥ ${t.vipMinOrders} and ${money(s.spendMinor)} spent ≥ ${money(t.vipMinSpendMinor)}, thresholds ${calNote}`,
    'frequent-buyer': () => `${plural(s.orders, 'order')} ≥ ${t.frequentMinOrders}, threshold ${calNote}`,
    'loyal-customer': () => `${plural(s.orders, 'order')} (Frequent Buyer from ${t.frequentMinOrders}, threshold ${calNote})`,
    'one-time-buyer': () => `1 order, on ${formatDay(s.lastDay)}`,
  };
  r.add('loyalty', got.group, () => text[got.group]() + held);
}

function addRfm(r: Run, rfm: ReturnType<typeof rfmSegment>): void {
  const { s, settings } = r;
  const sc = rfm.scores;
  const engagedBy = rfm.engagedBy;
  const ref = r.cal.rfm.referenceDay;
  const when = (): string => (ref === null ? `last order ${plural(r.days!, 'day')} ago` : `last order ${plural(Math.max(0, ref - s.lastDay), 'day')} before the shop's latest order (${formatDay(ref)})`);
  const basis = (): string => (sc ? `R${sc.r} F${sc.f} M${sc.m}: ${when()}, ${plural(s.orders, 'order')}, ${r.money(s.spendMinor)} spent (quintiles ${r.calNote})` : '');
  if (rfm.segment === 'prospects') r.add('rfm', 'prospects', () => 'customer record with no counted order yet');
  else if (engagedBy) r.add('rfm', rfm.segment, () => `Lost by RFM (${basis()}), but ${engagedBy.kind === 'email-click' ? 'clicked an email' : 'visited the store'} on ${formatDay(dayOf(engagedBy.at, settings))}`);
  else r.add('rfm', rfm.segment, basis);
  if (r.wantNext) r.nextDays.push(nextRfmChangeDay(s, r.cal.rfm, settings, r.asOfDay, r.dayStart, rfm.segment));
}

/** Predictions of a buyer, and the churn and value families built on them. */
function addPredictions(r: Run): NonNullable<CustomerSegmentation['predictions']> {
  const { s, cal, settings, money } = r;
  const f = settings.families;
  const p = predictCustomer(s, cal.models, settings, r.asOfDay, r.dayStart);
  const tier = valueTier(p.clv12mMinor, cal, (r.prevIn('value')?.replace('value-', '') as ValueTier | undefined) ?? null, settings);
  const model = p.method === 'cadence-fallback' ? `cadence rule; ${p.fallbackReason ?? cal.models.fallbackReason}` : modelCitation(cal);
  if (f.churn) {
    const why = (): string =>
      p.churnProbability !== null
        ? `${percent(p.churnProbability)} chance of no order in the next ${settings.churn.horizonDays} days (${model})`
        : `${plural(r.days!, 'day')} since the last order = ${p.intervalsSinceLastOrder!.toFixed(1)}× the typical ${Math.round(p.intervalDays!)}-day interval (${model})`;
    r.add('churn', `churn-risk-${p.churnRisk}`, why);
    if (r.wantNext) r.nextDays.push(nextChurnChangeDay(s, cal.models, settings, r.asOfDay, p.churnRisk));
  }
  if (f.value) {
    const vt = cal.valueTiers;
    const bar = (): string => (tier === 'high' ? `≥ ${money(vt.highMinClvMinor)} (top ${percent(settings.valueTiers.highTopShare)})` : tier === 'medium' ? `≥ ${money(vt.mediumMinClvMinor)} (top ${percent(settings.valueTiers.mediumTopShare)})` : `< ${money(vt.mediumMinClvMinor)}`);
    r.add('value', `value-${tier}`, () => `predicted 12-month value ${money(p.clv12mMinor)} ${bar()}, tiers ${r.calNote}`);
    if (r.wantNext) r.nextDays.push(nextValueTierChangeDay(s, cal, settings, r.asOfDay, tier));
  }
  return { ...p, valueTier: tier };
}

function addReplenishment(r: Run): ReplenishmentDue[] {
  const status = replenishmentStatus(r.s, r.cal.replenishment, r.settings, r.asOfDay);
  if (status.due.length) {
    const list = (): string => status.due.slice(0, 3).map((d) => `${d.product} due ${formatDay(d.dueDay)} (every ${plural(d.intervalDays, 'day')})`).join(', ');
    r.add('replenishment', 'replenishment-due', () => list() + (status.due.length > 3 ? ` and ${status.due.length - 3} more` : ''));
  }
  r.nextDays.push(status.nextChangeDay);
  return status.due.map((d) => ({ product: d.product, lastPurchaseAt: r.dayStart(d.lastPurchaseDay), dueAt: r.dayStart(d.dueDay), intervalDays: d.intervalDays }));
}

function addBehaviour(r: Run): void {
  const { s, cal, settings, money } = r;
  const b = behaviourFlags(s, cal.bigSpender.minAovMinor, settings, r.asOfDay, r.hadBefore('behaviour', 'big-spender'));
  const bs = settings.behaviour;
  if (b.bigSpender) r.add('behaviour', 'big-spender', () => `average order ${money(b.aovMinor)} ≥ ${money(cal.bigSpender.minAovMinor)} (top ${percent(bs.bigSpenderTopShare)}, ${r.calNote})${b.bigSpenderHeldByHysteresis ? ' (kept: within the hysteresis margin)' : ''}`);
  if (b.coupon) r.add('behaviour', 'coupon-customer', () => `${s.discountedOrders} of ${plural(s.orders, 'order')} used a discount code`);
  if (b.dormant) r.add('behaviour', 'dormant', () => `no order for ${plural(b.daysSinceLastOrder, 'day')} (≥ ${bs.dormantDays})`);
  if (b.newCustomer) r.add('behaviour', 'new-customer', () => `first order ${plural(b.daysSinceFirstOrder, 'day')} ago (within ${bs.newCustomerDays})`);
  if (r.wantNext) r.nextDays.push(nextBehaviourChangeDay(s, settings, r.asOfDay));
  if (cal.signals) addShopping(r, cal.signals);
}

/** Behaviour built on the shop's product launch days and items per order (calibrated signals). */
function addShopping(r: Run, sig: NonNullable<Calibration['signals']>): void {
  const { s, settings } = r;
  const bs = settings.behaviour;
  const trend = trendFollower(s, sig, settings);
  if (trend) r.add('behaviour', 'trend-follower', () => `${trend.early} of ${plural(trend.datable, 'product')} bought within ${plural(bs.trendWindowDays, 'day')} of the product's first sale in the shop (${r.calNote})`);
  const shape = itemsShape(s, sig, settings);
  if (!shape) return;
  const per = shape.itemsPerOrder.toFixed(1);
  if (shape.kind === 'bulk-buyer') r.add('behaviour', 'bulk-buyer', () => `${per} items per order ≥ ${shape.threshold.toFixed(1)} (top ${percent(bs.bulkTopShare)} of repeat buyers, ${r.calNote})`);
  else r.add('behaviour', 'one-item-buyer', () => `${per} items per order ≤ ${shape.threshold.toFixed(1)} (bottom ${percent(bs.oneItemBottomShare)} of repeat buyers, ${r.calNote})`);
}

/** Intent: unfinished checkouts, visits and carts (docs/signals.md). */
function addIntent(r: Run): void {
  const { s, settings } = r;
  const t = settings.intent;
  const i = intentFlags(s, settings, r.asOf);
  const on = (at: number): string => formatDay(dayOf(at, settings));
  if (i.abandoned) {
    const ab = i.abandoned;
    const list = (): string => (ab.products.length ? `: ${ab.products.slice(0, 5).join(', ')}${ab.products.length > 5 ? ` and ${ab.products.length - 5} more` : ''}` : '');
    r.add('intent', 'abandoned-cart', () => `checkout started on ${on(ab.at)} (within ${plural(t.abandonedCartDays, 'day')}), no order since${list()}`);
  }
  if (i.curiousVisitAt !== null) r.add('intent', 'curious-prospect', () => `visited the store on ${on(i.curiousVisitAt!)} (within ${plural(t.curiousVisitDays, 'day')}), no order yet`);
  if (i.undecidedAt !== null) r.add('intent', 'undecided-prospect', () => `added to cart or started a checkout on ${on(i.undecidedAt!)} (within ${plural(t.undecidedDays, 'day')}), no order yet`);
  if (r.wantNext) r.nextDays.push(...intentExpiryDays(s, settings, r.dayStart(0)));
}

function metricsOf(s: CustomerSummary, days: number | null, rfm: RfmScores | null): CustomerMetrics {
  return {
    orders: s.orders,
    ignoredOrders: s.ignoredOrders,
    laterOrders: s.laterOrders,
    purchaseDays: s.purchaseDays,
    firstOrderAt: s.firstAt,
    lastOrderAt: s.lastAt,
    daysSinceLastOrder: days,
    spendMinor: s.spendMinor,
    aovMinor: s.orders > 0 ? Math.round(s.spendMinor / s.orders) : 0,
    discountedOrders: s.discountedOrders,
    rfm,
  };
}

/** The families in a fixed order (loyalty, RFM, churn, value, replenishment, behaviour, intent), each its own step. */
export function segmentSummary(s: CustomerSummary, cal: Calibration, settings: ShopSettings, asOf: number, previous?: PreviousMemberships, options: SegmentOptions = {}): CustomerSegmentation {
  const r = startRun(s, cal, settings, asOf, previous, options);
  const f = settings.families;
  const buyer = s.orders > 0;
  if (f.loyalty && buyer) addLoyalty(r);
  const rfm = rfmSegment(s, cal.rfm, settings, asOf, r.asOfDay);
  if (f.rfm) addRfm(r, rfm);
  const predictions = buyer ? addPredictions(r) : null;
  const due = f.replenishment && buyer ? addReplenishment(r) : [];
  if (f.behaviour && buyer) addBehaviour(r);
  if (f.intent) addIntent(r);
  const future = r.nextDays.filter((d): d is number => d !== null && d > r.asOfDay);
  return {
    customerId: s.customerId,
    asOf,
    calibrationDate: cal.date,
    metrics: metricsOf(s, r.days, rfm.scores),
    memberships: r.memberships,
    tags: r.memberships.map((m) => m.tag).sort(),
    predictions,
    replenishment: { due },
    nextChangeAt: future.length ? r.dayStart(Math.min(...future)) : null,
  };
}

export function segmentCustomer(customer: CustomerInput, cal: Calibration, settings: ShopSettings, asOf: number, previous?: PreviousMemberships): CustomerSegmentation {
  return segmentSummary(summarizeCustomer(customer, settings, asOf), cal, settings, asOf, previous);
}
