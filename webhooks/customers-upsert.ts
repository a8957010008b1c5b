// Idempotent: stores nothing (no personal data is kept); it only asks for a deduplicated recompute.
// customers/update also echoes our own tag writes: the recompute then finds no tag change and writes
// nothing, so the echo ends there.
import { z } from 'zod';
import { restId } from './ids.ts';
import { done, unusable, type WebhookHandler } from './types.ts';

const payloadSchema = z.object({ id: restId });

export const handleCustomerUpsert: WebhookHandler = async (delivery, { effects }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable('customer payload without an id');
  await effects.recomputeCustomer(delivery.shop, parsed.data.id);
  return done('recompute requested');
};
