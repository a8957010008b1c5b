// Admin GraphQL order (as in the bulk backfill JSONL) → NormalizedOrder. Pure. Same contract and the
// same result as the webhook normaliser (webhooks/order-normaliser.ts; see order-normalising.ts):
// numeric ids as strings, shop-currency minor units.
import type { OrderLineItem } from '../segments/types.ts';
import { legacyId } from './gid.ts';
import { decimalToMinor } from '../money.ts';
import { financialStatusOf, normalised, type NormaliseResult } from './order-normalising.ts';

interface Money { shopMoney: { amount: string; currencyCode: string } }

export interface GraphqlOrderNode {
  id: string;
  createdAt: string;
  processedAt?: string | null;
  updatedAt?: string | null;
  cancelledAt?: string | null;
  test?: boolean | null;
  displayFinancialStatus?: string | null;
  currentTotalPriceSet?: Money | null;
  totalPriceSet: Money;
  discountCodes?: string[] | null;
  sourceName?: string | null;
  tags?: string[] | null;
  customer?: { id: string } | null;
  /** A PurchasingCompany for B2B orders; `{}` for a Customer through `... on PurchasingCompany`. */
  purchasingEntity?: { company?: { id: string } | null } | null;
}

export interface GraphqlLineItemNode {
  quantity: number;
  /** After refunded and removed units; what the order holds now. */
  currentQuantity?: number | null;
  sku?: string | null;
  product?: { id: string } | null;
  variant?: { id: string } | null;
}

export function normaliseGraphqlLineItem(li: GraphqlLineItemNode): OrderLineItem {
  return {
    productId: li.product?.id ? legacyId(li.product.id) : null,
    variantId: li.variant?.id ? legacyId(li.variant.id) : null,
    sku: li.sku ? li.sku : null,
    quantity: li.currentQuantity ?? li.quantity,
  };
}

/** A malformed node is explained, not thrown (the backfill counts and skips it). */
export function normaliseGraphqlOrder(o: GraphqlOrderNode, lineItems: OrderLineItem[], customerId: string | null): NormaliseResult {
  const createdAt = Date.parse(o.createdAt);
  if (Number.isNaN(createdAt)) return { ok: false, reason: 'invalid order node: createdAt is not a date' };
  const gross = o.totalPriceSet.shopMoney;
  const net = o.currentTotalPriceSet?.shopMoney ?? gross;
  const ms = (s: string | null | undefined) => (s ? Date.parse(s) : null);
  return normalised('invalid order node', () => ({
    id: legacyId(o.id),
    customerId: o.customer?.id ? legacyId(o.customer.id) : customerId,
    createdAt,
    processedAt: ms(o.processedAt) ?? createdAt,
    cancelledAt: ms(o.cancelledAt),
    updatedAt: ms(o.updatedAt) ?? createdAt,
    test: o.test ?? false,
    financialStatus: financialStatusOf(o.displayFinancialStatus),
    netMinor: decimalToMinor(net.amount, net.currencyCode),
    grossMinor: decimalToMinor(gross.amount, gross.currencyCode),
    currency: gross.currencyCode.toUpperCase(),
    discountCodes: o.discountCodes ?? [],
    sourceName: o.sourceName ?? null,
    tags: (o.tags ?? []).map((t) => t.trim()).filter((t) => t.length > 0),
    b2b: Boolean(o.purchasingEntity?.company),
    // Fully refunded or removed items are no longer bought: they leave replenishment.
    lineItems: lineItems.filter((li) => li.quantity > 0),
  }));
}
