// Checkouts in the simulator: checkouts/create and checkouts/update webhooks with the REST checkout
// resource's shape (https://shopify.dev/docs/api/admin-rest/latest/resources/abandoned-checkouts; topics
// https://shopify.dev/docs/api/webhooks?reference=toml): token, cart_token, created_at, updated_at,
// completed_at, customer, line_items with product_id / variant_id / quantity, abandoned_checkout_url,
// and the contact and address fields a real checkout carries (null here: the simulator holds no
// personal data, and the app must not need them). Shop-local timestamps like every simulator payload.
// The shop keeps its checkouts, which the Admin GraphQL `abandonedCheckouts` connection lists (see
// checkout-store.ts); seedCheckout adds one silently (a checkout from before the install).
import { createHash } from 'node:crypto';
import { formatMoney, gid, isoInZone, JsonId } from './formats.ts';
import { checkoutsOf, type CheckoutLine, type SimCheckout } from './checkout-store.ts';
import type { Simulator } from './simulator.ts';

export type { CheckoutLine, SimCheckout } from './checkout-store.ts';

let seq = 31_000_000_000_000;

const remember = (sim: Simulator, shopDomain: string, c: SimCheckout): void => void checkoutsOf(sim.shop(shopDomain)).set(c.id, c);

function newCheckout(input: { customerId: string | null; lines: CheckoutLine[]; at: number }): SimCheckout {
  const id = String(seq++);
  return { id, token: createHash('sha256').update(`checkout-${id}`).digest('hex').slice(0, 32), customerId: input.customerId, lines: input.lines, createdAt: input.at, updatedAt: input.at, completedAt: null };
}

export function checkoutPayload(sim: Simulator, shopDomain: string, c: SimCheckout): object {
  const shop = sim.shop(shopDomain);
  const at = (ms: number | null): string | null => (ms === null ? null : isoInZone(ms, shop.timezone));
  const total = c.lines.reduce((s, l) => s + Math.round(Number(l.price ?? '10.00') * 100) * l.quantity, 0);
  return {
    id: new JsonId(c.id),
    token: c.token,
    cart_token: c.token.slice(0, 16),
    email: null,
    gateway: null,
    buyer_accepts_marketing: false,
    created_at: at(c.createdAt),
    updated_at: at(c.updatedAt),
    completed_at: at(c.completedAt),
    closed_at: null,
    landing_site: null,
    note: null,
    referring_site: null,
    shipping_lines: [],
    taxes_included: false,
    total_weight: 0,
    currency: shop.currency,
    presentment_currency: shop.currency,
    subtotal_price: formatMoney(total),
    total_price: formatMoney(total),
    total_discounts: '0.00',
    total_line_items_price: formatMoney(total),
    total_tax: '0.00',
    name: `#C${c.id.slice(-6)}`,
    source_name: 'web',
    phone: null,
    abandoned_checkout_url: `https://${shopDomain}/${shop.id}/checkouts/${c.token}/recover?key=${c.token.slice(0, 8)}`,
    discount_codes: [],
    tax_lines: [],
    billing_address: null,
    shipping_address: null,
    customer: c.customerId === null ? null : { id: new JsonId(c.customerId), admin_graphql_api_id: gid('Customer', c.customerId), email: null, first_name: null, last_name: null },
    line_items: c.lines.map((l, i) => ({
      key: `${c.token}-${i}`,
      product_id: new JsonId(l.productId),
      variant_id: l.variantId ? new JsonId(l.variantId) : null,
      quantity: l.quantity,
      price: l.price ?? '10.00',
      title: `Product ${l.productId}`,
      sku: null,
      requires_shipping: true,
      taxable: true,
      gift_card: false,
    })),
  };
}

/** A buyer starts a checkout: checkouts/create. */
export function startCheckout(sim: Simulator, shopDomain: string, input: { customerId: string | null; lines: CheckoutLine[]; at: number }): SimCheckout {
  const c = newCheckout(input);
  remember(sim, shopDomain, c);
  sim.sendWebhook(shopDomain, 'checkouts/create', checkoutPayload(sim, shopDomain, c));
  return c;
}

/** The checkout changes (lines edited) or completes: checkouts/update. */
export function updateCheckout(sim: Simulator, shopDomain: string, c: SimCheckout, change: { at: number; lines?: CheckoutLine[]; complete?: boolean }): SimCheckout {
  const next: SimCheckout = { ...c, lines: change.lines ?? c.lines, updatedAt: change.at, completedAt: change.complete ? change.at : c.completedAt };
  remember(sim, shopDomain, next);
  sim.sendWebhook(shopDomain, 'checkouts/update', checkoutPayload(sim, shopDomain, next));
  return next;
}

/** A checkout kept in the shop without any webhook (started before the app was installed); optionally completed. */
export function seedCheckout(sim: Simulator, shopDomain: string, input: { customerId: string | null; lines: CheckoutLine[]; at: number; updatedAt?: number; completedAt?: number }): SimCheckout {
  const c = { ...newCheckout(input), updatedAt: input.updatedAt ?? input.at, completedAt: input.completedAt ?? null };
  remember(sim, shopDomain, c);
  return c;
}
