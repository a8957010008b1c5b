// Entry point Shopify CLI bundles for the storefront: registers the pixel (src/pixel.ts).
// API: https://shopify.dev/docs/api/web-pixels-api (register, analytics.subscribe, init, customerPrivacy).
import { register } from '@shopify/web-pixels-extension';
import { startPixel } from './pixel.ts';

register((api) => {
  startPixel(api, (url, body) => {
    // keepalive: a page_viewed sent while the visitor navigates away still arrives.
    void fetch(url, { method: 'POST', body, keepalive: true, headers: { 'content-type': 'text/plain' } }).catch(() => undefined);
  }, (fn, ms) => setTimeout(fn, ms));
});
