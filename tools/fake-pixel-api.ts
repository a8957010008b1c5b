// A stand-in for Shopify's web-pixel sandbox (https://shopify.dev/docs/api/web-pixels-api): the
// analytics and customerPrivacy subscriptions, init and settings, so tests and the demo drive the real
// pixel code (extensions/segment-pixel/src/pixel.ts) without a storefront. Events are emitted with
// Shopify's standard-event shapes (name, clientId, timestamp, data.productVariant / cartLine /
// checkout; https://shopify.dev/docs/api/web-pixels-api/standard-events).
import type { ExtensionApi } from '@shopify/web-pixels-extension';

type Callback = (event: unknown) => void;

export interface FakePixel {
  api: Pick<ExtensionApi, 'analytics' | 'init' | 'settings' | 'customerPrivacy'>;
  emit(name: string, event: { clientId: string; timestamp: string; productId?: string }): void;
  setConsent(analytics: boolean): void;
  /** Runs the flush the pixel scheduled (its timer). */
  runTimers(): void;
  timer: (fn: () => void, ms: number) => void;
}

export function fakePixel(o: { shop: string; shopKey: string; endpoint: string; customerId: string | null; analytics: boolean }): FakePixel {
  const subs = new Map<string, Callback[]>();
  const privacy: Callback[] = [];
  const timers: Array<() => void> = [];
  const consent = (analytics: boolean) => ({ analyticsProcessingAllowed: analytics, marketingAllowed: false, preferencesProcessingAllowed: false, saleOfDataAllowed: false });
  const api = {
    settings: { shopKey: o.shopKey, endpoint: o.endpoint },
    analytics: { subscribe: (name: string, cb: Callback) => { subs.set(name, [...(subs.get(name) ?? []), cb]); return () => true; } },
    customerPrivacy: { subscribe: (_name: string, cb: Callback) => { privacy.push(cb); return () => true; } },
    init: { customerPrivacy: consent(o.analytics), data: { customer: o.customerId ? { id: o.customerId } : null, cart: null, shop: { myshopifyDomain: o.shop }, purchasingCompany: null }, context: {} },
  } as unknown as FakePixel['api'];
  const product = (id?: string) => (id ? { id: `gid://shopify/Product/${id}` } : null);
  return {
    api,
    emit(name, e) {
      const data = name === 'product_viewed' ? { productVariant: { product: product(e.productId) } }
        : name === 'product_added_to_cart' ? { cartLine: { merchandise: { product: product(e.productId) } } }
        : name === 'checkout_started' ? { checkout: { lineItems: [{ variant: { product: product(e.productId) } }] } }
        : {};
      for (const cb of subs.get(name) ?? []) cb({ name, clientId: e.clientId, timestamp: e.timestamp, data });
    },
    setConsent(analytics) { for (const cb of privacy) cb({ customerPrivacy: consent(analytics) }); },
    runTimers() { for (const t of timers.splice(0)) t(); },
    timer: (fn) => { timers.push(fn); },
  };
}
