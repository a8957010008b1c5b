// Idempotent: the shop's scopes are set to `current` only when this update is newer than what is
// stored (updated_at), so a replay or a late copy changes nothing.
// app/scopes_update fires when the scopes granted to the installation change — with Shopify-managed
// install, when the merchant approves scopes a new app version asks for in shopify.app.toml:
// https://shopify.dev/changelog/new-webhook-topic-app-scopes_update
// Payload (https://shopify.dev/docs/api/webhooks/2026-10?reference=toml#list-of-topics-app/scopes_update):
// { id, previous: [...], current: [...], updated_at, shop_id }.
import { z } from 'zod';
import { done, unusable, type WebhookHandler, deadLetterReason } from './types.ts';

const payloadSchema = z.object({
  current: z.array(z.string()),
  updated_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date').nullish(),
});

export const handleAppScopesUpdate: WebhookHandler = async (delivery, { stores, effects }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable(deadLetterReason('scopesNoList'));
  const asOf = parsed.data.updated_at ? new Date(parsed.data.updated_at) : delivery.receivedAt;
  const r = await stores.shops.updateScopes(delivery.shop, parsed.data.current, asOf, delivery.receivedAt);
  if (!r.applied) return done('older scope update ignored');
  // Orders older than 60 days became readable: fetch them now rather than at the next resync.
  if (r.gainedReadAllOrders) await effects.readAllOrdersGranted(delivery.shop);
  return done(`scopes updated${r.gainedReadAllOrders ? '; read_all_orders granted, resync requested' : ''}`);
};
