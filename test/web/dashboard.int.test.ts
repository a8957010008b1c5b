// The dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core) against a
// running app in demo mode: the charts and numbers match the admin API, Resync drives the progress bar
// to 100 %, the CSV downloads; screenshots of every page go to test-artifacts/dashboard/ (ignored by
// git; `npm run docs:screenshots` copies them into docs/screenshots/ on purpose). Skips (saying why) where /usr/bin/chromium is missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { SHOP_A, startDashboardFixture, type DashboardFixture } from './fixture.ts';
import type { RunningWorkers } from '../../jobs/worker.ts';
import type { NormalizedOrder } from '../../src/segments/types.ts';
import { seededRng } from '../../tools/seeded-random.ts';
import { simulateBgNbdPurchases } from '../../tools/synthetic-shop.ts';
import { AS_OF, DAY, order } from '../jobs/support.ts';
import { ShopifyObjectsStore } from '../../src/profiles/shopify-objects-store.ts';
import { CATALOGUES, explainAs, LANGUAGES, localeOf, type Language } from './explain-as.ts';
import type { ExplanationMsg } from '../../src/segments/explanation.ts';
import { deadLetterReason } from '../../webhooks/types.ts';

import { CHROMIUM } from '../../tools/local-services/browser.ts';
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const ARTIFACTS = repo('test-artifacts/dashboard');
const DIST = repo('test-artifacts/dashboard-dist');
const noBrowser = existsSync(CHROMIUM) ? false : `needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium)`;

/** 80 customers buying as BG/NBD says (so the shop gets a model and a Model check with a backtest). */
function bgnbdShopOrders(): NormalizedOrder[] {
  const rng = seededRng(14);
  const out: NormalizedOrder[] = [];
  for (let c = 1; c <= 80; c++) {
    const first = 1 + Math.floor(rng.next() * 700);
    const id = String(9_000_000 + c);
    for (const t of simulateBgNbdPurchases(rng, { r: 1, alpha: 40, a: 0.7, b: 3 }, first)) out.push(order(id, AS_OF - Math.round(first - t) * DAY, 1000 + Math.floor(rng.next() * 20000)));
  }
  return out;
}

interface OverviewApi {
  customers: number;
  families: Array<{ family: string; segments: Array<{ segment: string; customers: number; revenueShare: number }> }>;
  rfmGrid: { counts: number[][] };
}

describe('dashboard in headless Chromium', { skip: noBrowser }, () => {
  let f: DashboardFixture;
  let browser: Browser;
  let page: Page;
  let workers: RunningWorkers;
  let token: string;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  const api = async <T,>(path: string, init: RequestInit = {}): Promise<T> => {
    // A fresh session token per call (App Bridge does the same): on a loaded machine the run outlasts one token.
    token = await f.token(SHOP_A);
    const res = await fetch(f.url + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const shot = async (name: string) => {
    const file = `${ARTIFACTS}/${name}.png`;
    await page.screenshot({ path: file, fullPage: true });
  };
  const openTab = async (label: string, testId: string) => {
    await page.getByRole('tab', { name: label }).click();
    await page.getByTestId(testId).waitFor();
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Build the current sources (the same config as `npm run dashboard:build`) into a test folder.
    const nodeEnv = process.env.NODE_ENV;
    try {
      await build({ configFile: repo('web/dashboard/vite.config.ts'), build: { outDir: DIST, emptyOutDir: true }, logLevel: 'error' });
    } finally {
      process.env.NODE_ENV = nodeEnv; // the build switches it to production
    }
    f = await startDashboardFixture(import.meta.url, { demo: true, ordersA: bgnbdShopOrders(), settingsA: { models: { minBuyers: 30, minRepeatBuyers: 10 } }, historyDaysAgo: [75, 45, 20], distDir: DIST });
    token = await f.token(SHOP_A);
    // Shopify's bulk backfill stand-in, slowed down so the progress bar is seen moving.
    f.shopify.backfillImpl = async (_shop, onProgress) => {
      for (let i = 1; i <= 6; i++) {
        await new Promise((r) => setTimeout(r, 300));
        await onProgress({ customers: i * 15, orders: i * 40 });
      }
      return { customers: 90, orders: 240, pointsUsed: 0 };
    };
    workers = f.rt.startWorkers({ queues: ['resync-shop'], concurrency: 1 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    // The Settings test provokes one 400 (invalid settings) on purpose.
    page.on('console', (m) => m.type() === 'error' && !/status of 400/.test(m.text()) && consoleErrors.push(`${m.text()} @ ${m.location().url}`));
    page.on('pageerror', (e) => consoleErrors.push(e.stack ?? e.message));
    page.on('request', (r) => !r.url().startsWith(f.url) && !r.url().startsWith('data:') && foreignRequests.push(r.url()));
  });

  after(async () => {
    await browser?.close();
    await workers?.close();
    await f?.close();
  });

  it('opens at the local address in demo mode and shows the Overview with the API\'s numbers', async () => {
    await page.goto(`${f.url}/`);
    assert.match(page.url(), /\/app$/);
    await page.getByTestId('rfm-heatmap').waitFor();
    const o = await api<OverviewApi>('/api/overview');
    assert.equal(await page.getByTestId('total-customers').textContent(), o.customers.toLocaleString('en-US'));
    for (let r = 1; r <= 5; r++) {
      for (let fr = 1; fr <= 5; fr++) {
        const cell = page.locator(`[data-testid=rfm-heatmap] [data-r="${r}"][data-f="${fr}"]`);
        assert.equal(Number(await cell.getAttribute('data-count')), o.rfmGrid.counts[r - 1]![fr - 1], `R${r} F${fr}`);
      }
    }
    for (const fam of o.families.filter((x) => x.segments.some((s) => s.customers > 0))) {
      for (const s of fam.segments) {
        const bar = page.locator(`[data-testid=family-${fam.family}] [data-segment="${s.segment}"]`);
        assert.equal(Number(await bar.getAttribute('data-value')), s.customers, `${fam.family}/${s.segment}`);
      }
    }
    const loyalty = o.families.find((x) => x.family === 'loyalty')!;
    for (const s of loyalty.segments) {
      assert.equal(Number(await page.locator(`[data-testid=revenue-share] [data-segment="${s.segment}"]`).getAttribute('data-share')), s.revenueShare);
    }
    await page.getByTestId('sizes-over-time').waitFor();
    // First run: every family with customers shows one example customer, and the three settings.
    const firstRun = await api<{ families: Array<{ family: string; example: { customerId: string } | null }> }>('/api/first-run');
    const card = (await page.getByTestId('first-run').textContent()) ?? '';
    for (const fam of firstRun.families.filter((x) => x.example)) assert.ok(card.includes(fam.example!.customerId), fam.family);
    assert.ok(card.includes('Tag prefix') && card.includes('Which orders count'));
    await shot('overview');
  });

  it('Segment browser: a bar of the Overview opens the segment; pages, sorts, opens a customer, exports', async () => {
    const o = await api<OverviewApi>('/api/overview');
    const loyalty = o.families.find((x) => x.family === 'loyalty')!;
    const biggest = [...loyalty.segments].sort((a, b) => b.customers - a.customers)[0]!;
    assert.ok(biggest.customers > 25, 'more than one page of 25');
    await page.locator(`[data-testid=family-loyalty] a:has([data-segment="${biggest.segment}"])`).click();
    await page.getByTestId('segment-rows').waitFor();
    assert.match(page.url(), new RegExp(`/app/segment/loyalty/${biggest.segment}$`));
    assert.equal(Number(await page.getByTestId('segment-total').getAttribute('data-total')), biggest.customers);
    type Rows = { rows: Array<{ customerId: string }>; nextCursor: string | null };
    const first = await api<Rows>(`/api/segments/loyalty/${biggest.segment}/customers?sort=spend&dir=desc&limit=25`);
    const idsOnPage = async () => (await page.locator('[data-testid=segment-rows] tbody tr td:first-child, [data-testid=segment-rows] tbody tr th:first-child').allTextContents()).map((x) => x.trim());
    assert.deepEqual(await idsOnPage(), first.rows.map((r) => r.customerId));
    await shot('segment-browser');
    // Page 2 is the API's page after the first cursor; back again gives page 1.
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForSelector('[data-testid=segment-page]:has-text("Page 2")');
    const second = await api<Rows>(`/api/segments/loyalty/${biggest.segment}/customers?sort=spend&dir=desc&limit=25&cursor=${encodeURIComponent(first.nextCursor!)}`);
    for (const until = Date.now() + 10_000; JSON.stringify(await idsOnPage()) !== JSON.stringify(second.rows.map((r) => r.customerId)) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await idsOnPage(), second.rows.map((r) => r.customerId));
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.waitForSelector('[data-testid=segment-page]:has-text("Page 1")');
    // Sorting by orders, fewest first, is the API's order.
    await page.getByLabel('Sort by').selectOption('orders');
    await page.getByLabel('Order', { exact: true }).selectOption('asc');
    const byOrders = await api<Rows>(`/api/segments/loyalty/${biggest.segment}/customers?sort=orders&dir=asc&limit=25`);
    for (const until = Date.now() + 10_000; JSON.stringify(await idsOnPage()) !== JSON.stringify(byOrders.rows.map((r) => r.customerId)) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await idsOnPage(), byOrders.rows.map((r) => r.customerId));
    // Open in Shopify points at the customer in the admin.
    const shopifyHref = await page.getByRole('link', { name: `Open in Shopify: customer ${byOrders.rows[0]!.customerId} (new tab)` }).getAttribute('href');
    assert.equal(shopifyHref, `https://admin.shopify.com/store/shop-a/customers/${byOrders.rows[0]!.customerId}`);
    // Export: every member, in the page's order, with the explanation column.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'customer_id,orders,spend_minor,last_order_at,churn_probability,clv_12m_minor,explanation,shopify_url');
    assert.equal(csv.length - 1, biggest.customers);
    assert.equal(csv[1]!.split(',')[0], byOrders.rows[0]!.customerId);
    // A row opens the customer page.
    await page.getByRole('button', { name: `Open customer ${byOrders.rows[0]!.customerId}`, exact: true }).click();
    await page.getByTestId('customer-memberships').waitFor();
    assert.match(page.url(), new RegExp(`/app/customers/${byOrders.rows[0]!.customerId}$`));
    // A heatmap cell opens its customers too, from the keyboard.
    await page.goto(`${f.url}/app`);
    await page.getByTestId('rfm-heatmap').waitFor();
    const cell = page.locator('[data-testid=rfm-heatmap] a').first();
    await cell.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('segment-rows').waitFor();
    assert.match(page.url(), /\/app\/segment\/rfm-cell\/r[1-5]f[1-5]$/);
  });

  it('Thresholds: the current thresholds in plain words', async () => {
    await openTab('Thresholds', 'thresholds-current');
    const t = await api<{ current: { lines: Array<{ name: string; value: string }> } }>('/api/thresholds');
    const text = (await page.getByTestId('thresholds-current').textContent()) ?? '';
    for (const line of t.current.lines) assert.ok(text.includes(line.value), line.value);
    await page.getByTestId('thresholds-history').waitFor();
    await shot('thresholds');
  });

  it('Bright spots: gateway products, what the best buy and reorder rhythm, as computed at recalibration', async () => {
    await openTab('Bright spots', 'insights-shop');
    const v = await api<{ insights: { shop: { repeatRate: number }; gatewayProducts: Array<{ product: string; repeatRate: number; customers: number }>; reorder: Array<{ product: string; intervalDays: number }>; bestCustomerProducts: Array<{ product: string }> } }>('/api/insights');
    const i = v.insights;
    assert.ok(i.gatewayProducts.length > 0 && i.reorder.length > 0, 'the fixture shop has gateway products and reorder rhythms');
    assert.match((await page.getByTestId('insights-shop').textContent()) ?? '', new RegExp(`${(i.shop.repeatRate * 100).toFixed(1)}% of `));
    for (const g of i.gatewayProducts) {
      const bar = page.locator(`[data-testid=gateway-chart] [data-segment="${g.product}"]`);
      assert.equal(Number(await bar.getAttribute('data-value')), g.repeatRate, g.product);
    }
    const gateway = (await page.getByTestId('gateway-table').textContent()) ?? '';
    for (const g of i.gatewayProducts) assert.ok(gateway.includes(g.product) && gateway.includes(String(g.customers)), g.product);
    const reorder = (await page.getByTestId('reorder-table').textContent()) ?? '';
    for (const r of i.reorder) assert.ok(reorder.includes(r.product), r.product);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv.length, 1 + i.gatewayProducts.length + i.bestCustomerProducts.length + i.reorder.length);
    await shot('bright-spots');
  });

  it('Model check: the backtest sentence, predicted vs actual by frequency, churn calibration, which model and why', async () => {
    await openTab('Thresholds', 'model-check');
    const v = await api<{ model: string; reason: string; sentence: string; sentenceMsg: ExplanationMsg | null; backtest: { figures: { byFrequency: Array<{ x: number | string; predicted: number; actual: number }>; churn: { calibration: unknown[] } } } }>('/api/model-check');
    assert.match(v.model, /^(BG\/NBD|MBG\/NBD)$/);
    assert.match(v.sentence, /^on your last 26 weeks \(\d{4}-\d{2}-\d{2} to 2026-11-20\), (BG|MBG)\/NBD predicted [\d,]+ repeat orders, actual [\d,]+: (\d+% (low|high)|on target)$/);
    assert.equal(await page.getByTestId('model-check-model').textContent(), v.model);
    // Shown from the message in the viewer's language, dates in its format (the API's English has ISO dates).
    assert.ok(v.sentenceMsg, 'the sentence as a message');
    assert.equal(await page.getByTestId('model-check-sentence').textContent(), explainAs('en', { explanation: v.sentence, explanationMsg: v.sentenceMsg }));
    assert.equal(await page.getByTestId('model-check-reason').textContent(), v.reason);
    for (const g of v.backtest.figures.byFrequency) {
      const bar = page.locator(`[data-testid=model-check-chart] [data-x="${g.x}"]`);
      assert.equal(Number(await bar.getAttribute('data-predicted')), g.predicted, `x=${g.x}`);
      assert.equal(Number(await bar.getAttribute('data-actual')), g.actual, `x=${g.x}`);
    }
    assert.equal(await page.locator('[data-testid=model-check-churn] tbody tr').count(), v.backtest.figures.churn.calibration.length);
    await page.getByTestId('model-check').scrollIntoViewIfNeeded();
    await shot('thresholds');
    await page.getByTestId('model-check').screenshot({ path: `${ARTIFACTS}/model-check.png` });
  });

  it('Customer lookup: metrics, memberships with explanations, tags', async () => {
    await openTab('Customer lookup', 'page-customers');
    await page.getByLabel('Shopify customer id').fill('9000001');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByTestId('customer-memberships').waitFor();
    const c = await api<{ metrics: { orders: number }; memberships: Array<{ explanation: string; explanationMsg: ExplanationMsg | null }> }>('/api/customers/9000001');
    assert.equal(await page.getByTestId('customer-orders').textContent(), String(c.metrics.orders));
    const text = (await page.getByTestId('customer-memberships').textContent()) ?? '';
    // Each explanation rendered from its message (id + parameters) in English, with en-US formats.
    assert.ok(c.memberships.length > 0 && c.memberships.every((m) => m.explanationMsg !== null));
    for (const m of c.memberships) assert.ok(text.includes(explainAs('en', m)), explainAs('en', m));
    await shot('customer-lookup');
  });

  it('Settings: a dry run before saving shows how many customers would change tags', async () => {
    await openTab('Settings', 'page-settings');
    const save = page.getByRole('button', { name: 'Save' });
    await page.getByLabel('Tag prefix').fill('crm-');
    assert.equal(await save.isDisabled(), true, 'Save waits for a preview');
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await page.getByTestId('preview-would-change').waitFor();
    // The page's dry run ran as a job; the API gives the same result (kept, or computed again and polled).
    type PreviewJob = { jobId: string; state: string; result: { wouldChange: number } | null };
    token = await f.token(SHOP_A);
    const res = await fetch(f.url + '/api/settings/preview', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ settings: { tagPrefix: 'crm-' } }) });
    assert.ok(res.status === 200 || res.status === 202, `preview: ${res.status}`);
    let job = (await res.json()) as PreviewJob;
    for (const until = Date.now() + 60_000; job.state !== 'completed' && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 250));
      job = await api<PreviewJob>(`/api/settings/preview/${encodeURIComponent(job.jobId)}`);
    }
    const preview = job.result!;
    assert.ok(preview.wouldChange > 0);
    assert.equal(await page.getByTestId('preview-would-change').textContent(), preview.wouldChange.toLocaleString('en-US'));
    assert.equal(await save.isDisabled(), false);
    await shot('settings');
    await page.getByLabel('Tag prefix').fill('has space');
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await page.getByTestId('settings-issues').waitFor();
    assert.match((await page.getByTestId('settings-issues').textContent()) ?? '', /tagPrefix/);
  });

  it('Settings → Signals: each source with its status and exact address and header; rotating shows the new token once; a refused pixel says why, on Sync too', async () => {
    await page.goto(`${f.url}/app/settings`);
    await page.getByTestId('signal-sources').waitFor();
    const rows = page.getByTestId('signal-sources').locator('tbody tr');
    assert.equal(await rows.count(), 5);
    const table = (await page.getByTestId('signal-sources').textContent()) ?? '';
    for (const name of ['Web pixel (store visits)', 'Klaviyo system webhook', 'Klaviyo flow webhook', 'Other e-mail tools', 'Checkout webhooks']) assert.ok(table.includes(name), name);
    assert.ok(table.includes('Not activated'), 'no pixel activated in this fixture');
    assert.equal(await page.getByTestId('url-klaviyo').textContent(), `${f.url}/signals/klaviyo/${SHOP_A}`);
    assert.equal(await page.getByTestId('header-klaviyo').textContent(), 'Klaviyo-Signature');
    assert.equal(await page.getByTestId('url-flow').textContent(), `${f.url}/signals/clicks/${SHOP_A}`);
    assert.equal(await page.getByTestId('header-flow').textContent(), 'X-Segments-Token: <token>');
    assert.equal(await page.getByTestId('url-pixel').textContent(), `${f.url}/signals/pixel`);

    await page.getByRole('button', { name: 'Rotate token' }).click();
    await page.getByTestId('rotated-value').waitFor();
    const shown = (await page.getByTestId('rotated-value').textContent()) ?? '';
    assert.equal(await f.deps.stores.signalSources.flowTokenMatches(SHOP_A, shown), true, 'the token shown is the one that works');
    await shot('settings-signals');
    await page.getByTestId('signal-sources').getByText('Connected', { exact: true }).first().waitFor();

    const before = await f.deps.stores.signalSources.pixelKey(SHOP_A);
    await page.getByRole('button', { name: 'Rotate pixel key' }).click();
    for (const until = Date.now() + 30_000; !((await page.getByTestId('rotated-value').textContent()) ?? '').startsWith('px_') && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    const key = await f.deps.stores.signalSources.pixelKey(SHOP_A);
    assert.notEqual(key, before);
    assert.equal(await page.getByTestId('rotated-value').textContent(), key);

    await new ShopifyObjectsStore(f.deps.mongo).recordWebPixel(SHOP_A, { action: 'failed', id: null, endpoint: `${f.url}/signals/pixel`, errors: [{ code: 'ACCESS_DENIED', message: 'Access denied for webPixelCreate field.' }] }, new Date());
    await page.reload();
    await page.getByTestId('pixel-refused').waitFor();
    assert.match((await page.getByTestId('pixel-refused').textContent()) ?? '', /ACCESS_DENIED/);
    // The Sync page says it too (GET /api/sync carries the pixel's last pass).
    await page.goto(`${f.url}/app/sync`);
    await page.getByTestId('sync-pixel-refused').waitFor();
    assert.match((await page.getByTestId('sync-pixel-refused').textContent()) ?? '', /ACCESS_DENIED/);
  });

  it('Sync: Resync drives the live progress bar to 100 %, and the CSV export downloads every profile', async () => {
    await openTab('Sync', 'queue-depth');
    await page.getByRole('button', { name: 'Resync now' }).click();
    const bar = page.getByTestId('resync-progress');
    await bar.waitFor();
    // Seen strictly between 0 and 100 while the backfill runs (polled here: the page's CSP forbids eval).
    const seen: number[] = [];
    for (const until = Date.now() + 60_000; Date.now() < until; ) {
      const p = Number(await bar.getAttribute('data-percent'));
      seen.push(p);
      if (p > 0 && p < 100) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(seen.some((p) => p > 0 && p < 100), `progress seen: ${seen.join(',')}`);
    await shot('sync-running');
    await page.waitForSelector('[data-testid=resync-progress][data-percent="100"][data-state="completed"]', { timeout: 180_000 });
    assert.equal(await page.getByTestId('resync-percent').textContent(), '100');
    const sync = await api<{ lastResync: { state: string; percent: number } }>('/api/sync');
    assert.equal(sync.lastResync.state, 'completed');
    await shot('sync');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export profiles (CSV)' }).click()]);
    const file = `${ARTIFACTS}/profiles.csv`;
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines[0]!.split(',')[0], 'customer_id');
    assert.equal(lines.length - 1, await f.deps.stores.profiles.count(SHOP_A));
  });

  it('in German, Italian, French and Spanish: the Overview and a segment in the admin\'s language, numbers in its format', async () => {
    const o = await api<OverviewApi>('/api/overview');
    const expected = { en: 'Customers with a profile', de: 'Kunden mit Profil', it: 'Clienti con un profilo', fr: 'Clients avec un profil', es: 'Clientes con perfil' };
    const champions = { en: 'Champions', de: 'Champions', it: 'Campioni', fr: 'Champions', es: 'Campeones' };
    mkdirSync(`${ARTIFACTS}-i18n`, { recursive: true });
    for (const [lang, heading] of Object.entries(expected)) {
      await page.goto(`${f.url}/app?locale=${lang === 'en' ? 'en-US' : `${lang}-${lang.toUpperCase()}`}`);
      await page.getByTestId('rfm-heatmap').waitFor();
      assert.equal(await page.evaluate('document.documentElement.lang'), lang);
      assert.ok(((await page.locator('main').textContent()) ?? '').includes(heading), `${lang}: ${heading}`);
      assert.equal(await page.getByTestId('total-customers').textContent(), new Intl.NumberFormat(`${lang}-${lang.toUpperCase()}`).format(o.customers));
      await page.getByTestId('sizes-over-time').waitFor();
      await page.screenshot({ path: `${ARTIFACTS}-i18n/overview-${lang}.png`, fullPage: true });
      await page.goto(`${f.url}/app/segment/rfm/champions?locale=${lang}`);
      await page.getByTestId('segment-rows').waitFor();
      assert.ok(((await page.getByTestId('segment-title').textContent()) ?? '').startsWith(champions[lang as keyof typeof champions]));
      await page.screenshot({ path: `${ARTIFACTS}-i18n/segment-${lang}.png`, fullPage: true });
    }
  });

  it('the customer page in each language: explanations and segment meanings rendered in it, not in English', async () => {
    type Customer = { memberships: Array<{ family: string; segment: string; explanation: string; explanationMsg: ExplanationMsg | null }> };
    const c = await api<Customer>('/api/customers/9000001');
    const meaning = (lang: Language, m: { family: string; segment: string }) => (CATALOGUES[lang].segments as unknown as Record<string, Record<string, { meaning: string }>>)[m.family]![m.segment]!.meaning;
    mkdirSync(`${ARTIFACTS}-i18n`, { recursive: true });
    for (const lang of LANGUAGES) {
      await page.goto(`${f.url}/app/customers/9000001?locale=${localeOf(lang)}`);
      await page.getByTestId('customer-memberships').waitFor();
      const text = (await page.getByTestId('customer-memberships').textContent()) ?? '';
      for (const m of c.memberships) {
        const shown = explainAs(lang, m);
        assert.ok(text.includes(shown), `${lang}: ${shown}`);
        if (lang !== 'en') assert.ok(!text.includes(explainAs('en', m)), `${lang} shows the English ${explainAs('en', m)}`);
      }
      // What each segment means, in the same language.
      for (const m of c.memberships) assert.ok(text.includes(meaning(lang, m)), `${lang}: meaning of ${m.segment}`);
      await page.screenshot({ path: `${ARTIFACTS}-i18n/customer-${lang}.png`, fullPage: true });
    }
    // German, spelled out: a loyalty explanation counts "Bestellung(en)" and dates the German way.
    await page.goto(`${f.url}/app/customers/9000001?locale=de-DE`);
    await page.getByTestId('customer-memberships').waitFor();
    const de = (await page.getByTestId('customer-memberships').textContent()) ?? '';
    assert.match(de, /\d+ Bestellung(en)?[ ,(]/);
    assert.doesNotMatch(de, /\d+ orders? /);
  });

  it('accessibility: axe-core finds no serious or critical violation on any page', async () => {
    const axeSource = readFileSync(repo('node_modules/axe-core/axe.min.js'), 'utf8');
    const pages = ['/app', '/app/segment/rfm/champions', '/app/thresholds', '/app/bright-spots', '/app/customers/9000001', '/app/settings', '/app/sync', '/app?locale=de'];
    const found: string[] = [];
    for (const path of pages) {
      await page.goto(f.url + path);
      await page.locator('[data-testid^=page-] > *').first().waitFor();
      await page.waitForLoadState('networkidle');
      // Evaluated through the DevTools protocol (not an inline script): the page's CSP stays as it is.
      await page.evaluate(axeSource);
      type Violation = { id: string; impact: string; targets: string[] };
      const violations = await page.evaluate<Violation[]>(`axe.run(document, { resultTypes: ['violations'] })
        .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`);
      for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) found.push(`${path}: ${v.impact} ${v.id} at ${v.targets.join(' | ')}`);
    }
    assert.deepEqual(found, []);
  });

  it('server texts in the admin\'s language: a dead letter\'s reason, the web pixel\'s refusal, how to connect a source', async () => {
    // Recorded as the webhook path records them (the English of their templates).
    await f.deps.stores.deadLetters.record({ shop: SHOP_A, webhookId: 'dl-de-1', topic: 'orders/create', reason: deadLetterReason('replay', { minutes: 1440 }), customerId: null, payload: {} }, new Date(AS_OF));
    await new ShopifyObjectsStore(f.deps.mongo).recordWebPixel(SHOP_A, { action: 'failed', id: null, endpoint: `${f.url}/signals/pixel`, errors: [{ code: 'ACCESS_DENIED', message: 'Access denied for webPixelCreate field.' }] }, new Date());
    const de = CATALOGUES.de.explanations;
    await page.goto(`${f.url}/app/sync?locale=de`);
    await page.getByText('vor 1.440 Min. ausgelöst, außerhalb von Shopifys 4-Stunden-Fenster für Wiederholungen: eine Wiedereinspielung').waitFor();
    assert.ok(((await page.getByTestId('sync-pixel-refused').textContent()) ?? '').includes(de.pixel.ACCESS_DENIED));
    await page.goto(`${f.url}/app/settings?locale=it`);
    await page.getByTestId('pixel-refused').waitFor();
    assert.ok(((await page.getByTestId('pixel-refused').textContent()) ?? '').includes(CATALOGUES.it.explanations.pixel.ACCESS_DENIED));
    const signals = (await page.getByTestId('signals').textContent()) ?? '';
    assert.ok(signals.includes(`In Klaviyo (Advanced KDP o partner app) crea un webhook di sistema per l’argomento «Clicked Email» verso ${f.url}/signals/klaviyo/${SHOP_A},`), signals);
    assert.ok(!signals.includes('Nothing to set up'), 'no English connection text');
  });

  it('loaded nothing from outside the app and logged no errors (CSP included)', () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
