// Which orders count. Test, cancelled, voided and fully refunded orders never count by default;
// partial refunds are already netted out of netMinor (current_total_price), so they reduce value.
import type { ShopSettings } from './settings.ts';
import type { NormalizedOrder } from './types.ts';

export type OrderExclusionReason =
  | 'after-as-of'
  | 'test'
  | 'cancelled'
  | 'voided'
  | 'refunded'
  | 'zero-value'
  | 'pos'
  | 'draft'
  | 'b2b'
  | 'excluded-tag';

/** null when the order counts, otherwise the first reason it does not. */
export function orderExclusionReason(order: NormalizedOrder, settings: ShopSettings, asOf: number): OrderExclusionReason | null {
  const ex = settings.orderExclusions;
  if (order.processedAt > asOf) return 'after-as-of';
  if (ex.test && order.test) return 'test';
  // An order cancelled after asOf still counted at asOf.
  if (ex.cancelled && order.cancelledAt !== null && order.cancelledAt <= asOf) return 'cancelled';
  // 'expired' = the authorisation lapsed and no money moved: treated like voided.
  if (ex.voided && (order.financialStatus === 'voided' || order.financialStatus === 'expired')) return 'voided';
  if (ex.refunded && order.financialStatus === 'refunded') return 'refunded';
  if (ex.zeroValue && order.netMinor <= 0) return 'zero-value';
  if (ex.pos && order.sourceName === 'pos') return 'pos';
  if (ex.draft && order.sourceName === 'shopify_draft_order') return 'draft';
  if (ex.b2b && order.b2b) return 'b2b';
  if (ex.tag !== null) {
    const wanted = ex.tag.toLowerCase();
    if (order.tags.some((t) => t.toLowerCase() === wanted)) return 'excluded-tag';
  }
  return null;
}
