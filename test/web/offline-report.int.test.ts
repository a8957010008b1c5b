// `segments analyze … --report` in real headless Chromium (Debian's `chromium`, driven by
// playwright-core): the page opens from a file with no network, every section and chart is there and
// its numbers match `--json`; a screenshot goes to test-artifacts/offline-report/ (ignored by git).
// Skips (saying why) where /usr/bin/chromium is missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CDNOW_SAMPLE } from '../../tools/cdnow-data.ts';

import { CHROMIUM } from '../../tools/local-services/browser.ts';
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const ARTIFACTS = repo('test-artifacts/offline-report');
const noBrowser = existsSync(CHROMIUM) ? false : `needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium)`;

function analyze(...args: string[]) {
  const r = spawnSync(process.execPath, [repo('src/cli/segments.ts'), 'analyze', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('offline HTML report in headless Chromium', { skip: noBrowser }, () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'offline-report-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
    page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows every section of a CDNOW analysis, with the numbers of --json, offline', async () => {
    const file = join(dir, 'cdnow.html');
    const args = [CDNOW_SAMPLE, '--format', 'cdnow', '--as-of', '1997-09-30'];
    const profilesFile = join(dir, 'profiles.jsonl');
    const json = JSON.parse(analyze(...args, '--json', '--report', file, '--profiles', profilesFile));
    const expectedRf = new Map<string, number>();
    for (const line of readFileSync(profilesFile, 'utf8').trim().split('\n')) {
      const rfm = (JSON.parse(line) as { metrics: { rfm: { r: number; f: number } | null } }).metrics.rfm;
      if (rfm) expectedRf.set(`${rfm.r}/${rfm.f}`, (expectedRf.get(`${rfm.r}/${rfm.f}`) ?? 0) + 1);
    }
    await page.goto(pathToFileURL(file).href);
    for (const id of ['summary', 'family-loyalty', 'rfm', 'rfm-heatmap', 'family-churn', 'family-value', 'family-replenishment', 'family-behaviour', 'replenishment', 'thresholds', 'models']) {
      assert.ok(await page.getByTestId(id).isVisible(), `section ${id}`);
    }
    // Loyalty bars carry the counts of --json, and every buyer is in one group.
    for (const [segment, n] of Object.entries(json.segments.loyalty as Record<string, number>)) {
      assert.equal(await page.locator(`[data-testid="family-loyalty"] [data-segment="${segment}"]`).getAttribute('data-count'), String(n), segment);
    }
    // The heatmap has 25 cells; every buyer with RFM scores is in exactly one.
    const cells = await page.locator('[data-testid="rfm-heatmap"] [data-r]').evaluateAll((gs) => gs.map((g) => [`${g.getAttribute('data-r')}/${g.getAttribute('data-f')}`, Number(g.getAttribute('data-count'))] as const));
    assert.equal(cells.length, 25);
    for (const [cell, n] of cells) assert.equal(n, expectedRf.get(cell) ?? 0, `R/F ${cell}`);
    assert.equal(
      cells.reduce((a, [, n]) => a + n, 0),
      json.customers,
    );
    const text = await page.locator('main').innerText();
    assert.match(text, /A VIP has placed \d+ or more orders and spent \$[\d,.]+ or more in total\./);
    assert.match(text, /cdnow-cd\s+\d+ days\s+[\d,]+ customers/);
    assert.match(text, /modelled with (MBG|BG)\/NBD \(chosen for this shop\), fitted on 2,349 buyers in weeks/);
    assert.match(text, /For example: /);
    await page.screenshot({ path: `${ARTIFACTS}/report-cdnow.png`, fullPage: true });
    assert.deepEqual(requests, []);
    assert.deepEqual(consoleErrors, []);
  });

  it('reports a phone-only shop by its identities and never shows a phone number or e-mail', async () => {
    const file = join(dir, 'bd.html');
    analyze(repo('test/fixtures/shopify-orders-mixed-identity.csv'), '--format', 'shopify', '--report', file);
    const html = readFileSync(file, 'utf8');
    assert.ok(!/@|2025550177|7911000456|<script|https?:/.test(html.replace(/<meta http-equiv[^>]*>/, '')));
    await page.goto(pathToFileURL(file).href);
    assert.match(await page.getByTestId('summary').innerText(), /recognised by e-mail: 4 .*by phone number only: 1; orders with neither: 2/);
    assert.match(await page.getByTestId('models').innerText(), /No purchase model yet \(too little data/);
    await page.screenshot({ path: `${ARTIFACTS}/report-mixed.png`, fullPage: true });
    assert.deepEqual(requests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
