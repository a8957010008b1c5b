// One customer's segmentation against a shop calibration: memberships with explanations, the full
// set of app tags, predictions, replenishment and the next instant anything changes by itself.
import { behaviourFlags, nextBehaviourChangeDay } from './behaviour-segments.ts';
import type { Calibration } from './calibrate-shop.ts';
import { dayOf, formatDay, startOfDay } from './calendar.ts';
import { summarizeCustomer } from './customer-summary.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { count, day, explanationText, nested, NOTHING, share } from './explanation.ts';
import type { ExplanationMsg, ExplanationParam } from './explanation.ts';
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
  /** English sentence, "<label>: <why>" (CLI, CSV, Flow triggers); '' when explanations were skipped. */
  explanation: string;
  /** The same as data (message id + parameters), rendered in the viewer's language by the dashboard. */
  explanationMsg?: ExplanationMsg;
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
function modelCitation(cal: Calibration): ExplanationParam {
  const m = cal.models;
  const name = m.method === 'mbgnbd' ? 'MBG/NBD' : 'BG/NBD';
  const bt = m.selection?.backtest;
  const f = bt && m.method !== 'cadence-fallback' ? bt.models[m.method] : undefined;
  if (!bt || !f) return name;
  const pct = Math.round(Math.abs(f.errorPct));
  const accuracy = pct === 0 ? nested('churn.onTarget') : nested(f.errorPct < 0 ? 'churn.low' : 'churn.high', { error: share(pct / 100) });
  return nested('churn.backtest', { name, from: day(bt.split), until: day(bt.until), accuracy });
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
  money: (minor: number) => ExplanationParam;
  /** The calibration's date, which thresholds and quintiles explanations cite. */
  calDate: ExplanationParam;
  wantNext: boolean;
  /** The segment the customer had in this family before, if any. */
  prevIn: (family: Family) => string | null;
  hadBefore: (family: Family, segment: string) => boolean;
  add: (family: Family, segment: string, why: () => ExplanationMsg) => void;
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
    money: (m) => ({ money: m, currency: settings.currency }),
    calDate: day(cal.date),
    wantNext: options.nextChange !== false,
    prevIn: (family) => previous?.memberships.find((m) => m.family === family)?.segment ?? null,
    hadBefore: (family, segment) => prev.has(`${family}/${segment}`),
    add: (family, segment, why) => {
      const def = segmentDefinition(family, segment);
      const before = prev.get(`${family}/${segment}`);
      const msg = explain ? why() : undefined;
      memberships.push({ family, segment, label: def.label, tag: settings.tagPrefix + def.tagSuffix, explanation: msg ? `${def.label}: ${explanationText(msg)}` : '', ...(msg ? { explanationMsg: msg } : {}), since: before?.since ?? asOf });
    },
    nextDays: [],
  };
}

function addLoyalty(r: Run): void {
  const { s, money, calDate } = r;
  const t = r.cal.loyalty;
  const got = loyaltyGroup(s.orders, s.spendMinor, t, r.settings, r.prevIn('loyalty') as LoyaltyGroupId | null)!;
  const held = got.heldByHysteresis ? nested('loyalty.held') : NOTHING;
  const orders = count(s.orders, 'order');
  const params: Record<LoyaltyGroupId, () => Record<string, ExplanationParam>> = {
    vip: () => ({ orders, minOrders: t.vipMinOrders, spend: money(s.spendMinor), minSpend: money(t.vipMinSpendMinor), calDate }),
    'frequent-buyer': () => ({ orders, minOrders: t.frequentMinOrders, calDate }),
    'loyal-customer': () => ({ orders, minOrders: t.frequentMinOrders, calDate }),
    'one-time-buyer': () => ({ date: day(formatDay(s.lastDay)) }),
  };
  r.add('loyalty', got.group, () => ({ id: `loyalty.${got.group}`, params: { ...params[got.group](), held } }));
}

function addRfm(r: Run, rfm: ReturnType<typeof rfmSegment>): void {
  const { s, settings } = r;
  const sc = rfm.scores;
  const engagedBy = rfm.engagedBy;
  const ref = r.cal.rfm.referenceDay;
  const when = (): ExplanationParam => (ref === null
    ? nested('rfm.daysAgo', { days: count(r.days!, 'day') })
    : nested('rfm.beforeLatest', { days: count(Math.max(0, ref - s.lastDay), 'day'), latest: day(formatDay(ref)) }));
  const basis = (): ExplanationMsg => ({ id: 'rfm.scores', params: sc ? { r: sc.r, f: sc.f, m: sc.m, when: when(), orders: count(s.orders, 'order'), spend: r.money(s.spendMinor), calDate: r.calDate } : {} });
  if (rfm.segment === 'prospects') r.add('rfm', 'prospects', () => ({ id: 'rfm.prospects', params: {} }));
  else if (engagedBy) r.add('rfm', rfm.segment, () => ({ id: 'rfm.lostButEngaged', params: { basis: sc ? { msg: basis() } : NOTHING, engagement: nested(`rfm.${engagedBy.kind}`), date: day(formatDay(dayOf(engagedBy.at, settings))) } }));
  else r.add('rfm', rfm.segment, basis);
  if (r.wantNext) r.nextDays.push(nextRfmChangeDay(s, r.cal.rfm, settings, r.asOfDay, r.dayStart, rfm.segment));
}

/** Why the cadence rule: a message where the calibration has one (stored calibrations before messages: their English). */
function cadenceReason(p: { fallbackReason: string | null; fallbackReasonMsg: ExplanationMsg | null }, cal: Calibration): ExplanationParam {
  const msg = p.fallbackReasonMsg ?? cal.models.fallbackReasonMsg ?? null;
  return msg ? { msg } : (p.fallbackReason ?? cal.models.fallbackReason ?? '');
}

/** Predictions of a buyer, and the churn and value families built on them. */
function addPredictions(r: Run): NonNullable<CustomerSegmentation['predictions']> {
  const { s, cal, settings, money } = r;
  const f = settings.families;
  const p = predictCustomer(s, cal.models, settings, r.asOfDay, r.dayStart);
  const tier = valueTier(p.clv12mMinor, cal, (r.prevIn('value')?.replace('value-', '') as ValueTier | undefined) ?? null, settings);
  const model = (): ExplanationParam => (p.method === 'cadence-fallback' ? nested('churn.cadenceRule', { reason: cadenceReason(p, cal) }) : modelCitation(cal));
  if (f.churn) {
    const why = (): ExplanationMsg =>
      p.churnProbability !== null
        ? { id: 'churn.probability', params: { chance: share(p.churnProbability), horizon: count(settings.churn.horizonDays, 'day'), model: model() } }
        : { id: 'churn.cadence', params: { days: count(r.days!, 'day'), ratio: { fixed: p.intervalsSinceLastOrder!, digits: 1 }, interval: Math.round(p.intervalDays!), model: model() } };
    r.add('churn', `churn-risk-${p.churnRisk}`, why);
    if (r.wantNext) r.nextDays.push(nextChurnChangeDay(s, cal.models, settings, r.asOfDay, p.churnRisk));
  }
  if (f.value) {
    const vt = cal.valueTiers;
    const bar = (): Record<string, ExplanationParam> => (tier === 'high'
      ? { bar: money(vt.highMinClvMinor), share: share(settings.valueTiers.highTopShare) }
      : tier === 'medium' ? { bar: money(vt.mediumMinClvMinor), share: share(settings.valueTiers.mediumTopShare) } : { bar: money(vt.mediumMinClvMinor) });
    r.add('value', `value-${tier}`, () => ({ id: `value.value-${tier}`, params: { clv: money(p.clv12mMinor), ...bar(), calDate: r.calDate } }));
    if (r.wantNext) r.nextDays.push(nextValueTierChangeDay(s, cal, settings, r.asOfDay, tier));
  }
  return { ...p, valueTier: tier };
}

/** "a, b, c and 2 more": the first `shown` items, and how many are left out (message `more` of the family). */
function firstOf(items: ExplanationParam[], shown: number, moreId: string): { list: ExplanationParam; more: ExplanationParam } {
  return { list: { list: items.slice(0, shown) }, more: items.length > shown ? nested(moreId, { n: items.length - shown }) : NOTHING };
}

function addReplenishment(r: Run): ReplenishmentDue[] {
  const status = replenishmentStatus(r.s, r.cal.replenishment, r.settings, r.asOfDay);
  if (status.due.length) {
    const items = (): ExplanationParam[] => status.due.map((d) => nested('replenishment.item', { product: d.product, date: day(formatDay(d.dueDay)), interval: count(d.intervalDays, 'day') }));
    r.add('replenishment', 'replenishment-due', () => {
      const { list, more } = firstOf(items(), 3, 'replenishment.more');
      return { id: 'replenishment.due', params: { items: list, more } };
    });
  }
  r.nextDays.push(status.nextChangeDay);
  return status.due.map((d) => ({ product: d.product, lastPurchaseAt: r.dayStart(d.lastPurchaseDay), dueAt: r.dayStart(d.dueDay), intervalDays: d.intervalDays }));
}

function addBehaviour(r: Run): void {
  const { s, cal, settings, money } = r;
  const b = behaviourFlags(s, cal.bigSpender.minAovMinor, settings, r.asOfDay, r.hadBefore('behaviour', 'big-spender'));
  const bs = settings.behaviour;
  if (b.bigSpender) r.add('behaviour', 'big-spender', () => ({ id: 'behaviour.big-spender', params: { aov: money(b.aovMinor), min: money(cal.bigSpender.minAovMinor), share: share(bs.bigSpenderTopShare), calDate: r.calDate, held: b.bigSpenderHeldByHysteresis ? nested('behaviour.held') : NOTHING } }));
  if (b.coupon) r.add('behaviour', 'coupon-customer', () => ({ id: 'behaviour.coupon-customer', params: { discounted: s.discountedOrders, orders: count(s.orders, 'order') } }));
  if (b.dormant) r.add('behaviour', 'dormant', () => ({ id: 'behaviour.dormant', params: { days: count(b.daysSinceLastOrder, 'day'), min: bs.dormantDays } }));
  if (b.newCustomer) r.add('behaviour', 'new-customer', () => ({ id: 'behaviour.new-customer', params: { days: count(b.daysSinceFirstOrder, 'day'), max: bs.newCustomerDays } }));
  if (r.wantNext) r.nextDays.push(nextBehaviourChangeDay(s, settings, r.asOfDay));
  if (cal.signals) addShopping(r, cal.signals);
}

/** Behaviour built on the shop's product launch days and items per order (calibrated signals). */
function addShopping(r: Run, sig: NonNullable<Calibration['signals']>): void {
  const { s, settings } = r;
  const bs = settings.behaviour;
  const trend = trendFollower(s, sig, settings);
  if (trend) r.add('behaviour', 'trend-follower', () => ({ id: 'behaviour.trend-follower', params: { early: trend.early, products: count(trend.datable, 'product'), window: count(bs.trendWindowDays, 'day'), calDate: r.calDate } }));
  const shape = itemsShape(s, sig, settings);
  if (!shape) return;
  const perOrder = { fixed: shape.itemsPerOrder, digits: 1 };
  const threshold = { fixed: shape.threshold, digits: 1 };
  const cut = shape.kind === 'bulk-buyer' ? bs.bulkTopShare : bs.oneItemBottomShare;
  r.add('behaviour', shape.kind, () => ({ id: `behaviour.${shape.kind}`, params: { perOrder, threshold, share: share(cut), calDate: r.calDate } }));
}

/** Intent: unfinished checkouts, visits and carts (docs/signals.md). */
function addIntent(r: Run): void {
  const { s, settings } = r;
  const t = settings.intent;
  const i = intentFlags(s, settings, r.asOf);
  const on = (at: number): ExplanationParam => day(formatDay(dayOf(at, settings)));
  if (i.abandoned) {
    const ab = i.abandoned;
    const products = (): ExplanationParam => (ab.products.length ? nested('intent.products', firstOf(ab.products, 5, 'intent.more')) : NOTHING);
    r.add('intent', 'abandoned-cart', () => ({ id: 'intent.abandoned-cart', params: { date: on(ab.at), window: count(t.abandonedCartDays, 'day'), products: products() } }));
  }
  if (i.curiousVisitAt !== null) r.add('intent', 'curious-prospect', () => ({ id: 'intent.curious-prospect', params: { date: on(i.curiousVisitAt!), window: count(t.curiousVisitDays, 'day') } }));
  if (i.undecidedAt !== null) r.add('intent', 'undecided-prospect', () => ({ id: 'intent.undecided-prospect', params: { date: on(i.undecidedAt!), window: count(t.undecidedDays, 'day') } }));
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
