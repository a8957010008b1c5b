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

export function segmentSummary(s: CustomerSummary, cal: Calibration, settings: ShopSettings, asOf: number, previous?: PreviousMemberships, options: SegmentOptions = {}): CustomerSegmentation {
  const asOfDay = dayOf(asOf, settings);
  const dayStart = (d: number): number => startOfDay(d, settings);
  const cur = settings.currency;
  const money = (m: number): string => formatMoney(m, cur);
  const prev = new Map((previous?.memberships ?? []).map((m) => [`${m.family}/${m.segment}`, m]));
  const prevIn = (family: Family): string | null => previous?.memberships.find((m) => m.family === family)?.segment ?? null;
  const memberships: Membership[] = [];
  const explain = options.explanations !== false;
  const wantNext = options.nextChange !== false;
  const add = (family: Family, segment: string, explanation: () => string): void => {
    const def = segmentDefinition(family, segment);
    const before = prev.get(`${family}/${segment}`);
    memberships.push({ family, segment, label: def.label, tag: settings.tagPrefix + def.tagSuffix, explanation: explain ? `${def.label}: ${explanation()}` : '', since: before?.since ?? asOf });
  };
  const f = settings.families;
  const buyer = s.orders > 0;
  const days = buyer ? asOfDay - s.lastDay : null;
  const nextDays: Array<number | null> = [];
  const calNote = `of ${cal.date}`;

  if (f.loyalty && buyer) {
    const t = cal.loyalty;
    const got = loyaltyGroup(s.orders, s.spendMinor, t, settings, prevIn('loyalty') as LoyaltyGroupId | null)!;
    const held = got.heldByHysteresis ? ' (kept: within the hysteresis margin of a moved threshold)' : '';
    const text: Record<LoyaltyGroupId, () => string> = {
      vip: () => `${plural(s.orders, 'order')} ≥ ${t.vipMinOrders} and ${money(s.spendMinor)} spent ≥ ${money(t.vipMinSpendMinor)}, thresholds ${calNote}`,
      'frequent-buyer': () => `${plural(s.orders, 'order')} ≥ ${t.frequentMinOrders}, threshold ${calNote}`,
      'loyal-customer': () => `${plural(s.orders, 'order')} (Frequent Buyer from ${t.frequentMinOrders}, threshold ${calNote})`,
      'one-time-buyer': () => `1 order, on ${formatDay(s.lastDay)}`,
    };
    add('loyalty', got.group, () => text[got.group]() + held);
  }

  const rfm = rfmSegment(s, cal.rfm, settings, asOf, asOfDay);
  if (f.rfm) {
    const sc = rfm.scores;
    const engagedBy = rfm.engagedBy;
    const ref = cal.rfm.referenceDay;
    const when = (): string => (ref === null ? `last order ${plural(days!, 'day')} ago` : `last order ${plural(Math.max(0, ref - s.lastDay), 'day')} before the shop's latest order (${formatDay(ref)})`);
    const basis = (): string => (sc ? `R${sc.r} F${sc.f} M${sc.m}: ${when()}, ${plural(s.orders, 'order')}, ${money(s.spendMinor)} spent (quintiles ${calNote})` : '');
    if (rfm.segment === 'prospects') add('rfm', 'prospects', () => 'customer record with no counted order yet');
    else if (engagedBy) add('rfm', rfm.segment, () => `Lost by RFM (${basis()}), but ${engagedBy.kind === 'email-click' ? 'clicked an email' : 'visited the store'} on ${formatDay(dayOf(engagedBy.at, settings))}`);
    else add('rfm', rfm.segment, basis);
    if (wantNext) nextDays.push(nextRfmChangeDay(s, cal.rfm, settings, asOfDay, dayStart, rfm.segment));
  }

  let predictions: CustomerSegmentation['predictions'] = null;
  if (buyer) {
    const p = predictCustomer(s, cal.models, settings, asOfDay, dayStart);
    const tier = valueTier(p.clv12mMinor, cal, (prevIn('value')?.replace('value-', '') as ValueTier | undefined) ?? null, settings);
    predictions = { ...p, valueTier: tier };
    const model = p.method === 'cadence-fallback' ? `cadence rule; ${p.fallbackReason ?? cal.models.fallbackReason}` : modelCitation(cal);
    if (f.churn) {
      const why = (): string =>
        p.churnProbability !== null
          ? `${percent(p.churnProbability)} chance of no order in the next ${settings.churn.horizonDays} days (${model})`
          : `${plural(days!, 'day')} since the last order = ${p.intervalsSinceLastOrder!.toFixed(1)}× the typical ${Math.round(p.intervalDays!)}-day interval (${model})`;
      add('churn', `churn-risk-${p.churnRisk}`, why);
      if (wantNext) nextDays.push(nextChurnChangeDay(s, cal.models, settings, asOfDay, p.churnRisk));
    }
    if (f.value) {
      const vt = cal.valueTiers;
      const bar = (): string => (tier === 'high' ? `≥ ${money(vt.highMinClvMinor)} (top ${percent(settings.valueTiers.highTopShare)})` : tier === 'medium' ? `≥ ${money(vt.mediumMinClvMinor)} (top ${percent(settings.valueTiers.mediumTopShare)})` : `< ${money(vt.mediumMinClvMinor)}`);
      add('value', `value-${tier}`, () => `predicted 12-month value ${money(p.clv12mMinor)} ${bar()}, tiers ${calNote}`);
      if (wantNext) nextDays.push(nextValueTierChangeDay(s, cal, settings, asOfDay, tier));
    }
  }

  let due: ReplenishmentDue[] = [];
  if (f.replenishment && buyer) {
    const r = replenishmentStatus(s, cal.replenishment, settings, asOfDay);
    due = r.due.map((d) => ({ product: d.product, lastPurchaseAt: dayStart(d.lastPurchaseDay), dueAt: dayStart(d.dueDay), intervalDays: d.intervalDays }));
    if (r.due.length) {
      const list = (): string => r.due.slice(0, 3).map((d) => `${d.product} due ${formatDay(d.dueDay)} (every ${plural(d.intervalDays, 'day')})`).join(', ');
      add('replenishment', 'replenishment-due', () => list() + (r.due.length > 3 ? ` and ${r.due.length - 3} more` : ''));
    }
    nextDays.push(r.nextChangeDay);
  }

  if (f.behaviour && buyer) {
    const b = behaviourFlags(s, cal.bigSpender.minAovMinor, settings, asOfDay, prev.has('behaviour/big-spender'));
    const bs = settings.behaviour;
    if (b.bigSpender) add('behaviour', 'big-spender', () => `average order ${money(b.aovMinor)} ≥ ${money(cal.bigSpender.minAovMinor)} (top ${percent(bs.bigSpenderTopShare)}, ${calNote})${b.bigSpenderHeldByHysteresis ? ' (kept: within the hysteresis margin)' : ''}`);
    if (b.coupon) add('behaviour', 'coupon-customer', () => `${s.discountedOrders} of ${plural(s.orders, 'order')} used a discount code`);
    if (b.dormant) add('behaviour', 'dormant', () => `no order for ${plural(b.daysSinceLastOrder, 'day')} (≥ ${bs.dormantDays})`);
    if (b.newCustomer) add('behaviour', 'new-customer', () => `first order ${plural(b.daysSinceFirstOrder, 'day')} ago (within ${bs.newCustomerDays})`);
    if (wantNext) nextDays.push(nextBehaviourChangeDay(s, settings, asOfDay));
    if (cal.signals) {
      const sig = cal.signals;
      const trend = trendFollower(s, sig, settings);
      if (trend) add('behaviour', 'trend-follower', () => `${trend.early} of ${plural(trend.datable, 'product')} bought within ${plural(bs.trendWindowDays, 'day')} of the product's first sale in the shop (${calNote})`);
      const shape = itemsShape(s, sig, settings);
      if (shape) {
        const per = shape.itemsPerOrder.toFixed(1);
        if (shape.kind === 'bulk-buyer') add('behaviour', 'bulk-buyer', () => `${per} items per order ≥ ${shape.threshold.toFixed(1)} (top ${percent(bs.bulkTopShare)} of repeat buyers, ${calNote})`);
        else add('behaviour', 'one-item-buyer', () => `${per} items per order ≤ ${shape.threshold.toFixed(1)} (bottom ${percent(bs.oneItemBottomShare)} of repeat buyers, ${calNote})`);
      }
    }
  }

  if (f.intent) {
    const t = settings.intent;
    const i = intentFlags(s, settings, asOf);
    const on = (at: number): string => formatDay(dayOf(at, settings));
    if (i.abandoned) {
      const ab = i.abandoned;
      const list = (): string => (ab.products.length ? `: ${ab.products.slice(0, 5).join(', ')}${ab.products.length > 5 ? ` and ${ab.products.length - 5} more` : ''}` : '');
      add('intent', 'abandoned-cart', () => `checkout started on ${on(ab.at)} (within ${plural(t.abandonedCartDays, 'day')}), no order since${list()}`);
    }
    if (i.curiousVisitAt !== null) add('intent', 'curious-prospect', () => `visited the store on ${on(i.curiousVisitAt!)} (within ${plural(t.curiousVisitDays, 'day')}), no order yet`);
    if (i.undecidedAt !== null) add('intent', 'undecided-prospect', () => `added to cart or started a checkout on ${on(i.undecidedAt!)} (within ${plural(t.undecidedDays, 'day')}), no order yet`);
    if (wantNext) nextDays.push(...intentExpiryDays(s, settings, dayStart(0)));
  }

  const future = nextDays.filter((d): d is number => d !== null && d > asOfDay);
  return {
    customerId: s.customerId,
    asOf,
    calibrationDate: cal.date,
    metrics: {
      orders: s.orders,
      ignoredOrders: s.ignoredOrders,
      laterOrders: s.laterOrders,
      purchaseDays: s.purchaseDays,
      firstOrderAt: s.firstAt,
      lastOrderAt: s.lastAt,
      daysSinceLastOrder: days,
      spendMinor: s.spendMinor,
      aovMinor: buyer ? Math.round(s.spendMinor / s.orders) : 0,
      discountedOrders: s.discountedOrders,
      rfm: rfm.scores,
    },
    memberships,
    tags: memberships.map((m) => m.tag).sort(),
    predictions,
    replenishment: { due },
    nextChangeAt: future.length ? dayStart(Math.min(...future)) : null,
  };
}

export function segmentCustomer(customer: CustomerInput, cal: Calibration, settings: ShopSettings, asOf: number, previous?: PreviousMemberships): CustomerSegmentation {
  return segmentSummary(summarizeCustomer(customer, settings, asOf), cal, settings, asOf, previous);
}
