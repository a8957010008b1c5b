// Settings → Signals (web/admin/signals.ts): each source with its last delivery, drops and how to
// connect it; the flow token and Klaviyo secret rotate and are shown once; another shop sees its own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SHOP_A, SHOP_B, startDashboardFixture, type DashboardFixture } from './fixture.ts';

describe('GET /api/signals', () => {
  let f: DashboardFixture;
  before(async () => { f = await startDashboardFixture(import.meta.url, { customersA: 20 }); });
  after(async () => { await f.close(); });

  it('lists every source with its status and how to connect it, and rotates the credentials', async () => {
    const token = await f.token(SHOP_A);
    await f.deps.stores.signalSources.delivered(SHOP_A, 'checkouts', new Date('2026-11-19T10:00:00Z'));
    const r = await f.get('/api/signals', token);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { pixelKey: string; counts: Record<string, number>; sources: Array<{ source: string; lastDeliveryAt: string | null; connected: boolean; howToConnect: string }> };
    assert.deepEqual(body.sources.map((s) => s.source), ['pixel', 'klaviyo', 'flow', 'generic', 'checkouts']);
    assert.equal(body.sources.find((s) => s.source === 'checkouts')!.lastDeliveryAt, '2026-11-19T10:00:00.000Z');
    assert.match(body.sources.find((s) => s.source === 'klaviyo')!.howToConnect, new RegExp(`/signals/klaviyo/${SHOP_A}`));
    assert.equal(body.sources.find((s) => s.source === 'flow')!.connected, false);
    assert.match(body.pixelKey, /^px_/);
    assert.deepEqual(body.counts, { visits: 0, clicks: 0, checkouts: 0 });

    const t1 = ((await (await f.send('POST', '/api/signals/flow-token', {}, token)).json()) as { token: string }).token;
    assert.equal(await f.deps.stores.signalSources.flowTokenMatches(SHOP_A, t1), true);
    const t2 = ((await (await f.send('POST', '/api/signals/flow-token', {}, token)).json()) as { token: string }).token;
    assert.equal(await f.deps.stores.signalSources.flowTokenMatches(SHOP_A, t1), false, 'rotation revokes the old token');
    assert.equal(await f.deps.stores.signalSources.flowTokenMatches(SHOP_A, t2), true);
    assert.equal(await f.deps.stores.signalSources.flowTokenMatches(SHOP_B, t2), false, 'per shop');
    const secret = ((await (await f.send('POST', '/api/signals/klaviyo-secret', {}, token)).json()) as { secret: string }).secret;
    assert.equal(await f.deps.stores.signalSources.klaviyoSecret(SHOP_A), secret);
    const raw = JSON.stringify(await f.s.shardAudit.unaudited(() => f.s.mongo.db!.collection('signal_sources').find({}).toArray()));
    assert.ok(!raw.includes(secret) && !raw.includes(t2), 'neither the secret nor the token is stored in clear');
    const after = (await (await f.get('/api/signals', token)).json()) as { sources: Array<{ source: string; connected: boolean }> };
    assert.ok(after.sources.filter((s) => ['klaviyo', 'flow', 'generic'].includes(s.source)).every((s) => s.connected));
    // Shop B sees its own key.
    const b = (await (await f.get('/api/signals', await f.token(SHOP_B))).json()) as { pixelKey: string };
    assert.notEqual(b.pixelKey, body.pixelKey);
  });
});
