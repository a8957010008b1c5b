// Benchmark of the simulator itself: seeding, a bulk query of N customers with orders and line items
// (time, lines, file size, peak RSS) and paced GraphQL page reads.
//   node tools/shopify-simulator/bench.ts [--customers 10000] [--cdnow]
import { parseArgs } from 'node:util';
import { CDNOW_MASTER } from '../cdnow-data.ts';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { startShopifySimulator } from './index.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '10000' }, cdnow: { type: 'boolean', default: false } } });
const N = Number(values.customers);
const shop = 'bench.myshopify.com';
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 20);

const sim = await startShopifySimulator({ seed: 1 });
sim.createShop({ domain: shop, plan: 'plus', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'] });
const { accessToken } = sim.installApp({ shop, apiKey: 'bench', apiSecret: 'bench' });
let t = performance.now();
const seeded = values.cdnow
  ? await sim.seedFromCdnow(shop, CDNOW_MASTER, { asOf: Date.now() })
  : sim.seedSynthetic(shop, { customers: N, seed: 1 });
const seedMs = performance.now() - t;
const rssAfterSeed = process.memoryUsage().rss;

const gql = async (query: string, variables: Record<string, unknown> = {}): Promise<{ data?: Record<string, unknown> }> => {
  const res = await fetch(sim.graphqlUrl(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-access-token': accessToken }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data: Record<string, unknown> };
};

t = performance.now();
const run = await gql('mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { message } } }', {
  q: '{ customers { edges { node { id tags updatedAt amountSpent { amount currencyCode } orders { edges { node { id createdAt cancelledAt test currentTotalPriceSet { shopMoney { amount currencyCode } } lineItems { edges { node { quantity sku product { id } } } } } } } } } } }',
});
const id = (run.data!.bulkOperationRunQuery as { bulkOperation: { id: string } }).bulkOperation.id;
const op = await sim.waitForBulkOperation(shop, id);
const bulkMs = performance.now() - t;
t = performance.now();
let lines = 0;
for await (const _ of createInterface({ input: Readable.fromWeb((await fetch(op.url!)).body as never) })) lines++;
const downloadMs = performance.now() - t;

t = performance.now();
let after: string | null = null;
let pages = 0;
let throttledPages = 0;
for (;;) {
  const r = await gql('query($after: String) { customers(first: 250, after: $after) { nodes { id tags } pageInfo { hasNextPage endCursor } } }', { after });
  if (!r.data) {
    throttledPages++; // THROTTLED: wait for the bucket like a paced client would
    await new Promise((res) => setTimeout(res, 300));
    continue;
  }
  const conn = r.data.customers as { pageInfo: { hasNextPage: boolean; endCursor: string } };
  pages++;
  if (!conn.pageInfo.hasNextPage) break;
  after = conn.pageInfo.endCursor;
}
const pagesMs = performance.now() - t;
clearInterval(sampler);
await sim.close();

const mb = (b: number): number => Math.round(b / 1024 / 1024);
console.log(JSON.stringify({
  seeded, seedMs: Math.round(seedMs), rssAfterSeedMb: mb(rssAfterSeed),
  bulkQuery: { lines, objectCount: op.objectCount, fileSizeMb: +((op.fileSize ?? 0) / 1024 / 1024).toFixed(1), runMs: Math.round(bulkMs), downloadAndParseMs: Math.round(downloadMs) },
  pagedRead: { pages, throttledPages, ms: Math.round(pagesMs) },
  peakRssMb: mb(peak),
}, null, 2));
