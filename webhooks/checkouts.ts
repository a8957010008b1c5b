// checkouts/create and checkouts/update: keep per customer the last unfinished checkout (its products
// and time), clear it when the checkout completes. Nothing else of the payload is kept — no address,
// no e-mail, no recovery URL. Guest checkouts (no customer) are dropped: there is nobody to segment.
// Topics: https://shopify.dev/docs/api/webhooks?reference=toml (checkouts/create, checkouts/update;
// read_orders scope — https://shopify.dev/docs/api/admin-graphql/latest/objects/AbandonedCheckout says
// abandoned checkouts need read_orders). The payload is the REST checkout resource
// (https://shopify.dev/docs/api/admin-rest/latest/resources/abandoned-checkouts): token, created_at,
// updated_at, completed_at, customer, line_items[].product_id, abandoned_checkout_url.
// Idempotent: the stored checkout moves only forward in time ($max), clearing only forward.
import { z } from 'zod';
import { absent, restId } from './ids.ts';
import { done, unusable, type WebhookHandler, deadLetterReason } from './types.ts';

const instant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be a date').transform((v) => new Date(v));

// Strict enough that no other topic's signed payload passes: an order has a token, line items and a
// customer too, but also order_number and financial_status, which a checkout never has; a checkout has
// abandoned_checkout_url, which an order never has.
export const checkoutPayloadSchema = z.object({
  token: z.string().min(1).max(255),
  created_at: instant,
  updated_at: instant,
  completed_at: instant.nullable().optional(),
  abandoned_checkout_url: z.string().min(1),
  customer: z.object({ id: restId }).loose().nullable().optional(),
  line_items: z.array(z.object({ product_id: restId.nullable().optional(), quantity: z.number().int().optional() }).loose()).max(1000),
  order_number: absent,
  financial_status: absent,
}).loose();

export type CheckoutPayload = z.output<typeof checkoutPayloadSchema>;

/** Product ids of a checkout, unique, in line-item order (line items without a product are skipped). */
export function checkoutProducts(p: Pick<CheckoutPayload, 'line_items'>): string[] {
  return [...new Set(p.line_items.map((l) => l.product_id).filter((id): id is string => typeof id === 'string'))];
}

export const handleCheckout: WebhookHandler = async (delivery, { stores, effects }) => {
  const parsed = checkoutPayloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable(deadLetterReason('notCheckout'));
  const c = parsed.data;
  const now = delivery.receivedAt;
  await stores.signalSources.delivered(delivery.shop, 'checkouts', now);
  const customerId = c.customer?.id ?? null;
  if (customerId === null) {
    await stores.signalSources.dropped(delivery.shop, 'checkouts', 'guest checkout');
    return done('guest checkout: nothing kept');
  }
  if (c.completed_at) {
    await stores.engagement.clearCheckout(delivery.shop, customerId, c.completed_at, now);
  } else {
    await stores.engagement.recordCheckout(delivery.shop, { customerId, token: c.token, at: c.updated_at, productIds: checkoutProducts(c) }, now);
    await stores.engagement.record(delivery.shop, [{ customerId, cartAt: c.created_at }], now);
  }
  await effects.recomputeCustomer(delivery.shop, customerId);
  return done(c.completed_at ? 'checkout completed: cleared' : 'unfinished checkout kept');
};
