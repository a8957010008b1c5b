// Idempotent: a data request is stored once per request id; redaction deletes, and deleting again deletes nothing.
// Mandatory compliance topics (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance).
// They are handled even for uninstalled shops (shop/redact arrives 48 h after uninstall) and must be
// honoured within 30 days; we do it at once. Each payload must be exactly its topic's shape (the topic
// header is not signed: a customers/redact body resent as shop/redact must not erase a shop), and the
// shop it names must be the shop header's (checked by the router for every topic).
import { z } from 'zod';
import { eraseCustomerData, eraseShopData } from '../src/profiles/shop-data-eraser.ts';
import { absent, restId } from './ids.ts';
import { done, unusable, type WebhookHandler, deadLetterReason } from './types.ts';

const customer = z.object({ id: restId, email: z.string().nullish(), phone: z.string().nullish() });
const dataRequestSchema = z.object({
  shop_id: restId,
  shop_domain: z.string(),
  customer,
  orders_requested: z.array(restId),
  data_request: z.object({ id: restId }),
  orders_to_redact: absent,
});
const customerRedactSchema = z.object({
  shop_id: restId,
  shop_domain: z.string(),
  customer,
  orders_to_redact: z.array(restId),
  orders_requested: absent,
  data_request: absent,
});
// Shopify sends the shop id and domain, nothing else.
const shopRedactSchema = z.strictObject({ shop_id: restId, shop_domain: z.string() });

export const handleCustomerDataRequest: WebhookHandler = async (delivery, { stores }) => {
  const parsed = dataRequestSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable(deadLetterReason('notDataRequest'));
  const { collections } = await stores.dataRequests.fulfil(delivery.shop, parsed.data.customer.id, parsed.data.data_request.id, delivery.receivedAt);
  return done(`data request recorded (${collections.length} collection(s))`);
};

export const handleCustomerRedact: WebhookHandler = async (delivery, { stores, connection, effects }) => {
  const parsed = customerRedactSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable(deadLetterReason('notCustomersRedact'));
  const customerId = parsed.data.customer.id;
  await eraseCustomerData(connection, stores.profiles, delivery.shop, customerId);
  // Orders listed for redaction may no longer name the customer (guest checkout, reassigned).
  await stores.orders.deleteByIds(delivery.shop, parsed.data.orders_to_redact);
  // Redis (tag state, queued jobs naming the customer) follows at once.
  await effects.customerDeleted(delivery.shop, customerId);
  return done('customer redacted');
};

export const handleShopRedact: WebhookHandler = async (delivery, { connection, effects, stores }) => {
  if (!shopRedactSchema.safeParse(delivery.payload).success) return unusable(deadLetterReason('notShopRedact'));
  // Shopify sends shop/redact 48 h after an uninstall. A shop that is installed now (it reinstalled
  // since, or the request is not Shopify's) keeps its data.
  if (await stores.shops.isInstalled(delivery.shop)) return unusable(deadLetterReason('shopRedactRefused'));
  await effects.shopUninstalled(delivery.shop);
  await eraseShopData(connection, delivery.shop);
  await effects.shopErased(delivery.shop);
  return done('shop data erased');
};
