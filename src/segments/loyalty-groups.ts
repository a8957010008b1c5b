// Loyalty groups: every buyer is in exactly one. VIP > Frequent Buyer > Loyal Customer > One Time Buyer.
// Hysteresis: a member of a higher group keeps it while within the configured margin of a threshold
// that moved, so customers near a moving threshold do not flip back and forth every night.
import type { LoyaltyThresholds } from './loyalty-thresholds.ts';
import type { ShopSettings } from './settings.ts';

export const LOYALTY_GROUPS = [
  { id: 'one-time-buyer', label: 'One Time Buyer', meaning: 'Exactly one counted order.' },
  { id: 'loyal-customer', label: 'Loyal Customer', meaning: 'Two or more counted orders.' },
  { id: 'frequent-buyer', label: 'Frequent Buyer', meaning: "Order count at or above the shop's adaptive frequent threshold." },
  { id: 'vip', label: 'VIP', meaning: "Order count and total spend both at or above the shop's adaptive VIP thresholds." },
] as const;

export type LoyaltyGroupId = (typeof LOYALTY_GROUPS)[number]['id'];

const RANK: Record<LoyaltyGroupId, number> = { 'one-time-buyer': 0, 'loyal-customer': 1, 'frequent-buyer': 2, vip: 3 };

function qualifies(group: LoyaltyGroupId, orders: number, spendMinor: number, t: LoyaltyThresholds, orderSlack: number, moneyFactor: number): boolean {
  switch (group) {
    case 'vip':
      return orders >= t.vipMinOrders - orderSlack && spendMinor >= t.vipMinSpendMinor * moneyFactor && orders >= 3;
    case 'frequent-buyer':
      return orders >= t.frequentMinOrders - orderSlack && orders >= 3;
    case 'loyal-customer':
      return orders >= 2;
    case 'one-time-buyer':
      return orders >= 1;
  }
}

export interface LoyaltyAssignment {
  group: LoyaltyGroupId;
  /** True when the customer stays in a previous group only thanks to hysteresis. */
  heldByHysteresis: boolean;
}

export function loyaltyGroup(
  orders: number,
  spendMinor: number,
  t: LoyaltyThresholds,
  settings: ShopSettings,
  previous: LoyaltyGroupId | null,
): LoyaltyAssignment | null {
  if (orders < 1) return null;
  const strict: LoyaltyGroupId = qualifies('vip', orders, spendMinor, t, 0, 1)
    ? 'vip'
    : qualifies('frequent-buyer', orders, spendMinor, t, 0, 1)
      ? 'frequent-buyer'
      : orders >= 2
        ? 'loyal-customer'
        : 'one-time-buyer';
  if (previous !== null && RANK[previous] > RANK[strict]) {
    const h = settings.hysteresis;
    if (qualifies(previous, orders, spendMinor, t, h.orders, 1 - h.moneyFraction)) return { group: previous, heldByHysteresis: true };
  }
  return { group: strict, heldByHysteresis: false };
}
