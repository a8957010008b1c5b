// Idempotent: it only signals that a bulk operation finished; the waiter re-reads the operation by id.
import { z } from 'zod';
import { done, unusable, type WebhookHandler, deadLetterReason } from './types.ts';

const payloadSchema = z.object({
  admin_graphql_api_id: z.string().startsWith('gid://shopify/BulkOperation/'),
  status: z.string(),
  error_code: z.string().nullish(),
  type: z.string(),
  created_at: z.string().nullish(),
  completed_at: z.string().nullish(),
});

export const handleBulkOperationFinish: WebhookHandler = async (delivery, { effects }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable(deadLetterReason('bulkNoId'));
  const p = parsed.data;
  await effects.bulkOperationFinished(delivery.shop, {
    adminGraphqlApiId: p.admin_graphql_api_id, status: p.status, errorCode: p.error_code ?? null,
    type: p.type, createdAt: p.created_at ?? null, completedAt: p.completed_at ?? null,
  });
  return done('bulk operation finish signalled');
};
