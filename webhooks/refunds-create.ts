// Idempotent: stores nothing; it only asks for a (deduplicated) recompute. The refunded amount itself
// arrives with the orders/updated that Shopify sends for the same refund (current_total_price).
import { z } from 'zod';
import { graphqlIdOf, restId, sameGraphqlId } from './ids.ts';
import { done, unusable, type WebhookHandler, deadLetterReason } from './types.ts';

// The refund resource: its admin_graphql_api_id names this refund (a payload of another topic fails).
const payloadSchema = z
  .object({ id: restId, order_id: restId, admin_graphql_api_id: graphqlIdOf('Refund') })
  .refine(sameGraphqlId('Refund'), 'admin_graphql_api_id names another refund');

export const handleRefundCreate: WebhookHandler = async (delivery, { stores, effects }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable(deadLetterReason('notRefund'));
  const customerId = await stores.orders.customerIdOf(delivery.shop, parsed.data.order_id);
  if (!customerId) return done('refund for an order we do not hold (yet); orders/updated will follow');
  await effects.recomputeCustomer(delivery.shop, customerId);
  return done('recompute requested');
};
