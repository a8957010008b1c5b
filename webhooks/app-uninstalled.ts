// Idempotent: deleting sessions, setting uninstalledAt only when unset, and stopping schedules are all no-ops when repeated.
import { done, type WebhookHandler } from './types.ts';

export const handleAppUninstalled: WebhookHandler = async (delivery, { stores, effects }) => {
  // Shopify has already revoked the tokens: drop them, mark the shop, stop its schedules (stopShopSchedules).
  await stores.sessions.deleteShopSessions(delivery.shop);
  await stores.shops.markUninstalled(delivery.shop, delivery.receivedAt);
  await effects.shopUninstalled(delivery.shop);
  return done('shop uninstalled');
};
