// The @shopify/shopify-api instance, built once from Config by the composition root. Used for token
// exchange and session-token verification; Admin API calls go through AdminGraphqlClient.
import '@shopify/shopify-api/adapters/node';
import { LogSeverity, shopifyApi, type ApiVersion, type Shopify } from '@shopify/shopify-api';
import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createAdminFetch, type FetchFn } from './admin-fetch.ts';

export type ShopifyConfig = Pick<Config, 'SHOPIFY_API_KEY' | 'SHOPIFY_API_SECRET' | 'SHOPIFY_APP_URL' | 'SHOPIFY_API_VERSION' | 'NODE_ENV'> &
  Partial<Pick<Config, 'SHOPIFY_API_ORIGIN'>>;

export interface ShopifyContext {
  shopify: Shopify;
  /** The fetch for Shopify calls (rewritten to the simulator when SHOPIFY_API_ORIGIN is set). */
  fetch: FetchFn;
  apiVersion: string;
}

export function createShopifyApi(config: ShopifyConfig, logger: Logger): ShopifyContext {
  const appUrl = new URL(config.SHOPIFY_APP_URL);
  const fetchFn = createAdminFetch(config.SHOPIFY_API_ORIGIN);
  if (config.SHOPIFY_API_ORIGIN) {
    // loadConfig refuses SHOPIFY_API_ORIGIN in production; this guard keeps it so if called directly.
    if (config.NODE_ENV === 'production') throw new Error('SHOPIFY_API_ORIGIN is for the local simulator only');
    // The library's fetch is process-wide; only the simulator setup changes it.
    setAbstractFetchFunc((input, init) => fetchFn(typeof input === 'string' ? input : input instanceof URL ? input : input.url, init));
    logger.warn({ origin: config.SHOPIFY_API_ORIGIN }, 'Shopify calls go to the local simulator (SHOPIFY_API_ORIGIN)');
  }
  const shopify = shopifyApi({
    apiKey: config.SHOPIFY_API_KEY,
    apiSecretKey: config.SHOPIFY_API_SECRET,
    apiVersion: config.SHOPIFY_API_VERSION as ApiVersion,
    // No scopes: with Shopify-managed installation the scopes in shopify.app.toml are what Shopify
    // grants, and the library needs none ("Not required if using Shopify managed installation",
    // @shopify/shopify-api ConfigParams.scopes). The granted ones are read from currentAppInstallation.
    hostName: appUrl.host,
    hostScheme: appUrl.protocol === 'http:' ? 'http' : 'https',
    isEmbeddedApp: true,
    logger: {
      level: LogSeverity.Warning,
      httpRequests: false,
      timestamps: false,
      log: async (severity, message) => {
        if (severity === LogSeverity.Error) logger.error({ lib: 'shopify-api' }, message);
        else logger.warn({ lib: 'shopify-api' }, message);
      },
    },
  });
  return { shopify, fetch: fetchFn, apiVersion: config.SHOPIFY_API_VERSION };
}
