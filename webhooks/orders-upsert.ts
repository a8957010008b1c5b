// Idempotent: the order is upserted only when newer (updated_at) than the stored version, and a
// recompute request is deduplicated by the pipeline; a replay changes nothing.
// Handles orders/create, orders/updated, orders/paid, orders/cancelled.
import { normaliseRestOrder } from './order-normaliser.ts';
import { done, unusable, type WebhookHandler } from './types.ts';

export const handleOrderUpsert: WebhookHandler = async (delivery, { stores, effects }) => {
  const result = normaliseRestOrder(delivery.payload);
  if (!result.ok) return unusable(result.reason);
  const { order } = result;
  const { outcome, previousCustomerId } = await stores.orders.upsert(delivery.shop, order);
  if (outcome === 'stale') return done('stale version ignored');
  // An order finishes the customer's earlier checkouts (webhooks/checkouts.ts): the one it came from
  // (its checkout_token) and any they left before it.
  if (order.customerId !== null) await stores.engagement.clearCheckout(delivery.shop, order.customerId, new Date(order.createdAt), delivery.receivedAt);
  // An order moved to another customer changes both customers' segments.
  const affected = new Set([order.customerId, previousCustomerId].filter((c): c is string => c !== null));
  for (const customerId of affected) await effects.recomputeCustomer(delivery.shop, customerId);
  return done(`order stored, ${affected.size} recompute(s)`);
};
