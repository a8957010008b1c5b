// Small builders for engine tests: orders and customers with sensible defaults.
import type { CustomerInput, NormalizedOrder } from '../../src/segments/types.ts';
import { defaultShopSettings, parseShopSettings } from '../../src/segments/settings.ts';
import type { ShopSettings, ShopSettingsInput } from '../../src/segments/settings.ts';

export const DAY = 86_400_000;
/** Fixed "now" for tests: 2026-11-20 23:59:59.999 UTC. */
export const AS_OF = Date.UTC(2026, 10, 20, 23, 59, 59, 999);

export function daysAgo(days: number, from = AS_OF): number {
  return Date.UTC(2026, 10, 20, 12) - days * DAY + (from - AS_OF);
}

let seq = 0;
export function order(over: Partial<NormalizedOrder> & { at?: number } = {}): NormalizedOrder {
  const at = over.at ?? daysAgo(10);
  seq++;
  const { at: _at, ...rest } = over;
  return {
    id: `o${seq}`,
    customerId: 'c1',
    createdAt: at,
    processedAt: at,
    cancelledAt: null,
    updatedAt: at,
    test: false,
    financialStatus: 'paid',
    netMinor: 5000,
    grossMinor: 5000,
    currency: 'USD',
    discountCodes: [],
    sourceName: 'web',
    tags: [],
    b2b: false,
    lineItems: [{ productId: 'p1', variantId: null, sku: null, quantity: 1 }],
    ...rest,
  };
}

/** A customer with orders placed the given numbers of days before AS_OF, each worth `minor`. */
export function customer(id: string, orderDaysAgo: number[], minor = 5000, extra: Partial<CustomerInput> = {}): CustomerInput {
  return { customerId: id, orders: orderDaysAgo.map((d) => order({ customerId: id, at: daysAgo(d), netMinor: minor, grossMinor: minor })), ...extra };
}

export function settingsWith(input: ShopSettingsInput): ShopSettings {
  return parseShopSettings(input);
}

export { defaultShopSettings };
