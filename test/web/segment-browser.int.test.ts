// The segment browser API against the real stores: a segment's members page by page in a stable
// order (every member exactly once, no duplicates, in the sort's order), each sort key, RFM grid
// cells, bad cursors refused, and the streamed CSV export with the explanation column.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { SHOP_A, SHOP_B, startDashboardFixture, type DashboardFixture } from './fixture.ts';

interface Row { customerId: string; orders: number | null; spendMinor: number | null; lastOrderAt: number | null; churnProbability: number | null; clv12mMinor: number | null; explanation: string; shopifyUrl: string }
interface PageBody { total: number | null; rows: Row[]; nextCursor: string | null }

describe('segment browser API', () => {
  let f: DashboardFixture;
  let token: string;
  const getJson = async <T,>(path: string): Promise<T> => {
    const res = await f.get(path, token);
    assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as T;
  };
  /** Every page of a segment, following nextCursor. */
  const allPages = async (base: string, limit: number): Promise<{ rows: Row[]; pages: number; total: number | null }> => {
    const rows: Row[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let total: number | null = null;
    do {
      const body: PageBody = await getJson<PageBody>(`${base}${base.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      if (pages === 0) total = body.total;
      else assert.equal(body.total, null, 'the count is only computed for the first page');
      rows.push(...body.rows);
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    return { rows, pages, total };
  };

  before(async () => {
    f = await startDashboardFixture(import.meta.url, { customersA: 60 });
    token = await f.token(SHOP_A);
  });
  // A fresh session token per test (App Bridge does the same): on a loaded machine the file outlasts one token.
  beforeEach(async () => {
    token = await f.token(SHOP_A);
  });
  after(async () => f?.close());

  it('pages through a segment: every member once, in spend order then customer id (reversed), with the count', async () => {
    const counts = await f.deps.stores.profiles.segmentCounts(SHOP_A);
    const [segment, n] = Object.entries(counts.loyalty!).sort((a, b) => b[1] - a[1])[0]!;
    assert.ok(n >= 10, 'a segment big enough to page through');
    const { rows, pages, total } = await allPages(`/api/segments/loyalty/${segment}/customers?sort=spend&dir=desc`, 7);
    assert.equal(total, n);
    assert.equal(rows.length, n);
    assert.equal(new Set(rows.map((r) => r.customerId)).size, n, 'no member twice');
    assert.equal(pages, Math.ceil(n / 7));
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1]!;
      const b = rows[i]!;
      // Descending is the ascending order (spend, then customer id) reversed.
      assert.ok(a.spendMinor! > b.spendMinor! || (a.spendMinor === b.spendMinor && a.customerId > b.customerId), `order at ${i}`);
    }
    const stored = await f.deps.stores.profiles.getDoc(SHOP_A, rows[0]!.customerId);
    const m = stored!.memberships.find((x) => x.family === 'loyalty')!;
    assert.equal(rows[0]!.explanation, m.explanation);
    assert.equal(rows[0]!.shopifyUrl, `https://admin.shopify.com/store/shop-a/customers/${rows[0]!.customerId}`);
  });

  it('sorts by every key, both ways, and the pages still cover the segment exactly once', async () => {
    for (const [sort, field] of [['orders', 'orders'], ['lastOrder', 'lastOrderAt'], ['churn', 'churnProbability'], ['clv', 'clv12mMinor']] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        const { rows, total } = await allPages(`/api/segments/rfm/champions/customers?sort=${sort}&dir=${dir}`, 4);
        assert.equal(rows.length, total, `${sort} ${dir}`);
        assert.equal(new Set(rows.map((r) => r.customerId)).size, rows.length);
        const v = (r: Row) => r[field] ?? -1;
        for (let i = 1; i < rows.length; i++) {
          const [a, b] = [rows[i - 1]!, rows[i]!];
          const ordered = dir === 'desc' ? v(a) > v(b) : v(a) < v(b);
          assert.ok(ordered || (v(a) === v(b) && (dir === 'desc' ? a.customerId > b.customerId : a.customerId < b.customerId)), `${sort} ${dir} at ${i}`);
        }
      }
    }
  });

  it('an RFM grid cell is browsable like a segment; the grid and the cell agree', async () => {
    const o = await getJson<{ rfmGrid: { counts: number[][] } }>('/api/overview');
    let checked = 0;
    for (let r = 1; r <= 5; r++) {
      for (let fr = 1; fr <= 5; fr++) {
        const body = await getJson<PageBody>(`/api/segments/rfm-cell/r${r}f${fr}/customers?limit=200`);
        assert.equal(body.total, o.rfmGrid.counts[r - 1]![fr - 1], `R${r} F${fr}`);
        assert.equal(body.rows.length, body.total);
        checked += body.rows.length;
      }
    }
    assert.ok(checked > 0);
  });

  it('refuses bad input with 400 and never shows another shop', async () => {
    for (const path of ['/api/segments/nope/vip/customers', '/api/segments/loyalty/VIP!/customers', '/api/segments/rfm-cell/r9f1/customers', '/api/segments/loyalty/vip/customers?sort=name', '/api/segments/loyalty/vip/customers?cursor=abc', '/api/segments/loyalty/vip/customers?limit=5000']) {
      const res = await f.get(path, token);
      assert.equal(res.status, 400, path);
    }
    assert.equal((await f.get('/api/segments/loyalty/vip/customers', null)).status, 401, 'no token, no rows');
    // Shop B has customer 9000001 too (other orders): its token sees only its own profiles.
    const b = (await (await f.get('/api/segments/rfm-cell/r5f5/customers?limit=200', await f.token(SHOP_B))).json()) as PageBody;
    const bDoc = await f.deps.stores.profiles.getDoc(SHOP_B, '9000001');
    for (const row of b.rows) assert.ok(row.shopifyUrl.includes('/store/shop-b/'));
    if (b.rows.some((row) => row.customerId === '9000001')) assert.equal(b.rows.find((row) => row.customerId === '9000001')!.spendMinor, JSON.parse(bDoc!.metricsJson).spendMinor);
  });

  it('first run: counts per family with one example customer each, and the model minimums of a small shop', async () => {
    type FirstRun = { profiles: number; families: Array<{ family: string; customers: number; example: { customerId: string; segment: string; explanation: string } | null }>; models: { usingModel: boolean; minBuyers: number; minRepeatBuyers: number; buyers: number; repeatBuyers: number; reason: string | null } };
    const a = await getJson<FirstRun>('/api/first-run');
    assert.equal(a.profiles, await f.deps.stores.profiles.count(SHOP_A));
    const counts = await f.deps.stores.profiles.segmentCounts(SHOP_A);
    for (const fam of a.families) {
      assert.equal(fam.customers, Object.values(counts[fam.family] ?? {}).reduce((x, y) => x + y, 0), fam.family);
      if (fam.customers === 0) {
        assert.equal(fam.example, null);
        continue;
      }
      const doc = await f.deps.stores.profiles.getDoc(SHOP_A, fam.example!.customerId);
      // A family may hold several memberships (behaviour): the example is one of the customer's.
      const m = doc!.memberships.find((x) => x.family === fam.family && x.segment === fam.example!.segment);
      assert.ok(m, `${fam.family}: the example customer is in ${fam.example!.segment}`);
      assert.equal(fam.example!.explanation, m.explanation);
    }
    // 60 buyers < the default 500: the predictive families run on the cadence rule, and the page says why.
    assert.deepEqual([a.models.usingModel, a.models.minBuyers, a.models.minRepeatBuyers, a.models.buyers], [false, 500, 50, 60]);
    assert.match(a.models.reason ?? '', /60 buyers < 500/);
    const loyalty = counts.loyalty!;
    assert.equal(a.models.repeatBuyers, (loyalty['loyal-customer'] ?? 0) + (loyalty['frequent-buyer'] ?? 0) + (loyalty.vip ?? 0));
    const b = (await (await f.get('/api/first-run', await f.token(SHOP_B))).json()) as FirstRun;
    assert.equal(b.profiles, 2);
    assert.equal(b.models.usingModel, false);
  });

  it('exports a segment as CSV through a download ticket: every member, the explanation column, same order', async () => {
    const linkRes = await f.send('POST', '/api/segments/rfm/champions/export-link?sort=orders&dir=desc', {}, token);
    assert.equal(linkRes.status, 200, await linkRes.clone().text());
    const link = (await linkRes.json()) as { url: string };
    const res = await fetch(f.url + '/api' + link.url.replace(/^\/api/, ''));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
    const records = parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
    const { rows } = await allPages('/api/segments/rfm/champions/customers?sort=orders&dir=desc', 200);
    assert.deepEqual(records.map((r) => r.customer_id), rows.map((r) => r.customerId));
    assert.deepEqual(records.map((r) => r.explanation), rows.map((r) => r.explanation));
    assert.ok(records.every((r) => r.explanation!.startsWith('Champions: ')));
    const bad = await fetch(f.url + '/api/segments/rfm/champions/export.csv?ticket=forged.ticket');
    assert.equal(bad.status, 401);
  });
});
