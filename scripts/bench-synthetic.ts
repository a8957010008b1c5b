// Benchmark: a seeded synthetic shop (tools/synthetic-shop.ts), default 1M customers / ~5M orders,
// generated on the fly and analysed (summaries, calibration with both fits, segmentation of every
// customer). Targets: ≤ 60 s wall and ≤ 3 GB peak RSS. Each run is a fresh process so peak RSS
// is per run.
//   node scripts/bench-synthetic.ts [--customers 1000000] [--runs 3] [--seed 1]
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyzeShop, defaultShopSettings } from '../src/segments/index.ts';
import { syntheticShop } from '../tools/synthetic-shop.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, seed: { type: 'string', default: '1' }, child: { type: 'boolean', default: false } } });
const customers = Number(values.customers);
const asOf = Date.UTC(2026, 10, 20, 23, 59, 59, 999);

if (values.child) {
  const t0 = performance.now();
  let orders = 0;
  const shop = syntheticShop({ customers, seed: Number(values.seed), asOf });
  const counted = {
    *[Symbol.iterator]() {
      for (const c of shop) {
        orders += c.orders.length;
        yield c;
      }
    },
  };
  const { calibration, counts } = analyzeShop(counted, defaultShopSettings, asOf);
  const wallMs = performance.now() - t0;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const cpu = process.cpuUsage();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const bg = calibration.models.bgnbd;
  console.log(JSON.stringify({ customers: calibration.customers, buyers: calibration.buyers, orders, countedOrders: calibration.orders, wallMs, cpuMs, load: loadavg()[0], peakRssMb, method: calibration.models.method, bgnbd: bg && { r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b, n: bg.n, converged: bg.converged }, gammaGamma: calibration.models.gammaGamma && { p: calibration.models.gammaGamma.p, q: calibration.models.gammaGamma.q, gamma: calibration.models.gammaGamma.gamma, n: calibration.models.gammaGamma.n }, loyalty: counts.loyalty }));
} else {
  const results = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--customers', String(customers), '--seed', String(values.seed)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`run failed: ${r.stderr}`);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
    results.push(res);
    console.log(`run ${i + 1}: ${(res.wallMs / 1000).toFixed(1)} s wall, ${(res.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${Math.round(res.peakRssMb)} MB, load average ${res.load.toFixed(1)} on ${availableParallelism()} cores`);
  }
  const walls = results.map((r) => r.wallMs).sort((a, b) => a - b);
  const rss = results.map((r) => r.peakRssMb).sort((a, b) => a - b);
  const last = results[results.length - 1];
  console.log(`synthetic shop: ${last.customers.toLocaleString('en-US')} customers, ${last.orders.toLocaleString('en-US')} orders (${last.countedOrders.toLocaleString('en-US')} counted), method ${last.method}`);
  console.log(`BG/NBD (weeks) fitted on ${last.bgnbd?.n} customers: ${JSON.stringify(last.bgnbd)}; Gamma-Gamma: ${JSON.stringify(last.gammaGamma)}`);
  console.log(`wall: best ${(walls[0] / 1000).toFixed(1)} s, median ${(walls[Math.floor(walls.length / 2)] / 1000).toFixed(1)} s; peak RSS: max ${Math.round(rss[rss.length - 1])} MB`);
  console.log(`targets: ≤ 60 s — ${walls[0] <= 60_000 ? 'met' : 'NOT met'}; ≤ 3072 MB — ${rss[rss.length - 1] <= 3072 ? 'met' : 'NOT met'}`);
}
