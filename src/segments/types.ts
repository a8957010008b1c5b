// The engine's input contract. Everything that feeds the engine (webhook normaliser, bulk backfill,
// CSV/CDNOW importers, MongoDB order store) produces these plain objects.
// Ids are strings (Shopify ids exceed 2^53). Money is integer minor units of the shop currency.
// Instants are epoch milliseconds UTC.

export type FinancialStatus =
  | 'pending'
  | 'authorized'
  | 'partially_paid'
  | 'paid'
  | 'partially_refunded'
  | 'refunded'
  | 'voided'
  | 'expired'
  | 'unknown';

export interface OrderLineItem {
  productId: string | null;
  variantId: string | null;
  sku: string | null;
  quantity: number;
}

export interface NormalizedOrder {
  /** Numeric order id as a string (the legacy REST id; GraphQL gid suffix). */
  id: string;
  customerId: string | null;
  createdAt: number;
  /** When the order was placed (processed_at); falls back to createdAt. Recency is measured on this. */
  processedAt: number;
  cancelledAt: number | null;
  /** Shopify's updated_at: later versions of the same order win, earlier ones are stale. */
  updatedAt: number;
  test: boolean;
  financialStatus: FinancialStatus;
  /** Order total in shop currency after refunds and edits (current_total_price), minor units. */
  netMinor: number;
  /** Order total before refunds, minor units. */
  grossMinor: number;
  currency: string;
  discountCodes: string[];
  /** source_name: 'web', 'pos', 'shopify_draft_order', an app id, … */
  sourceName: string | null;
  /** Order tags, trimmed. */
  tags: string[];
  /** Placed by a B2B company location. */
  b2b: boolean;
  lineItems: OrderLineItem[];
}

/** The customer's last unfinished checkout: when, and which products (ids only; no address, no e-mail). */
export interface UnfinishedCheckout {
  at: number;
  products: string[];
}

/**
 * Signals besides orders (store visits from the web pixel, e-mail clicks, checkouts). Instants are
 * epoch ms UTC; product ids are Shopify product ids as strings.
 */
export interface Engagement {
  lastEmailClickAt?: number | null;
  lastVisitAt?: number | null;
  /** Last time a product was added to the cart or a checkout was started. */
  lastCartAt?: number | null;
  /** Products viewed (most recent first, bounded by the store). */
  viewedProducts?: readonly string[];
  /** The last checkout that no order has completed yet, or null. */
  checkout?: UnfinishedCheckout | null;
}

export interface CustomerInput {
  customerId: string;
  orders: NormalizedOrder[];
  engagement?: Engagement;
}
