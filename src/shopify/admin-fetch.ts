// The fetch the app uses for Shopify. In production it is the global fetch. With SHOPIFY_API_ORIGIN
// (local simulator only; loadConfig refuses it in production) requests to https://{shop}.myshopify.com
// are rewritten to {origin}/shops/{shop}/…, the simulator's per-shop mount. Other URLs (staged upload
// targets, bulk result files) are left alone: Shopify hands out absolute URLs for those.
import { SHOP_DOMAIN } from './shop-domain.ts';

export type FetchFn = (input: string | URL, init?: RequestInit) => Promise<Response>;

export function rewriteToOrigin(url: string, origin: string): string {
  const u = new URL(url);
  if (u.protocol !== 'https:' || !SHOP_DOMAIN.test(u.hostname)) return url;
  const base = origin.replace(/\/+$/, '');
  return `${base}/shops/${u.hostname.toLowerCase()}${u.pathname}${u.search}`;
}

export function createAdminFetch(apiOrigin: string | undefined, base: FetchFn = (i, init) => fetch(i, init)): FetchFn {
  if (!apiOrigin) return base;
  return (input, init) => base(rewriteToOrigin(typeof input === 'string' ? input : input.toString(), apiOrigin), init);
}
