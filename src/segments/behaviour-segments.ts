// Behaviour segments: Big Spenders (top share by average order value), Coupon Customers (most
// orders used a discount code), Dormant (no order for N days), New (first order within N days).
import type { CustomerSummary } from './customer-summary.ts';
import type { ShopSettings } from './settings.ts';

export interface BehaviourFlags {
  bigSpender: boolean;
  bigSpenderHeldByHysteresis: boolean;
  coupon: boolean;
  dormant: boolean;
  newCustomer: boolean;
  aovMinor: number;
  daysSinceLastOrder: number;
  daysSinceFirstOrder: number;
}

export function behaviourFlags(s: CustomerSummary, bigSpenderMinAovMinor: number, settings: ShopSettings, asOfDay: number, wasBigSpender: boolean): BehaviourFlags {
  const b = settings.behaviour;
  const aov = s.orders > 0 ? s.spendMinor / s.orders : 0;
  const strictBig = s.orders > 0 && aov >= bigSpenderMinAovMinor;
  const heldBig = !strictBig && wasBigSpender && s.orders > 0 && aov >= bigSpenderMinAovMinor * (1 - settings.hysteresis.moneyFraction);
  const since = asOfDay - s.lastDay;
  const sinceFirst = asOfDay - s.firstDay;
  return {
    bigSpender: strictBig || heldBig,
    bigSpenderHeldByHysteresis: heldBig,
    coupon: s.orders >= b.couponMinOrders && s.discountedOrders / s.orders > b.couponMinShare,
    dormant: s.orders > 0 && since >= b.dormantDays,
    newCustomer: s.orders > 0 && sinceFirst < b.newCustomerDays,
    aovMinor: aov,
    daysSinceLastOrder: since,
    daysSinceFirstOrder: sinceFirst,
  };
}

/** First day after asOfDay on which Dormant or New changes with no new order. */
export function nextBehaviourChangeDay(s: CustomerSummary, settings: ShopSettings, asOfDay: number): number | null {
  if (s.orders === 0) return null;
  const candidates = [s.lastDay + settings.behaviour.dormantDays, s.firstDay + settings.behaviour.newCustomerDays].filter((d) => d > asOfDay);
  return candidates.length ? Math.min(...candidates) : null;
}
