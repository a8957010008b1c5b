// Live customer names in real headless Chromium (Debian's `chromium`, playwright-core) against the app
// in demo mode: off by default (ids and the "no names kept" note; Shopify not asked), switched on in
// Settings → Customer names, then the segment browser shows the names of the rows on screen and the
// customer page its customer's name; a shop whose app is not approved for the Name field sees ids with
// the translated note. The names never reach the page's storage or URL. Shopify is the pipeline tests'
// recording fake here (test/web/customer-names.int.test.ts drives the real read against the simulator).
// Skips (saying why) where /usr/bin/chromium is missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { SHOP_A, startDashboardFixture, type DashboardFixture } from './fixture.ts';
import { CHROMIUM } from '../../tools/local-services/browser.ts';
import { CATALOGUES } from './explain-as.ts';
import type { CustomerNames } from '../../src/shopify/customer-names.ts';

const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const DIST = repo('test-artifacts/live-names-dist');
const noBrowser = existsSync(CHROMIUM) ? false : `needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium)`;
const SEGMENT = '/app/segment/loyalty/one-time-buyer';
const nameOf = (id: string) => `Quirina ${id.slice(-3)}`;

describe('live customer names in headless Chromium', { skip: noBrowser }, () => {
  let f: DashboardFixture;
  let browser: Browser;
  let page: Page;
  const asked: string[][] = [];
  let answer: (ids: readonly string[]) => CustomerNames = (ids) => ({ status: 'ok', names: Object.fromEntries(ids.map((id) => [id, nameOf(id)])) });
  const errors: string[] = [];

  before(async () => {
    const nodeEnv = process.env.NODE_ENV;
    try {
      await build({ configFile: repo('web/dashboard/vite.config.ts'), build: { outDir: DIST, emptyOutDir: true }, logLevel: 'error' });
    } finally {
      process.env.NODE_ENV = nodeEnv; // the build switches it to production
    }
    f = await startDashboardFixture(import.meta.url, { demo: true, customersA: 40, distDir: DIST });
    // The port the endpoint calls (web/ports.ts binds this very object).
    f.shopify.customerNames = async (_shop: string, ids: readonly string[]) => {
      asked.push([...ids]);
      return answer(ids);
    };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'] });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
  });

  after(async () => {
    await browser?.close();
    await f?.close();
  });

  const note = async (status: string): Promise<string> => {
    const el = page.locator(`[data-testid=live-names-note][data-status="${status}"]`);
    await el.waitFor();
    return ((await el.textContent()) ?? '').trim();
  };
  const firstColumn = async () => (await page.locator('[data-testid=segment-rows] tbody tr > :first-child').allTextContents()).map((x) => x.trim());

  it('off by default: ids, the note that no names are kept, Shopify not asked', async () => {
    await page.goto(`${f.url}${SEGMENT}`);
    await page.getByTestId('segment-rows').waitFor();
    assert.equal(await note('off'), CATALOGUES.en.browser.noNames);
    assert.equal(await page.getByTestId('live-name').count(), 0);
    for (const cell of await firstColumn()) assert.match(cell, /^\d+$/);
    assert.deepEqual(asked, []);
  });

  it('switched on in Settings → Customer names, saved at once', async () => {
    await page.goto(`${f.url}/app/settings`);
    const box = page.getByLabel(CATALOGUES.en.names.toggle);
    await box.waitFor();
    assert.equal(await box.isChecked(), false);
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/customer-names/setting') && r.request().method() === 'PUT');
    await box.check();
    assert.equal((await saved).status(), 200);
    const doc = await f.deps.stores.shops.get(SHOP_A);
    assert.equal(doc?.liveCustomerNames, true);
  });

  it('the segment browser shows the names of the rows on screen only; the customer page its customer\'s', async () => {
    await page.goto(`${f.url}${SEGMENT}`);
    await page.getByTestId('segment-rows').waitFor();
    assert.equal(await note('ok'), CATALOGUES.en.names.shown);
    const rows = await page.locator('[data-testid=segment-rows] tbody tr').count();
    const shown = (await page.getByTestId('live-name').allTextContents()).map((x) => x.trim());
    assert.equal(shown.length, rows);
    const ids = asked.at(-1)!;
    assert.equal(ids.length, rows, 'asked for exactly the visible page');
    assert.deepEqual(shown, ids.map(nameOf));
    await page.goto(`${f.url}/app/customers/${ids[0]}`);
    assert.equal(((await page.getByTestId('live-name').textContent()) ?? '').trim(), nameOf(ids[0]!));
    assert.deepEqual(asked.at(-1), [ids[0]]);
    // Nothing of them in the page's storage or address.
    const kept = await page.evaluate(() => {
      const w = globalThis as unknown as { localStorage: Record<string, string>; sessionStorage: Record<string, string>; location: { href: string } };
      return JSON.stringify({ l: { ...w.localStorage }, s: { ...w.sessionStorage }, u: w.location.href });
    });
    assert.ok(!kept.includes('Quirina'), kept);
  });

  it('not approved for the Name field: ids, and the note in the admin\'s language', async () => {
    answer = () => ({ status: 'not-approved' });
    await page.goto(`${f.url}${SEGMENT}?locale=de`);
    await page.getByTestId('segment-rows').waitFor();
    assert.equal(await note('not-approved'), CATALOGUES.de.names.notApproved);
    assert.equal(await page.getByTestId('live-name').count(), 0);
    for (const cell of await firstColumn()) assert.match(cell, /^\d+$/);
    answer = () => { throw new Error('Shopify down'); };
    await page.goto(`${f.url}${SEGMENT}?locale=fr`);
    assert.equal(await note('unavailable'), CATALOGUES.fr.names.unavailable);
    assert.deepEqual(errors, []);
  });
});
