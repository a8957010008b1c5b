// `npm run docs:screenshots`: copies the screenshots the browser tests took (test-artifacts/, ignored by
// git) into docs/screenshots/ — on purpose only, so a test run never leaves the tree dirty.
// Run the browser tests first: npm run test:int -- dashboard
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const from = fileURLToPath(new URL('../test-artifacts/dashboard/', import.meta.url));
const to = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
if (!existsSync(from)) {
  console.error('no screenshots yet: run the browser tests first (npm run test:int -- dashboard)');
  process.exit(1);
}
mkdirSync(to, { recursive: true });
const files = readdirSync(from).filter((f) => f.endsWith('.png')).sort();
for (const f of files) copyFileSync(from + f, to + f);
console.log(`copied ${files.length} screenshots into docs/screenshots/: ${files.join(', ')}`);
