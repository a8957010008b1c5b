// Serves the built dashboard (web/dashboard/dist, `npm run dashboard:build`) under /app. App pages
// carry a CSP whose frame-ancestors allow only the shop's admin and admin.shopify.com (Shopify's
// requirement for embedded apps). App Bridge's script comes from Shopify's CDN and is added only
// when the page runs embedded in the real admin; demo mode runs without it.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import { SHOP_DOMAIN } from '../../src/shopify/shop-domain.ts';

export const DASHBOARD_DIST = fileURLToPath(new URL('../dashboard/dist/', import.meta.url));
const APP_BRIDGE = 'https://cdn.shopify.com/shopifycloud/app-bridge.js';

export interface DashboardPagesOptions {
  apiKey: string;
  demoMode: boolean;
  distDir?: string;
}

export function contentSecurityPolicy(shop: string | null, withAppBridge: boolean): string {
  const ancestors = ['https://admin.shopify.com', ...(shop ? [`https://${shop}`] : [])];
  const cdn = withAppBridge ? ' https://cdn.shopify.com' : '';
  return [
    `frame-ancestors ${ancestors.join(' ')}`,
    "default-src 'self'",
    `script-src 'self'${cdn}`,
    // Polaris sets style attributes at run time.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data:${cdn}`,
    `connect-src 'self'${withAppBridge ? ' https://*.shopify.com' : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

/** The shop named by Shopify's query parameters, if it is a well-formed shop domain. */
export function shopFromQuery(req: Request): string | null {
  const shop = typeof req.query.shop === 'string' ? req.query.shop.toLowerCase() : null;
  return shop && SHOP_DOMAIN.test(shop) ? shop : null;
}

export function createDashboardPages(opts: DashboardPagesOptions): Router {
  const dist = opts.distDir ?? DASHBOARD_DIST;
  const router = express.Router();
  router.use('/assets', express.static(`${dist}/assets`, { immutable: true, maxAge: '365d', index: false, fallthrough: false }));

  let template: string | null = null;
  const page = (req: Request, res: Response) => {
    const indexFile = `${dist}/index.html`;
    if (template === null && existsSync(indexFile)) template = readFileSync(indexFile, 'utf8');
    if (template === null) {
      res.status(503).type('text/plain').send('The dashboard is not built: run `npm run dashboard:build`.');
      return;
    }
    const shop = shopFromQuery(req);
    // Inside the admin Shopify opens the app with ?embedded=1&host=…; only then is App Bridge loaded.
    const withAppBridge = !opts.demoMode && (req.query.embedded === '1' || typeof req.query.host === 'string');
    const head = withAppBridge ? `<meta name="shopify-api-key" content="${opts.apiKey.replace(/[^A-Za-z0-9_-]/g, '')}" />\n    <script src="${APP_BRIDGE}"></script>\n    ` : '';
    res.set('Content-Security-Policy', contentSecurityPolicy(shop, withAppBridge));
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'strict-origin-when-cross-origin');
    res.set('Cache-Control', 'no-store');
    res.type('html').send(template.replace('<head>', `<head>\n    ${head}`));
  };
  router.get('/', page);
  router.get('/{*page}', page);
  return router;
}
