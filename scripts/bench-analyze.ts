// Benchmark: `segments analyze` on the CDNOW master log (23,570 customers, 69,659 purchases), both
// model fits included. Target ≤ 1.5 s wall. Reports every run, best and median, in-process (read +
// analyse) and as the whole CLI process (including Node start-up).
//   node scripts/bench-analyze.ts [--runs 5] [--file data/cdnow/CDNOW_master.txt]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { importCdnow } from '../src/importers/cdnow.ts';
import { analyzeShop, defaultShopSettings } from '../src/segments/index.ts';
import { CDNOW_MASTER } from '../tools/cdnow-data.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, file: { type: 'string', default: CDNOW_MASTER } } });
const runs = Number(values.runs);
const file = values.file;

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `best ${s[0]!.toFixed(0)} ms, median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`;
};

const inProcess: number[] = [];
const inProcessCpu: number[] = [];
let summary = '';
const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const c0 = cpuMs();
  const imported = await importCdnow(file);
  const asOf = imported.lastOrderAt! + 86_400_000 - 1;
  const { calibration, counts } = analyzeShop(imported.customers, defaultShopSettings, asOf);
  inProcess.push(performance.now() - t0);
  inProcessCpu.push(cpuMs() - c0);
  const bg = calibration.models.bgnbd!;
  summary = `${calibration.buyers} buyers, ${calibration.orders} orders; BG/NBD r=${bg.r.toFixed(3)} alpha=${bg.alpha.toFixed(3)} a=${bg.a.toFixed(3)} b=${bg.b.toFixed(3)} converged=${bg.converged}; Gamma-Gamma p=${calibration.models.gammaGamma?.p.toFixed(2)}; segments: ${Object.keys(counts.rfm).length} RFM segments used`;
}

// The CLI as a store owner runs it (`npx segments` → bin/segments.js, which adds its start-up
// flags), in a fresh process each time. Wall time on a shared machine mostly measures the other
// processes, so the children's CPU time (user + system, from /proc on Linux) is reported too.
const childCpuMs = (): number => {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, in 1/100 s
  } catch {
    return Number.NaN;
  }
};
const cliRuns: number[] = [];
const cliCpu: number[] = [];
for (let i = 0; i < runs; i++) {
  const c0 = childCpuMs();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [`${root}bin/segments.js`, 'analyze', file, '--format', 'cdnow', '--json'], { encoding: 'utf8' });
  cliRuns.push(performance.now() - t0);
  cliCpu.push(childCpuMs() - c0);
  if (r.status !== 0) throw new Error(`CLI failed: ${r.stderr}`);
}

console.log(`CDNOW master analyze (${file})`);
console.log(summary);
console.log(`machine load average (1 min) at the end: ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
console.log(`in-process read + analyse, wall: ${stats(inProcess)}`);
console.log(`in-process read + analyse, CPU:  ${stats(inProcessCpu)}`);
console.log(`CLI (bin/segments.js, Node start-up included), wall: ${stats(cliRuns)}`);
console.log(`CLI (bin/segments.js, Node start-up included), CPU:  ${stats(cliCpu)}`);
console.log(`target: ≤ 1500 ms wall — ${Math.min(...cliRuns) <= 1500 ? 'met' : 'NOT met'} (best CLI run)`);
