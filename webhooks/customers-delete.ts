// Idempotent: erasing a customer's data twice deletes nothing the second time.
import { z } from 'zod';
import { eraseCustomerData } from '../src/profiles/shop-data-eraser.ts';
import { absent, graphqlIdOf, restId, sameGraphqlId } from './ids.ts';
import { done, unusable, type WebhookHandler, deadLetterReason } from './types.ts';

// Shopify sends only the id of a deleted customer (id, phone, addresses, consents,
// admin_graphql_api_id): a live customer's payload (customers/update, with created_at/updated_at/tags)
// resent under this topic would erase a customer that still exists, so it is refused.
const payloadSchema = z
  .object({ id: restId, admin_graphql_api_id: graphqlIdOf('Customer'), created_at: absent, updated_at: absent, tags: absent })
  .refine(sameGraphqlId('Customer'), 'admin_graphql_api_id names another customer');

export const handleCustomerDelete: WebhookHandler = async (delivery, { connection, effects, stores }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable(deadLetterReason('notCustomersDelete'));
  await eraseCustomerData(connection, stores.profiles, delivery.shop, parsed.data.id);
  await effects.customerDeleted(delivery.shop, parsed.data.id);
  return done('customer data erased');
};
