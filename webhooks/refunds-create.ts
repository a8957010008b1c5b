// Idempotent: stores nothing; it only asks for a (deduplicated) recompute. The refunded amount itself
// arrives with the orders/updated that Shopify sends for the same refund (current_total_price).
import { z } from 'zod';
import { restId } from './ids.ts';
import { done, unusable, type WebhookHandler } from './types.ts';

const payloadSchema = z.object({ id: restId, order_id: restId });

export const handleRefundCreate: WebhookHandler = async (delivery, { stores, effects }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable('refunds/create payload without id/order_id');
  const customerId = await stores.orders.customerIdOf(delivery.shop, parsed.data.order_id);
  if (!customerId) return done('refund for an order we do not hold (yet); orders/updated will follow');
  await effects.recomputeCustomer(delivery.shop, customerId);
  return done('recompute requested');
};
