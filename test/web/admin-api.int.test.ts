import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { SignJWT } from 'jose';
import { testLogger } from '../support/test-services.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';
import { explanationText, type ExplanationMsg } from '../../src/segments/explanation.ts';
import { createAdminApi } from '../../web/admin/api.ts';
import { SHOP_A, SHOP_B, startDashboardFixture, type DashboardFixture } from './fixture.ts';

const now = () => Math.floor(Date.now() / 1000);

let f: DashboardFixture;
before(async () => {
  f = await startDashboardFixture(import.meta.url);
});
after(async () => {
  await f.close();
});

describe('admin API: session token authentication', () => {
  it('refuses a call without a token (401, and App Bridge is told to retry with a fresh one)', async () => {
    const res = await f.get('/api/overview');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-shopify-retry-invalid-session-request'), '1');
    assert.equal(((await res.json()) as { reason: string }).reason, 'missing_token');
  });

  it('refuses a token signed with another secret', async () => {
    const res = await f.get('/api/overview', await f.token(SHOP_A, { secret: 'not-the-app-secret' }));
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { reason: string }).reason, 'bad_signature');
  });

  it('refuses an expired token', async () => {
    const res = await f.get('/api/overview', await f.token(SHOP_A, { nowSeconds: now() - 600, ttlSeconds: 60 }));
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { reason: string }).reason, 'expired');
  });

  it('refuses a token for another app (wrong audience)', async () => {
    const res = await f.get('/api/overview', await f.token(SHOP_A, { apiKey: 'someone-elses-app' }));
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { reason: string }).reason, 'wrong_audience');
  });

  it('refuses a token that is not valid yet, an unsigned one, and one whose dest is not a shop', async () => {
    const notYet = await f.token(SHOP_A, { nowSeconds: now() + 600 });
    assert.equal((await f.get('/api/overview', notYet)).status, 401);
    const [h, p] = (await f.token(SHOP_A)).split('.');
    const noneAlg = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    assert.equal((await f.get('/api/overview', noneAlg)).status, 401);
    assert.ok(h);
    const key = new TextEncoder().encode(f.config.SHOPIFY_API_SECRET);
    const notAShop = await new SignJWT({ dest: 'https://evil.example.com' }).setProtectedHeader({ alg: 'HS256' }).setAudience(f.config.SHOPIFY_API_KEY).setExpirationTime(now() + 60).sign(key);
    const res = await f.get('/api/overview', notAShop);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { reason: string }).reason, 'bad_claims');
  });

  it('does not hand out demo sessions outside demo mode', async () => {
    assert.equal((await f.get('/api/demo-session')).status, 401);
  });

  it('takes the shop from the token only: shop A cannot read shop B by any parameter or header', async () => {
    const a = await f.token(SHOP_A);
    const countA = await f.deps.stores.profiles.count(SHOP_A);
    const countB = await f.deps.stores.profiles.count(SHOP_B);
    assert.notEqual(countA, countB);
    for (const [path, headers] of [
      ['/api/overview', {}],
      [`/api/overview?shop=${SHOP_B}`, {}],
      ['/api/overview', { 'X-Shopify-Shop-Domain': SHOP_B }],
    ] as const) {
      const body = (await (await f.get(path, a, headers)).json()) as { shop: string; customers: number };
      assert.equal(body.shop, SHOP_A);
      assert.equal(body.customers, countA);
    }
    // Customer 9000001 exists in both shops; A's token sees A's profile (B's spent $1,887).
    const mine = (await (await f.get('/api/customers/9000001', a)).json()) as { metrics: { spendMinor: number } };
    const profileA = await f.deps.stores.profiles.get(SHOP_A, '9000001');
    assert.equal(mine.metrics.spendMinor, (JSON.parse(profileA!.metricsJson) as { spendMinor: number }).spendMinor);
    assert.notEqual(mine.metrics.spendMinor, 99_900 + 88_800);
    // A resync job of shop B is "not found" for shop A.
    const jobB = await f.rt.enqueue.resyncShop(SHOP_B, 'support');
    assert.equal((await f.get(`/api/resync/${jobB.id}`, a)).status, 404);
    assert.equal((await f.get(`/api/resync/${jobB.id}`, await f.token(SHOP_B))).status, 200);
    await jobB.remove();
  });
});

describe('admin API: pages', () => {
  let token: string;
  before(async () => {
    token = await f.token(SHOP_A);
  });

  it('overview: segment counts match the stored profiles, the grid covers every scored buyer, shares sum to 1', async () => {
    const o = (await (await f.get('/api/overview', token)).json()) as {
      customers: number; revenueMinor: number;
      families: Array<{ family: string; segments: Array<{ segment: string; customers: number; revenueMinor: number; revenueShare: number }> }>;
      rfmGrid: { counts: number[][]; scored: number };
    };
    const stored = await f.deps.stores.profiles.segmentCounts(SHOP_A);
    assert.equal(o.customers, await f.deps.stores.profiles.count(SHOP_A));
    for (const fam of o.families) {
      for (const s of fam.segments) assert.equal(s.customers, stored[fam.family]?.[s.segment] ?? 0, `${fam.family}/${s.segment}`);
    }
    const loyalty = o.families.find((x) => x.family === 'loyalty')!;
    assert.equal(loyalty.segments.reduce((n, s) => n + s.customers, 0), o.customers, 'every buyer is in exactly one loyalty group');
    assert.equal(loyalty.segments.reduce((n, s) => n + s.revenueMinor, 0), o.revenueMinor);
    assert.ok(Math.abs(loyalty.segments.reduce((n, s) => n + s.revenueShare, 0) - 1) < 0.001);
    assert.equal(o.rfmGrid.counts.length, 5);
    assert.equal(o.rfmGrid.counts.flat().reduce((a, b) => a + b, 0), o.rfmGrid.scored);
    assert.equal(o.rfmGrid.scored, o.customers, 'every buyer has RFM scores');
  });

  it('sizes over time end at today\'s counts and refuse an unknown family', async () => {
    const sizes = (await (await f.get('/api/overview/sizes?family=loyalty&days=30', token)).json()) as { days: string[]; series: Array<{ segment: string; sizes: number[] }> };
    const stored = (await f.deps.stores.profiles.segmentCounts(SHOP_A)).loyalty ?? {};
    assert.equal(sizes.days.length, 30);
    for (const s of sizes.series) assert.equal(s.sizes.at(-1), stored[s.segment] ?? 0);
    const bad = await f.get('/api/overview/sizes?family=nonsense', token);
    assert.equal(bad.status, 400);
  });

  it('thresholds: the current calibration in plain words, with its history', async () => {
    const t = (await (await f.get('/api/thresholds', token)).json()) as { current: { lines: Array<{ name: string; meaning: string }>; rfm: unknown[] }; history: Array<{ frequentMinOrders: number }> };
    const cal = (await f.deps.stores.calibrations.current<{ loyalty: { frequentMinOrders: number } }>(SHOP_A))!;
    const frequent = t.current.lines.find((l) => l.name === 'Frequent Buyer')!;
    assert.match(frequent.meaning, new RegExp(`at least ${cal.calibration.loyalty.frequentMinOrders} orders`));
    assert.equal(t.current.rfm.length, 3);
    assert.equal(t.history[0]!.frequentMinOrders, cal.calibration.loyalty.frequentMinOrders);
  });

  it('customer lookup: metrics, memberships with explanations and history; 404 and 400 otherwise', async () => {
    const c = (await (await f.get(`/api/customers/${encodeURIComponent('gid://shopify/Customer/9000003')}`, token)).json()) as { customerId: string; memberships: Array<{ family: string; explanation: string }>; history: unknown[] };
    assert.equal(c.customerId, '9000003');
    assert.ok(c.memberships.some((m) => m.family === 'loyalty' && m.explanation.length > 0));
    assert.ok(c.history.length > 0);
    // Explanations are messages (id + parameters) beside the English text, in memberships and history.
    type Msg = { id: string; params: Record<string, unknown> } | null;
    const full = c as unknown as { memberships: Array<{ family: string; explanation: string; explanationMsg: Msg }>; history: Array<{ explanation: string; explanationMsg: Msg }> };
    const loyalty = full.memberships.find((m) => m.family === 'loyalty')!;
    assert.match(loyalty.explanationMsg!.id, /^loyalty\./);
    assert.ok(full.history.every((h) => h.explanationMsg === null || typeof h.explanationMsg.id === 'string'));
    assert.ok(full.history.some((h) => h.explanationMsg !== null));
    assert.equal(loyalty.explanation, `${loyalty.explanation.split(': ')[0]}: ${explanationText(loyalty.explanationMsg as ExplanationMsg)}`);
    // Documents written before explanations were messages (English text only) still read: the message is null, the text is there.
    const filter = { ...shopScope('customer_profiles', SHOP_A), customerId: '9000003' };
    const doc = await f.deps.stores.profiles.model.collection.findOne(filter);
    // Stored as an older version wrote it: memberships as an array (not membershipsJson), without messages.
    const legacy = (JSON.parse(doc!.membershipsJson as string) as Array<Record<string, unknown>>).map(({ explanationMsg: _m, ...m }) => m);
    await f.deps.stores.profiles.model.collection.updateOne(filter, { $set: { memberships: legacy }, $unset: { membershipsJson: '' } });
    await f.deps.stores.events.model.collection.insertOne({ shop: SHOP_A, customerId: '9000003', family: 'loyalty', segment: 'one-time-buyer', tag: 'seg:one-time-buyer', change: 'left', at: new Date(Date.parse('2026-01-02T00:00:00Z')), explanation: 'One Time Buyer: 1 order, on 2025-12-01' });
    const old = (await (await f.get('/api/customers/9000003', token)).json()) as typeof full;
    assert.ok(old.memberships.every((m) => m.explanationMsg === null && m.explanation.length > 0));
    assert.deepEqual(old.memberships.map((m) => m.explanation), full.memberships.map((m) => m.explanation));
    const legacyEvent = old.history.find((h) => h.explanation === 'One Time Buyer: 1 order, on 2025-12-01')!;
    assert.equal(legacyEvent.explanationMsg, null);
    assert.equal((await f.get('/api/customers/12345678', token)).status, 404);
    assert.equal((await f.get('/api/customers/not-an-id', token)).status, 400);
  });

  it('settings: invalid input is refused with every problem listed, nothing saved', async () => {
    const res = await f.send('PUT', '/api/settings', { settings: { tagPrefix: 'has space', loyalty: { frequentOrdersPercentile: 0.9, vipOrdersPercentile: 0.5 } } }, token);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { issues: string[] };
    assert.ok(body.issues.some((i) => i.startsWith('tagPrefix')));
    assert.ok(body.issues.some((i) => i.startsWith('loyalty.vipOrdersPercentile')));
    assert.deepEqual((await f.deps.stores.shops.get(SHOP_A))!.settings, {});
    assert.equal((await f.send('PUT', '/api/settings', { nope: 1 }, token)).status, 400);
  });

  it('settings dry run: a new prefix changes every tagged customer, unchanged settings change nobody; nothing is written', async () => {
    const before = [...(await f.deps.stores.profiles.allOf(SHOP_A)).values()];
    const same = await f.preview<{ wouldChange: number; customers: number }>({}, token);
    assert.equal(same.customers, before.length);
    assert.equal(same.wouldChange, 0);
    const renamed = await f.preview<{ wouldChange: number; tagsAdded: Array<{ tag: string }>; tagsRemoved: Array<{ tag: string }> }>({ tagPrefix: 'crm-' }, token);
    assert.equal(renamed.wouldChange, before.filter((p) => p.tagsDesired.length > 0).length);
    assert.ok(renamed.tagsAdded.every((t) => t.tag.startsWith('crm-')));
    assert.ok(renamed.tagsRemoved.every((t) => t.tag.startsWith('seg:')));
    const noRfm = await f.preview<{ wouldChange: number; tagsAdded: unknown[] }>({ families: { rfm: false } }, token);
    assert.equal(noRfm.wouldChange, before.filter((p) => p.memberships.some((m) => m.family === 'rfm')).length);
    assert.equal(noRfm.tagsAdded.length, 0);
    assert.equal((await f.send('POST', '/api/settings/preview', { settings: { tagPrefix: '' } }, token)).status, 400);
    const after = [...(await f.deps.stores.profiles.allOf(SHOP_A)).values()];
    assert.deepEqual(after.map((p) => p.tagsDesired), before.map((p) => p.tagsDesired));
  });

  it('settings save: stored validated (defaults filled in) and a recalibration is queued', async () => {
    const res = await f.send('PUT', '/api/settings', { settings: { tagPrefix: 'crm-', behaviour: { dormantDays: 120 } } }, token);
    assert.equal(res.status, 200);
    const stored = (await f.deps.stores.shops.get(SHOP_A))!.settings as { tagPrefix: string; behaviour: { dormantDays: number; newCustomerDays: number } };
    assert.equal(stored.tagPrefix, 'crm-');
    assert.equal(stored.behaviour.dormantDays, 120);
    assert.equal(stored.behaviour.newCustomerDays, 30);
    const got = (await (await f.get('/api/settings', token)).json()) as { settings: { tagPrefix: string }; vocabulary: Array<{ tag: string }> };
    assert.equal(got.settings.tagPrefix, 'crm-');
    assert.ok(got.vocabulary.every((v) => v.tag.startsWith('crm-')));
    const jobs = await f.rt.queues.recalibrate.getJobs(['waiting', 'prioritized', 'delayed']);
    assert.ok(jobs.some((j) => j.data.shop === SHOP_A && j.data.reason === 'settings-changed'));
  });

  it('sync status and resync trigger: 202 with a job that the status then shows', async () => {
    const started = await f.send('POST', '/api/resync', {}, token);
    assert.equal(started.status, 202);
    const job = (await started.json()) as { jobId: string; state: string; requestedBy: string };
    assert.equal(job.requestedBy, 'merchant');
    // A second click while one is queued gets the same job (one resync per shop at a time).
    const again = (await (await f.send('POST', '/api/resync', {}, token)).json()) as { jobId: string };
    assert.equal(again.jobId, job.jobId);
    const sync = (await (await f.get('/api/sync', token)).json()) as { lastResync: { jobId: string }; queueDepth: Record<string, { waiting: number }>; profiles: number; failures: unknown[] };
    assert.equal(sync.lastResync.jobId, job.jobId);
    assert.equal(sync.queueDepth['resync-shop']!.waiting, 1);
    assert.ok(!('webhook' in sync.queueDepth), 'raw deliveries are not listed');
    // Another shop's queued work is not counted in this shop's view.
    const other = await f.rt.enqueue.resyncShop(SHOP_B, 'support');
    const mine = (await (await f.get('/api/sync', token)).json()) as { queueDepth: Record<string, { waiting: number }> };
    assert.equal(mine.queueDepth['resync-shop']!.waiting, 1);
    await other.remove();
    assert.equal(sync.profiles, await f.deps.stores.profiles.count(SHOP_A));
    const access = (sync as unknown as { access: { scopes: string[]; readAllOrders: boolean; checkedAt: string | null } }).access;
    assert.deepEqual(access.scopes, ['read_all_orders', 'read_customers', 'read_orders', 'write_customers']);
    assert.equal(access.readAllOrders, true);
    assert.ok(access.checkedAt);
    // The store revokes read_all_orders (app/scopes_update): the view follows.
    await f.deps.stores.shops.updateScopes(SHOP_A, ['read_customers', 'write_customers', 'read_orders'], new Date(), new Date());
    const after = (await (await f.get('/api/sync', token)).json()) as { access: { readAllOrders: boolean; scopes: string[] } };
    assert.equal(after.access.readAllOrders, false);
    assert.ok(!after.access.scopes.includes('read_all_orders'));
    await f.deps.stores.shops.updateScopes(SHOP_A, access.scopes, new Date(), new Date());
    assert.deepEqual(sync.failures, []);
    await (await f.rt.queues.resync.getJob(job.jobId))?.remove();
  });

  it('CSV export: streamed with a short-lived ticket, one row per profile of the token\'s shop only', async () => {
    const link = (await (await f.send('POST', '/api/export-link', {}, token)).json()) as { url: string };
    assert.match(link.url, /^\/api\/export\.csv\?ticket=/);
    const res = await f.get(link.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
    const lines = (await res.text()).trim().split('\n');
    assert.equal(lines[0]!.split(',')[0], 'customer_id');
    assert.equal(lines.length - 1, await f.deps.stores.profiles.count(SHOP_A));
    const row = lines.find((l) => l.startsWith('9000001,'))!;
    const profile = (await f.deps.stores.profiles.get(SHOP_A, '9000001'))!;
    assert.equal(row.split(',')[2], String((JSON.parse(profile.metricsJson) as { spendMinor: number }).spendMinor));
    // Tampered or missing credentials: refused.
    const [payload, mac] = decodeURIComponent(link.url.split('ticket=')[1]!).split('.');
    const forged = Buffer.from(JSON.stringify({ shop: SHOP_B, exp: Date.now() + 60_000 })).toString('base64url');
    assert.equal((await f.get(`/api/export.csv?ticket=${forged}.${mac}`)).status, 401);
    assert.ok(payload);
    assert.equal((await f.get('/api/export.csv')).status, 401);
    // A session token works as well (fetch-based download).
    const direct = await f.get('/api/export.csv', await f.token(SHOP_B));
    assert.equal((await direct.text()).trim().split('\n').length - 1, await f.deps.stores.profiles.count(SHOP_B));
  });

  it('serves the dashboard with a CSP that only lets the shop admin frame it', async () => {
    const res = await f.get(`/app/sync?shop=${SHOP_A}&host=abc`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, new RegExp(`frame-ancestors https://admin\\.shopify\\.com https://${SHOP_A.replace(/\./g, '\\.')}(;|$)`));
    assert.match(await res.text(), /app-bridge\.js/);
    const bad = await f.get('/app?shop=evil.example.com');
    assert.doesNotMatch(bad.headers.get('content-security-policy') ?? '', /evil/);
  });
});

describe('admin API: rate limit per shop', () => {
  it('answers 429 with Retry-After once a shop spends its budget, without touching other shops', async () => {
    const app = express();
    app.use('/api', createAdminApi(f.ports, { apiKey: f.config.SHOPIFY_API_KEY, apiSecret: f.config.SHOPIFY_API_SECRET, demoMode: false, redis: f.deps.redis, keyPrefix: `${f.s.queuePrefix}:rl`, rateLimitPerMinute: 5, logger: testLogger }));
    const server = await new Promise<Server>((resolve) => {
      const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const get = async (token: string) => fetch(`${base}/api/session`, { headers: { Authorization: `Bearer ${token}` } });
      const a = await f.token(SHOP_A);
      // The limiter counts per wall-clock minute: start well inside a minute so the six requests
      // cannot straddle a window boundary (and see a reset counter) on a slow machine.
      const msToBoundary = 60_000 - (Date.now() % 60_000);
      if (msToBoundary < 15_000) await new Promise((r) => setTimeout(r, msToBoundary + 100));
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await get(a)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
      const limited = await get(a);
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.equal((await get(await f.token(SHOP_B))).status, 200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
