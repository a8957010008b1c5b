// Idempotent: deleting leaves a tombstone, so a replay (or a late orders/updated) cannot resurrect the order.
import { z } from 'zod';
import { restId } from './ids.ts';
import { done, unusable, type WebhookHandler, deadLetterReason } from './types.ts';

// Shopify's orders/delete payload is the order id alone; any other field means another topic's payload.
const payloadSchema = z.strictObject({ id: restId });

export const handleOrderDelete: WebhookHandler = async (delivery, { stores, effects }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable(deadLetterReason('notOrdersDelete'));
  const { customerId } = await stores.orders.markDeleted(delivery.shop, parsed.data.id);
  if (customerId) await effects.recomputeCustomer(delivery.shop, customerId);
  return done('order deleted');
};
