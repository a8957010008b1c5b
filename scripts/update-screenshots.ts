// `npm run docs:screenshots`: copies the screenshots the browser tests took (test-artifacts/, ignored by
// git) into docs/screenshots/ — on purpose only, so a test run never leaves the tree dirty.
// Run the browser tests first: npm run test:int -- dashboard offline-report
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The dashboard's pages, the Overview, a segment and a customer in each of the five languages
// (overview-de.png, customer-fr.png, …), and the offline HTML report of `segments analyze --report`.
const sources = ['dashboard', 'dashboard-i18n', 'offline-report'].map((d) => fileURLToPath(new URL(`../test-artifacts/${d}/`, import.meta.url))).filter((d) => existsSync(d));
const to = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
if (sources.length === 0) {
  console.error('no screenshots yet: run the browser tests first (npm run test:int -- dashboard offline-report)');
  process.exit(1);
}
mkdirSync(to, { recursive: true });
const copied: string[] = [];
for (const from of sources) {
  for (const f of readdirSync(from).filter((name) => name.endsWith('.png')).sort()) {
    copyFileSync(from + f, to + f);
    copied.push(f);
  }
}
console.log(`copied ${copied.length} screenshots into docs/screenshots/: ${copied.join(', ')}`);
