// The segment pixel's logic, kept free of globals so tests drive it with a fake API.
// Subscribes to page_viewed, product_viewed, product_added_to_cart and checkout_started
// (https://shopify.dev/docs/api/web-pixels-api/standard-events) and sends, in small batches, only:
// the event name, its time, the logged-in customer's id (init.data.customer.id) or else the pixel's
// client id, and product ids. No URL, page title, e-mail, address, price or user agent.
// Consent: init.customerPrivacy gives the visitor's consent at page render and customerPrivacy's
// visitorConsentCollected event its changes (https://shopify.dev/docs/api/web-pixels-api/standard-api/customerprivacy);
// without analyticsProcessingAllowed nothing is queued, and anything queued is discarded when consent
// is withdrawn.
import type { ExtensionApi } from '@shopify/web-pixels-extension';

export const PIXEL_EVENTS = ['page_viewed', 'product_viewed', 'product_added_to_cart', 'checkout_started'] as const;
export type PixelEventName = (typeof PIXEL_EVENTS)[number];

export interface PixelEventOut {
  /** Event name. */
  e: PixelEventName;
  /** ISO time of the event (the event's own timestamp). */
  t: string;
  /** Product ids (numeric strings), at most 20. */
  p?: string[];
}

export interface PixelBatch {
  v: 1;
  shopKey: string;
  shop: string;
  /** Logged-in customer's id, or null. */
  customerId: string | null;
  clientId: string;
  events: PixelEventOut[];
}

export const BATCH_MAX = 20;
export const FLUSH_MS = 5_000;

type Send = (url: string, body: string) => void;
type Timer = (fn: () => void, ms: number) => unknown;

/** Numeric id from "123" or "gid://shopify/Product/123"; null otherwise. */
export function numericId(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const m = /(\d{1,20})$/.exec(String(value));
  return m ? m[1]! : null;
}

interface LooseEvent {
  name?: string;
  clientId?: string;
  timestamp?: string;
  data?: {
    productVariant?: { product?: { id?: unknown } | null } | null;
    cartLine?: { merchandise?: { product?: { id?: unknown } | null } | null } | null;
    checkout?: { lineItems?: Array<{ variant?: { product?: { id?: unknown } | null } | null } | null> | null } | null;
  };
}

function productsOf(ev: LooseEvent): string[] {
  const d = ev.data ?? {};
  const ids = [
    d.productVariant?.product?.id,
    d.cartLine?.merchandise?.product?.id,
    ...(d.checkout?.lineItems ?? []).map((l) => l?.variant?.product?.id),
  ].map(numericId).filter((x): x is string => x !== null);
  return [...new Set(ids)].slice(0, 20);
}

export function startPixel(api: Pick<ExtensionApi, 'analytics' | 'init' | 'settings' | 'customerPrivacy'>, send: Send, timer: Timer): void {
  const settings = api.settings as { shopKey?: string; endpoint?: string };
  if (!settings.shopKey || !settings.endpoint) return;
  let allowed = api.init.customerPrivacy?.analyticsProcessingAllowed === true;
  const customerId = numericId(api.init.data?.customer?.id ?? null);
  const shop = api.init.data?.shop?.myshopifyDomain ?? '';
  let queue: PixelEventOut[] = [];
  let clientId = '';
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    if (!allowed || queue.length === 0 || !clientId) { queue = []; return; }
    const batch: PixelBatch = { v: 1, shopKey: settings.shopKey!, shop, customerId, clientId, events: queue };
    queue = [];
    send(settings.endpoint!, JSON.stringify(batch));
  };

  api.customerPrivacy.subscribe('visitorConsentCollected', (ev) => {
    allowed = ev.customerPrivacy.analyticsProcessingAllowed === true;
    if (!allowed) queue = [];
  });

  for (const name of PIXEL_EVENTS) {
    api.analytics.subscribe(name, (raw) => {
      if (!allowed) return;
      const ev = raw as LooseEvent;
      if (typeof ev.clientId === 'string') clientId = ev.clientId;
      const p = productsOf(ev);
      queue.push({ e: name, t: ev.timestamp ?? new Date().toISOString(), ...(p.length ? { p } : {}) });
      // A checkout start or a full batch goes at once; the rest within FLUSH_MS.
      if (queue.length >= BATCH_MAX || name === 'checkout_started') flush();
      else if (!scheduled) { scheduled = true; timer(flush, FLUSH_MS); }
    });
  }
}
