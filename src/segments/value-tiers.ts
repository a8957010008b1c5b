// Value tiers high / medium / low by predicted 12-month value against the shop's thresholds, with
// hysteresis (a member keeps a higher tier while within the money margin of its threshold), and the
// day the tier next drops on its own: predicted value only decays while a customer does not order.
import type { Calibration } from './calibrate-shop.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { predictClv } from './predictions.ts';
import type { ShopSettings } from './settings.ts';

export type ValueTier = 'high' | 'medium' | 'low';

export function valueTier(clv: number, cal: Calibration, wasTier: ValueTier | null, settings: ShopSettings): ValueTier {
  const { highMinClvMinor: hi, mediumMinClvMinor: mid } = cal.valueTiers;
  const strict: ValueTier = clv > 0 && clv >= hi ? 'high' : clv > 0 && clv >= mid ? 'medium' : 'low';
  const keep = 1 - settings.hysteresis.moneyFraction;
  if (wasTier === 'high' && strict !== 'high' && clv > 0 && clv >= hi * keep) return 'high';
  if (wasTier === 'medium' && strict === 'low' && clv > 0 && clv >= mid * keep) return 'medium';
  return strict;
}

/** First day after asOfDay on which the tier drops with no new order (within 10 years), or null. */
export function nextValueTierChangeDay(s: CustomerSummary, cal: Calibration, settings: ShopSettings, asOfDay: number, current: ValueTier): number | null {
  if (current === 'low') return null;
  const tierAt = (day: number): ValueTier => valueTier(predictClv(s, cal.models, settings, day), cal, current, settings);
  let hi = 3650;
  if (tierAt(asOfDay + hi) === current) return null;
  let lo = 0; // tierAt(asOfDay + lo) === current; tierAt(asOfDay + hi) !== current
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (tierAt(asOfDay + mid) === current) lo = mid;
    else hi = mid;
  }
  return asOfDay + hi;
}
