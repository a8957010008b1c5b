// Issue 13, item 4: no request-path work that one shop can use against all.
// The web process ingests every shop's webhooks (Shopify gives a delivery 5 s,
// https://shopify.dev/docs/apps/build/webhooks/troubleshooting-webhooks), so a merchant's request must
// not load a whole shop or read thousands of jobs there. POST /api/settings/preview used to recalibrate
// the whole shop inside the request; /api/sync read up to ~16,000 BullMQ jobs per call. Now the preview
// is a job (one per shop at a time, result kept by settings hash, polled), status reads count instead
// of listing jobs, and a shop has a cap on admin requests in flight. The benchmark (docs/benchmarks.md,
// scripts/bench-preview-ingest.ts) shows webhook ingest p99 with a large shop previewing in a loop.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { Queue } from 'bullmq';
import { startDashboardFixture, SHOP_A, SHOP_B, SUPPORT_TOKEN, type DashboardFixture } from '../web/fixture.ts';
import { concurrencyCapPerShop } from '../../web/admin/concurrency-cap.ts';

describe('security 4: no request-path work that one shop can use against all', () => {
  let f: DashboardFixture;
  let tokenA: string;
  before(async () => {
    f = await startDashboardFixture(import.meta.url, { customersA: 20 });
    tokenA = await f.token(SHOP_A);
  });
  after(async () => { await f.close(); });

  it('a settings preview is a job: answered at once, one per shop at a time, kept by settings hash, never another shop\'s', async () => {
    await f.rt.queuesFor(SHOP_A).preview.pause();
    const first = await f.send('POST', '/api/settings/preview', { settings: { tagPrefix: 'crm-' } }, tokenA);
    assert.equal(first.status, 202, 'queued, not computed in the request');
    const a = (await first.json()) as { jobId: string; state: string; result: unknown };
    assert.equal(a.result, null);
    assert.match(a.state, /waiting|prioritized/);
    const other = (await (await f.send('POST', '/api/settings/preview', { settings: { tagPrefix: 'abc-' } }, tokenA)).json()) as { jobId: string; busy: boolean };
    assert.deepEqual([other.jobId, other.busy], [a.jobId, true], 'while one preview of the shop waits, another gets that one back');
    assert.equal(await f.rt.queuesFor(SHOP_A).preview.count(), 1);
    const foreign = await f.get(`/api/settings/preview/${a.jobId}`, await f.token(SHOP_B));
    assert.equal(foreign.status, 404, 'another shop cannot read it');
    await f.rt.queuesFor(SHOP_A).preview.resume();
    const done = await f.preview<{ wouldChange: number; settingsHash: string }>({ tagPrefix: 'crm-' }, tokenA);
    assert.ok(done.wouldChange > 0);
    const again = await f.send('POST', '/api/settings/preview', { settings: { tagPrefix: 'crm-' } }, tokenA);
    assert.equal(again.status, 200, 'the same settings again: the kept result');
    assert.equal(((await again.json()) as { jobId: string }).jobId, a.jobId);
  });

  it('status reads count: /api/sync and the support status read no job list, however many jobs are queued', async () => {
    for (let i = 0; i < 300; i++) await f.rt.enqueue.recomputeCustomer(SHOP_B, String(7_000_000 + i));
    for (let i = 0; i < 3; i++) await f.rt.enqueue.recomputeCustomer(SHOP_A, String(9_000_001 + i));
    let listed = 0;
    const restore: Array<() => void> = [];
    for (const q of f.rt.partitions.flatMap((p) => Object.values(p)) as Queue[]) {
      for (const m of ['getJobs', 'getFailed', 'getWaiting', 'getActive', 'getDelayed', 'getCompleted', 'getPrioritized'] as const) {
        const orig = (q as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!;
        (q as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => { listed++; return orig.apply(q, args); };
        restore.push(() => { (q as unknown as Record<string, unknown>)[m] = orig; });
      }
    }
    try {
      const sync = (await (await f.get('/api/sync', tokenA)).json()) as { queueDepth: Record<string, { waiting: number }> };
      assert.equal(sync.queueDepth['recompute-customer']?.waiting, 3, 'this shop\'s own recomputes, counted');
      const status = await f.get(`/support/shops/${SHOP_A}/status`, null, { Authorization: `Bearer ${SUPPORT_TOKEN}` });
      assert.equal(status.status, 200);
      assert.equal(listed, 0, 'no BullMQ job list was read');
    } finally {
      for (const r of restore) r();
    }
  });

  it('one shop has at most N admin requests in flight; beyond: 429 at once, other shops unaffected', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const app = express();
    app.use((req, res, next) => { res.locals.shop = String(req.query.shop); next(); });
    app.use(concurrencyCapPerShop(2));
    app.get('/slow', async (_req, res) => { await gate; res.json({ ok: true }); });
    const server = await new Promise<Server>((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
    try {
      const held = [fetch(`${url}?shop=a`), fetch(`${url}?shop=a`)];
      await new Promise((r) => setTimeout(r, 100));
      // Answered at once (a held third request would wait for the gate: it is given 3 s).
      const third = await fetch(`${url}?shop=a`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
      assert.equal(third?.status, 429);
      assert.equal(third?.headers.get('retry-after'), '1');
      const otherShop = fetch(`${url}?shop=b`);
      open();
      assert.deepEqual((await Promise.all([...held, otherShop])).map((r) => r.status), [200, 200, 200]);
      assert.equal((await fetch(`${url}?shop=a`)).status, 200, 'slots are given back');
    } finally {
      open();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
