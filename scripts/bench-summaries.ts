// Benchmark: the memory a whole-shop pass holds — one summary per customer (summarizeCustomer), all of
// them at once for the calibration — plain and compact (SummaryCompactor: arrays at their exact length,
// product keys shared). The seeded synthetic shop (tools/synthetic-shop.ts), its product ids made into
// Shopify GIDs with a new string per order line, as a database read gives them. Each variant runs in its
// own process: bytes a summary (heap after a full GC, divided by the customers), then the calibration
// with insights (what the worker's recalibration fits) and the process's peak RSS.
//   npm run bench:summaries [-- --customers 1000000] [--seed 1] [--json]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultShopSettings, summarizeCustomer, SummaryCompactor, type CustomerSummary } from '../src/segments/index.ts';
import { syntheticShop } from '../tools/synthetic-shop.ts';
import { calibrateSummariesWithInsights } from '../jobs/engine.ts';
import { byCustomerId } from '../jobs/shop-snapshot.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' }, child: { type: 'string' }, json: { type: 'boolean', default: false } } });
const customers = Number(values.customers);
const asOf = Date.UTC(2026, 10, 20, 23, 59, 59, 999);
const MB = 1024 * 1024;

function child(compactMode: boolean): void {
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const compactor = new SummaryCompactor();
  const summaries: CustomerSummary[] = [];
  for (const c of syntheticShop({ customers, seed: Number(values.seed), asOf })) {
    for (const o of c.orders) {
      for (const li of o.lineItems) if (li.productId !== null) li.productId = JSON.parse(JSON.stringify(`gid://shopify/Product/${li.productId}`)) as string;
    }
    const s = summarizeCustomer(c, defaultShopSettings, asOf);
    summaries.push(compactMode ? compactor.compact(s) : s);
  }
  gc();
  const bytesPerSummary = Math.round((process.memoryUsage().heapUsed - heap0) / customers);
  const rssAfterSummariesMb = Math.round(process.memoryUsage().rss / MB);
  const t0 = performance.now();
  summaries.sort(byCustomerId);
  calibrateSummariesWithInsights(summaries, defaultShopSettings, asOf, undefined);
  const fitS = Math.round((performance.now() - t0) / 100) / 10;
  console.log(JSON.stringify({ variant: compactMode ? 'compact' : 'plain', bytesPerSummary, summariesMb: Math.round((bytesPerSummary * customers) / MB), rssAfterSummariesMb, fitS, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
}

if (values.child) {
  child(values.child === 'compact');
} else {
  const results = ['plain', 'compact'].map((variant) => {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', variant, '--customers', String(customers), '--seed', String(values.seed)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${variant} run failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number | string>;
  });
  if (values.json) console.log(JSON.stringify({ customers, results }, null, 2));
  else {
    console.log(`${customers} customers:`);
    for (const r of results) console.log(`  ${r.variant}: ${r.bytesPerSummary} B a summary (${r.summariesMb} MB), RSS ${r.rssAfterSummariesMb} MB after summarising, fit ${r.fitS} s, peak RSS ${r.peakRssMb} MB`);
  }
}
