// Idempotent: deleting leaves a tombstone, so a replay (or a late orders/updated) cannot resurrect the order.
import { z } from 'zod';
import { restId } from './ids.ts';
import { done, unusable, type WebhookHandler } from './types.ts';

const payloadSchema = z.object({ id: restId });

export const handleOrderDelete: WebhookHandler = async (delivery, { stores, effects }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable('orders/delete payload without an order id');
  const { customerId } = await stores.orders.markDeleted(delivery.shop, parsed.data.id);
  if (customerId) await effects.recomputeCustomer(delivery.shop, customerId);
  return done('order deleted');
};
