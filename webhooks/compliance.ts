// Idempotent: a data request is stored once per request id; redaction deletes, and deleting again deletes nothing.
// Mandatory GDPR/CCPA topics. They are handled even for uninstalled shops (shop/redact arrives 48 h
// after uninstall) and must be honoured within 30 days; we do it at once.
import { z } from 'zod';
import { eraseCustomerData, eraseShopData } from '../src/profiles/shop-data-eraser.ts';
import { restId } from './ids.ts';
import { done, unusable, type WebhookHandler } from './types.ts';

const shopDomain = z.string().optional();
const dataRequestSchema = z.object({
  shop_domain: shopDomain,
  customer: z.object({ id: restId }),
  orders_requested: z.array(restId).nullish(),
  data_request: z.object({ id: restId }),
});
const customerRedactSchema = z.object({
  shop_domain: shopDomain,
  customer: z.object({ id: restId }),
  orders_to_redact: z.array(restId).nullish(),
});
const shopRedactSchema = z.object({ shop_domain: shopDomain });

/** The body is signed, the shop header is not: both must name the same shop. */
function sameShop(header: string, bodyDomain: string | undefined): boolean {
  return bodyDomain === undefined || bodyDomain.toLowerCase() === header.toLowerCase();
}

export const handleCustomerDataRequest: WebhookHandler = async (delivery, { stores }) => {
  const parsed = dataRequestSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable('customers/data_request payload without customer.id / data_request.id');
  if (!sameShop(delivery.shop, parsed.data.shop_domain)) return unusable('shop_domain does not match the shop header', parsed.data.customer.id);
  const { collections } = await stores.dataRequests.fulfil(delivery.shop, parsed.data.customer.id, parsed.data.data_request.id, delivery.receivedAt);
  return done(`data request recorded (${collections.length} collection(s))`);
};

export const handleCustomerRedact: WebhookHandler = async (delivery, { stores, connection, effects }) => {
  const parsed = customerRedactSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable('customers/redact payload without customer.id');
  if (!sameShop(delivery.shop, parsed.data.shop_domain)) return unusable('shop_domain does not match the shop header', parsed.data.customer.id);
  const customerId = parsed.data.customer.id;
  await eraseCustomerData(connection, delivery.shop, customerId);
  // Orders listed for redaction may no longer name the customer (guest checkout, reassigned).
  await stores.orders.deleteByIds(delivery.shop, parsed.data.orders_to_redact ?? []);
  await effects.customerDeleted(delivery.shop, customerId);
  return done('customer redacted');
};

export const handleShopRedact: WebhookHandler = async (delivery, { connection, effects }) => {
  const parsed = shopRedactSchema.safeParse(delivery.payload);
  if (!parsed.success || !sameShop(delivery.shop, parsed.data.shop_domain)) return unusable('shop/redact payload for another shop');
  await effects.shopUninstalled(delivery.shop);
  await eraseShopData(connection, delivery.shop);
  return done('shop data erased');
};
