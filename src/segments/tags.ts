// The tag vocabulary: a stable public interface (email tools filter on these). One tag per
// membership, all starting with the shop's prefix; the app never touches a tag without the prefix.
// Changing a suffix here is a breaking change for every shop's email flows.
import { LOYALTY_GROUPS } from './loyalty-groups.ts';
import { RFM_SEGMENTS } from './rfm-grid.ts';
import type { ShopSettings } from './settings.ts';

export type Family = 'loyalty' | 'rfm' | 'churn' | 'value' | 'replenishment' | 'behaviour' | 'intent';
export const FAMILIES: readonly Family[] = ['loyalty', 'rfm', 'churn', 'value', 'replenishment', 'behaviour', 'intent'];

export interface SegmentDefinition {
  family: Family;
  /** Stable id, also the key in segment counts. */
  segment: string;
  label: string;
  /** Tag without the prefix. */
  tagSuffix: string;
  meaning: string;
}

export const SEGMENT_DEFINITIONS: readonly SegmentDefinition[] = [
  ...LOYALTY_GROUPS.map((g) => ({ family: 'loyalty' as const, segment: g.id, label: g.label, tagSuffix: g.id, meaning: g.meaning })),
  ...RFM_SEGMENTS.map((s) => ({ family: 'rfm' as const, segment: s.id, label: s.label, tagSuffix: `rfm-${s.id}`, meaning: s.meaning })),
  { family: 'churn', segment: 'churn-risk-high', label: 'High churn risk', tagSuffix: 'churn-risk-high', meaning: 'Likely gone: at least 80% probability of no order within the churn horizon (default 180 days).' },
  { family: 'churn', segment: 'churn-risk-medium', label: 'Medium churn risk', tagSuffix: 'churn-risk-medium', meaning: 'Slipping: 50–80% probability of no order within the churn horizon.' },
  { family: 'churn', segment: 'churn-risk-low', label: 'Low churn risk', tagSuffix: 'churn-risk-low', meaning: 'Active: more likely than not to order within the churn horizon.' },
  { family: 'value', segment: 'value-high', label: 'High value', tagSuffix: 'value-high', meaning: 'Top buyers by predicted 12-month value (default top 20%).' },
  { family: 'value', segment: 'value-medium', label: 'Medium value', tagSuffix: 'value-medium', meaning: 'Next buyers by predicted 12-month value (default next 30%).' },
  { family: 'value', segment: 'value-low', label: 'Low value', tagSuffix: 'value-low', meaning: 'The rest of the buyers by predicted 12-month value.' },
  { family: 'replenishment', segment: 'replenishment-due', label: 'Replenishment due', tagSuffix: 'replenishment-due', meaning: 'A consumable they bought is due for reorder within the window (default 7 days) or recently overdue.' },
  { family: 'behaviour', segment: 'big-spender', label: 'Big Spender', tagSuffix: 'big-spender', meaning: 'Top buyers by average order value (default top 10%).' },
  { family: 'behaviour', segment: 'coupon-customer', label: 'Coupon Customer', tagSuffix: 'coupon-customer', meaning: 'More than half of their orders (default, at least 2) used a discount code.' },
  { family: 'behaviour', segment: 'dormant', label: 'Dormant', tagSuffix: 'dormant', meaning: 'No order for a long time (default 180 days).' },
  { family: 'behaviour', segment: 'new-customer', label: 'New', tagSuffix: 'new-customer', meaning: 'First order recently (default within 30 days).' },
  { family: 'behaviour', segment: 'trend-follower', label: 'Trend Follower', tagSuffix: 'trend-follower', meaning: 'At least half of their products bought within 30 days (default) of the product\'s first sale in the shop; 2+ orders.' },
  { family: 'behaviour', segment: 'bulk-buyer', label: 'Bulk Buyer', tagSuffix: 'bulk-buyer', meaning: 'Items per order in the shop\'s top 20% (default) of repeat buyers.' },
  { family: 'behaviour', segment: 'one-item-buyer', label: 'One-item Buyer', tagSuffix: 'one-item-buyer', meaning: 'Items per order in the shop\'s bottom 20% (default) of repeat buyers: buys one thing when needed.' },
  { family: 'intent', segment: 'abandoned-cart', label: 'Abandoned Cart', tagSuffix: 'abandoned-cart', meaning: 'Started a checkout in the last 7 days (default) and has not ordered since; the profile lists the products.' },
  { family: 'intent', segment: 'curious-prospect', label: 'Curious Prospect', tagSuffix: 'curious-prospect', meaning: 'Visited the store in the last 30 days (default), never bought.' },
  { family: 'intent', segment: 'undecided-prospect', label: 'Undecided Prospect', tagSuffix: 'undecided-prospect', meaning: 'Added to cart or started a checkout in the last 90 days (default), never bought.' },
];

const byFamily = new Map<Family, Map<string, SegmentDefinition>>(FAMILIES.map((f) => [f, new Map()]));
for (const d of SEGMENT_DEFINITIONS) byFamily.get(d.family)!.set(d.segment, d);

export function segmentDefinition(family: Family, segment: string): SegmentDefinition {
  const d = byFamily.get(family)?.get(segment);
  if (d === undefined) throw new RangeError(`unknown segment ${family}/${segment}`);
  return d;
}

export interface TagMeaning {
  tag: string;
  family: Family;
  segment: string;
  label: string;
  meaning: string;
}

/** Every tag the app can write for this shop, with its meaning (docs/segments.md table, tag diffs). */
export function tagVocabulary(settings: Pick<ShopSettings, 'tagPrefix'>): TagMeaning[] {
  return SEGMENT_DEFINITIONS.map((d) => ({ tag: settings.tagPrefix + d.tagSuffix, family: d.family, segment: d.segment, label: d.label, meaning: d.meaning }));
}

/**
 * Tags customers carry on Shopify that a prefix would make "ours" although the app never wrote them:
 * they start with the prefix (case-insensitively, as Shopify compares tags) but are not one of the
 * app's tags under it. A sync removes any such tag that is not desired, from every customer, so a
 * prefix that captures any may not be saved.
 */
export function merchantTagsCapturedBy(settings: Pick<ShopSettings, 'tagPrefix'>, shopTags: readonly string[]): string[] {
  const prefix = settings.tagPrefix.toLowerCase();
  const ours = new Set(tagVocabulary(settings).map((t) => t.tag.toLowerCase()));
  return [...new Set(shopTags.filter((t) => t.toLowerCase().startsWith(prefix) && !ours.has(t.toLowerCase())))].sort();
}
