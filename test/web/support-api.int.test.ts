import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { SHOP_A, SHOP_B, SUPPORT_TOKEN, startDashboardFixture, type DashboardFixture } from './fixture.ts';
import { createStatusCommand } from '../../src/cli/commands/status.ts';
import { createRecomputeCommand } from '../../src/cli/commands/recompute.ts';
import { createResyncCommand } from '../../src/cli/commands/resync.ts';
import type { SupportClientDeps } from '../../src/cli/commands/support-client.ts';
import type { RunningWorkers } from '../../jobs/worker.ts';

let f: DashboardFixture;
before(async () => {
  f = await startDashboardFixture(import.meta.url, { customersA: 40 });
});
after(async () => {
  await f.close();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const supportGet = (path: string, headers: Record<string, string> = bearer(SUPPORT_TOKEN)) => fetch(f.url + path, { headers });
const supportPost = (path: string, body: unknown, token = SUPPORT_TOKEN) =>
  fetch(f.url + path, { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('support API: authentication', () => {
  it('answers 401 without a token and 403 with a wrong one, on every route', async () => {
    for (const path of [`/support/shops/${SHOP_A}/status`, `/support/shops/${SHOP_A}/dead-letters`, '/support/queues', '/support/nowhere']) {
      assert.equal((await supportGet(path, {})).status, 401, path);
      assert.equal((await supportGet(path, bearer('wrong'))).status, 403, path);
      assert.equal((await supportGet(path, bearer(SUPPORT_TOKEN.slice(0, -1) + 'x'))).status, 403, path);
      assert.equal((await supportGet(path, bearer(SUPPORT_TOKEN + 'x'))).status, 403, path);
    }
    assert.equal((await supportPost(`/support/shops/${SHOP_A}/resync`, {}, 'nope')).status, 403);
    // A merchant's session token is not a support token.
    assert.equal((await supportGet(`/support/shops/${SHOP_A}/status`, bearer(await f.token(SHOP_A)))).status, 403);
  });

  it('serves Bull Board only behind the support token (Bearer, or Basic with the token as password)', async () => {
    const denied = await supportGet('/support/queues', {});
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate') ?? '', /^Basic/);
    const basic = await supportGet('/support/queues', { Authorization: `Basic ${Buffer.from(`support:${SUPPORT_TOKEN}`).toString('base64')}` });
    assert.equal(basic.status, 200);
    assert.match(await basic.text(), /<html/i);
    const api = await supportGet('/support/queues/api/queues?activeQueue=resync-shop&page=1');
    assert.equal(api.status, 200);
    const names = ((await api.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
    // Every queue of every partition (on a cluster, 6 partitions: `p<k>/<queue>`).
    const queues = ['maintenance', 'recalibrate-shop', 'recompute-customer', 'resync-shop', 'settings-preview', 'sync-tags', 'webhook'];
    const n = f.rt.partitions.length;
    assert.deepEqual(names, f.rt.partitions.flatMap((_, k) => queues.map((q) => (n > 1 ? `p${k}/${q}` : q))).sort());
  });
});

describe('support API: routes', () => {
  it('status: install state, counts per segment, queues; 404 for an unknown shop, 400 for a malformed one', async () => {
    const res = await supportGet(`/support/shops/${SHOP_A}/status`);
    assert.equal(res.status, 200);
    const s = (await res.json()) as { installed: boolean; profiles: number; segments: Record<string, Record<string, number>>; queueDepth: Record<string, unknown> };
    assert.equal(s.installed, true);
    assert.equal(s.profiles, await f.deps.stores.profiles.count(SHOP_A));
    assert.deepEqual(s.segments, await f.deps.stores.profiles.segmentCounts(SHOP_A));
    assert.ok('recompute-customer' in s.queueDepth);
    assert.equal((await supportGet('/support/shops/unknown.myshopify.com/status')).status, 404);
    assert.equal((await supportGet('/support/shops/not a shop/status')).status, 400);
  });

  it('dead letters: the shop\'s own, newest first', async () => {
    await f.deps.stores.deadLetters.record({ shop: SHOP_A, webhookId: 'wh-1', topic: 'orders/create', reason: 'unusable payload', payload: { id: 1 } }, new Date());
    await f.deps.stores.deadLetters.record({ shop: SHOP_B, webhookId: 'wh-2', topic: 'orders/create', reason: 'other shop', payload: {} }, new Date());
    const body = (await (await supportGet(`/support/shops/${SHOP_A}/dead-letters?limit=10`)).json()) as { deadLetters: Array<{ webhookId: string; payload: unknown }> };
    assert.deepEqual(body.deadLetters.map((d) => d.webhookId), ['wh-1']);
    assert.deepEqual(body.deadLetters[0]!.payload, { id: 1 });
    assert.equal((await supportGet(`/support/shops/${SHOP_A}/dead-letters?limit=0`)).status, 400);
  });

  it('recompute one customer: queued once per customer', async () => {
    const res = await supportPost(`/support/shops/${SHOP_A}/customers/9000005/recompute`, {});
    assert.equal(res.status, 202);
    const jobs = await f.rt.queuesFor(SHOP_A).recompute.getJobs(['waiting', 'prioritized']);
    assert.ok(jobs.some((j) => j.data.shop === SHOP_A && j.data.customerId === '9000005' && j.data.reason === 'support'));
    assert.equal((await supportPost(`/support/shops/${SHOP_A}/customers/abc/recompute`, {})).status, 400);
  });

  it('engagement signals: stored (never moving back in time) and the customers recomputed', async () => {
    const click = '2026-11-01T10:00:00Z';
    const res = await supportPost(`/support/shops/${SHOP_A}/engagement`, { signals: [{ customerId: '9000007', emailClickAt: click }, { customerId: '9000008', visitAt: '2026-11-02T00:00:00+01:00' }] });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { shop: SHOP_A, recorded: 2, recomputing: 2 });
    await supportPost(`/support/shops/${SHOP_A}/engagement`, { signals: [{ customerId: '9000007', emailClickAt: '2026-01-01T00:00:00Z' }] });
    const e = await f.deps.stores.engagement.forCustomer(SHOP_A, '9000007');
    assert.equal(e?.lastEmailClickAt, Date.parse(click));
    assert.equal((await f.deps.stores.engagement.forCustomer(SHOP_A, '9000008'))?.lastVisitAt, Date.parse('2026-11-01T23:00:00Z'));
    assert.equal(await f.deps.stores.engagement.forCustomer(SHOP_B, '9000007'), null);
    const jobs = await f.rt.queuesFor(SHOP_A).recompute.getJobs(['waiting', 'prioritized']);
    assert.ok(jobs.some((j) => j.data.customerId === '9000008'));
    for (const bad of [{}, { signals: [] }, { signals: [{ customerId: '1' }] }, { signals: [{ customerId: '1', visitAt: 'yesterday' }] }]) {
      assert.equal((await supportPost(`/support/shops/${SHOP_A}/engagement`, bad)).status, 400, JSON.stringify(bad));
    }
  });
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

describe('support CLI (segments status / recompute / resync)', () => {
  const cliDeps = (token = SUPPORT_TOKEN): SupportClientDeps => ({ target: () => ({ url: f.url, token }), fetch, pollMs: 100 });
  const io = () => ({ stdout: new Capture(), stderr: new Capture() });

  it('status prints the shop\'s state; a wrong token exits 1 with a hint', async () => {
    const out = io();
    assert.equal(await createStatusCommand(cliDeps()).run(['--shop', SHOP_A], out), 0);
    assert.match(out.stdout.text, new RegExp(`profiles\\s+${await f.deps.stores.profiles.count(SHOP_A)}`));
    assert.match(out.stdout.text, /loyalty:/);
    const bad = io();
    assert.equal(await createStatusCommand(cliDeps('x'.repeat(40))).run(['--shop', SHOP_A], bad), 1);
    assert.match(bad.stderr.text, /403.*SUPPORT_TOKEN/);
  });

  it('recompute queues the customer; bad arguments are usage errors', async () => {
    const out = io();
    assert.equal(await createRecomputeCommand(cliDeps()).run(['--shop', SHOP_A, '--customer', 'gid://shopify/Customer/9000009'], out), 0);
    assert.match(out.stdout.text, /9000009/);
    await assert.rejects(createRecomputeCommand(cliDeps()).run(['--shop', SHOP_A], io()), /--customer/);
    await assert.rejects(createStatusCommand(cliDeps()).run(['--shop', 'nope'], io()), /shop domain/);
  });

  it('resync shows progress until the worker finishes, then exits 0', async () => {
    let workers: RunningWorkers | null = null;
    try {
      workers = f.rt.startWorkers({ queues: ['resync-shop'], concurrency: 1 });
      const out = io();
      const code = await createResyncCommand(cliDeps()).run(['--shop', SHOP_B], out);
      assert.equal(code, 0, out.stderr.text);
      assert.match(out.stdout.text, /resync of shop-b\.myshopify\.com: job \S+/);
      assert.match(out.stdout.text, /done: 2 customers/);
      assert.match(out.stderr.text, /100%/);
    } finally {
      await workers?.close();
    }
  });
});
