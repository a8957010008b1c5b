// REST order payload (orders/* webhooks) → NormalizedOrder, the engine's input contract. Pure.
// Input must come from parseJsonKeepingBigIds so ids beyond 2^53 arrive as exact strings.
import { z } from 'zod';
import { decimalToMinor } from '../src/money.ts';
import { financialStatusOf, normalised, type NormaliseResult } from '../src/shopify/order-normalising.ts';
import { graphqlIdOf, restId } from './ids.ts';
import { deadLetterReason } from './types.ts';

const id = restId;
const optionalId = id.nullish().transform((v) => v ?? null);
const instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date').transform((s) => Date.parse(s));
const money = z.union([z.string(), z.number()]).transform(String);
const moneySet = z.object({ shop_money: z.object({ amount: money, currency_code: z.string() }) }).nullish();

export const restOrderSchema = z.object({
  id,
  admin_graphql_api_id: graphqlIdOf('Order').nullish(),
  created_at: instant,
  processed_at: instant.nullish(),
  updated_at: instant.nullish(),
  cancelled_at: instant.nullish(),
  test: z.boolean().nullish(),
  financial_status: z.string().nullish(),
  currency: z.string().length(3),
  total_price: money,
  total_price_set: moneySet,
  current_total_price: money.nullish(),
  current_total_price_set: moneySet,
  discount_codes: z.array(z.object({ code: z.string() })).nullish(),
  source_name: z.string().nullish(),
  tags: z.string().nullish(),
  // B2B orders: the purchasing company (GraphQL: Order.purchasingEntity, src/shopify/graphql-order.ts).
  company: z.object({ id: optionalId }).nullish(),
  customer: z.object({ id }).nullish(),
  line_items: z.array(z.object({
    product_id: optionalId,
    variant_id: optionalId,
    sku: z.string().nullish(),
    quantity: z.number().int(),
    // After refunded and removed units, REST Admin API 2024-01 on:
    // https://shopify.dev/changelog/addition-of-lineitem-current_quantity-on-admin-rest-api
    current_quantity: z.number().int().nullish(),
  })).default([]),
});

export function splitTags(tags: string | null | undefined): string[] {
  return (tags ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

export function normaliseRestOrder(payload: unknown): NormaliseResult {
  const parsed = restOrderSchema.safeParse(payload);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: deadLetterReason('invalidOrder', { problem: first ? `${first.path.join('.')} ${first.message}` : 'unknown' }) };
  }
  const o = parsed.data;
  if (o.admin_graphql_api_id && o.admin_graphql_api_id !== `gid://shopify/Order/${o.id}`) return { ok: false, reason: 'invalid order payload: admin_graphql_api_id names another order' };
  return normalised('invalid order payload', () => {
    // Shop-currency amounts: the *_set.shop_money variant when present, else the plain field.
    const gross = o.total_price_set?.shop_money.amount ?? o.total_price;
    const net = o.current_total_price_set?.shop_money.amount ?? o.current_total_price ?? gross;
    const createdAt = o.created_at;
    return {
      id: o.id,
      customerId: o.customer?.id ?? null,
      createdAt,
      processedAt: o.processed_at ?? createdAt,
      cancelledAt: o.cancelled_at ?? null,
      updatedAt: o.updated_at ?? createdAt,
      test: o.test ?? false,
      financialStatus: financialStatusOf(o.financial_status),
      netMinor: decimalToMinor(net, o.currency),
      grossMinor: decimalToMinor(gross, o.currency),
      currency: o.currency.toUpperCase(),
      discountCodes: (o.discount_codes ?? []).map((d) => d.code),
      sourceName: o.source_name ?? null,
      tags: splitTags(o.tags),
      b2b: Boolean(o.company?.id),
      // Fully refunded or removed items are no longer bought: they leave replenishment.
      lineItems: o.line_items.map((li) => ({
        productId: li.product_id,
        variantId: li.variant_id,
        sku: li.sku ? li.sku : null,
        quantity: li.current_quantity ?? li.quantity,
      })).filter((li) => li.quantity > 0),
    };
  });
}
