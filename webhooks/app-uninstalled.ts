// Idempotent: deleting sessions, setting uninstalledAt only when unset, and stopping schedules are all no-ops when repeated.
// The topic header is not signed, so a captured signed body could be resent as app/uninstalled: the
// payload must be a shop (id, myshopify_domain = the shop header, checked by the router), and Shopify
// is asked first: while the stored token still works the app is installed and nothing is deleted.
import { z } from 'zod';
import { restId } from './ids.ts';
import { done, unusable, type WebhookHandler, deadLetterReason } from './types.ts';

// The shop resource (https://shopify.dev/docs/api/webhooks?reference=toml#list-app/uninstalled).
const payloadSchema = z.object({ id: restId, myshopify_domain: z.string() });

export const handleAppUninstalled: WebhookHandler = async (delivery, { stores, effects, installation }) => {
  if (!payloadSchema.safeParse(delivery.payload).success) return unusable(deadLetterReason('notAppUninstalled'));
  if ((await installation.probe(delivery.shop)) === 'active') {
    return unusable(deadLetterReason('uninstallRefused'));
  }
  // Shopify has revoked the tokens: drop them, mark the shop, stop its schedules (stopShopSchedules).
  await stores.sessions.deleteShopSessions(delivery.shop);
  await stores.shops.markUninstalled(delivery.shop, delivery.receivedAt);
  await effects.shopUninstalled(delivery.shop);
  return done('shop uninstalled');
};
