// Idempotent: stores nothing (no personal data is kept); it only asks for a deduplicated recompute.
// customers/update also echoes our own tag writes: customerChanged skips the first one after a write
// (the customer's data carries no input of the segments), and a recompute would find no tag change.
import { z } from 'zod';
import { restId } from './ids.ts';
import { done, unusable, type WebhookHandler } from './types.ts';

const payloadSchema = z.object({ id: restId, tags: z.string().optional() });

export const handleCustomerUpsert: WebhookHandler = async (delivery, { effects, stores }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable('customer payload without an id');
  if (parsed.data.tags !== undefined) {
    // The payload carries the customer's tags as Shopify has them: compare ours with what we want there.
    const prefix = (await stores.shops.effective(delivery.shop)).settings.tagPrefix.toLowerCase();
    const appTags = parsed.data.tags.split(',').map((t) => t.trim()).filter((t) => t.toLowerCase().startsWith(prefix));
    await effects.customerTagsObserved(delivery.shop, parsed.data.id, appTags);
  }
  await effects.customerChanged(delivery.shop, parsed.data.id);
  return done('recompute requested');
};
