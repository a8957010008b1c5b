// Runs the test suites with Node's own test runner.
//   node scripts/run-tests.ts unit|int|all [--coverage] [filter…]
// unit = *.test.ts (pure, no services); int = *.int.test.ts (real Redis and MongoDB-compatible server).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOTS = ['test', 'src', 'webhooks', 'jobs', 'web', 'tools'];
const SKIP = new Set(['node_modules', 'dist', '.services', '.tools', 'coverage']);

function walk(dir: string, out: string[]): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (SKIP.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(process.cwd(), p));
  }
}

const [kind = 'all', ...rest] = process.argv.slice(2);
const coverage = rest.includes('--coverage');
const filters = rest.filter((a) => !a.startsWith('--'));
if (!['unit', 'int', 'all'].includes(kind)) {
  console.error('usage: node scripts/run-tests.ts unit|int|all [--coverage] [filter…]');
  process.exit(2);
}

const files: string[] = [];
for (const r of ROOTS) walk(r, files);
files.sort();
const selected = files.filter((f) => {
  const isInt = f.endsWith('.int.test.ts');
  if (kind === 'unit' && isInt) return false;
  if (kind === 'int' && !isInt) return false;
  return filters.length === 0 || filters.some((x) => f.includes(x));
});
if (selected.length === 0) {
  console.error(`no ${kind} test files matched`);
  process.exit(1);
}

const args = [
  '--test',
  // Integration files wait on I/O far more than CPU: run a few at once even on 2 cores.
  `--test-concurrency=${kind === 'unit' ? 2 : 4}`,
  '--test-timeout=300000',
  // A file whose tests all finished but which leaves a handle open (a reconnecting client after a
  // server restart) must not hold the run forever.
  '--test-force-exit',
  '--disable-warning=ExperimentalWarning',
];
if (coverage) {
  args.push(
    '--experimental-test-coverage',
    '--test-coverage-exclude=test/**',
    '--test-coverage-exclude=**/*.test.ts',
    '--test-coverage-exclude=node_modules/**',
  );
}
const res = spawnSync(process.execPath, [...args, ...selected], {
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(res.status ?? 1);
