// CLI: runs the Shopify simulator for manual use and the demo.
//   node tools/shopify-simulator/main.ts --port 4010 --seed cdnow|synthetic|bgnbd|none [--customers 2000]
//     [--shop demo.myshopify.com] [--plan standard] [--api-key K --api-secret S] [--webhook-address URL]
//     [--scopes read_customers,write_customers,read_orders,read_all_orders] [--as-of 2026-11-01]
import { parseArgs } from 'node:util';
import { startShopifySimulator } from './index.ts';
import type { Plan } from './index.ts';
import { CDNOW_MASTER } from '../cdnow-data.ts';

const CDNOW_FILE = CDNOW_MASTER;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    seed: { type: 'string', default: 'synthetic' },
    customers: { type: 'string', default: '2000' },
    shop: { type: 'string', default: 'demo.myshopify.com' },
    plan: { type: 'string', default: 'standard' },
    'api-key': { type: 'string', default: 'demo-api-key' },
    'api-secret': { type: 'string', default: 'demo-api-secret' },
    'webhook-address': { type: 'string' },
    scopes: { type: 'string', default: 'read_customers,write_customers,read_orders,read_all_orders' },
    'as-of': { type: 'string' },
    'cdnow-file': { type: 'string', default: CDNOW_FILE },
  },
});

const sim = await startShopifySimulator({ port: Number(values.port), seed: 1 });
const shop = values.shop;
sim.createShop({ domain: shop, plan: values.plan as Plan, scopes: values.scopes.split(','), timezone: 'America/New_York' });
const asOf = values['as-of'] ? Date.parse(values['as-of']) : Date.now();
let seeded = { customers: 0, orders: 0 };
if (values.seed === 'cdnow') seeded = await sim.seedFromCdnow(shop, values['cdnow-file'], { asOf, limit: Number(values.customers) || undefined });
else if (values.seed === 'synthetic' || values.seed === 'bgnbd') {
  seeded = sim.seedSynthetic(shop, { customers: Number(values.customers), seed: 1, asOf, model: values.seed === 'bgnbd' ? 'bgnbd' : 'simple' });
}
const { accessToken, scope } = sim.installApp({ shop, apiKey: values['api-key'], apiSecret: values['api-secret'], webhookAddress: values['webhook-address'] ?? null });

console.log(JSON.stringify({
  simulator: 'shopify-simulator (test double, not Shopify)', url: sim.url, graphql: sim.graphqlUrl(), shop, accessToken, scope,
  apiKey: values['api-key'], seeded,
}, null, 2));

const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
