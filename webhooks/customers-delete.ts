// Idempotent: erasing a customer's data twice deletes nothing the second time.
import { z } from 'zod';
import { eraseCustomerData } from '../src/profiles/shop-data-eraser.ts';
import { restId } from './ids.ts';
import { done, unusable, type WebhookHandler } from './types.ts';

const payloadSchema = z.object({ id: restId });

export const handleCustomerDelete: WebhookHandler = async (delivery, { connection, effects }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable('customers/delete payload without an id');
  await eraseCustomerData(connection, delivery.shop, parsed.data.id);
  await effects.customerDeleted(delivery.shop, parsed.data.id);
  return done('customer data erased');
};
