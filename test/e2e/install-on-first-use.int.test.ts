// Shopify-managed installation end to end: a shop the app has never seen opens the embedded app; its
// first admin request carries only an App Bridge session token. The app verifies it, exchanges it for
// an offline access token, records the shop, schedules it and runs the first resync — customers end
// up tagged without any install step of ours.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalStack } from '../../scripts/local-stack.ts';
import { openE2eStack, type E2eStack } from './stack.ts';

const SHOP = 'first-use.myshopify.com';
const AS_OF = Date.parse('2026-11-20T00:00:00Z');

describe('install on first use (token exchange from the first admin request)', () => {
  let e2e: E2eStack;
  let stack: LocalStack;

  before(async () => {
    e2e = await openE2eStack(import.meta.url, { asOf: AS_OF, seed: 21 });
    stack = e2e.stack;
    stack.sim.createShop({ domain: SHOP, plan: 'standard', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], timezone: 'Europe/Berlin', currency: 'EUR' });
    stack.sim.seedSynthetic(SHOP, { customers: 30, seed: 3, asOf: AS_OF - 3_600_000, maxOrdersPerCustomer: 4 });
    stack.sim.registerApp({ apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET, webhookAddress: `${stack.appUrl}/webhooks` });
  });
  after(async () => { await e2e?.close(); });

  const get = (path: string, token: string) => fetch(`${stack.appUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });

  it('installs the shop on its first verified request, then segments and tags its customers', async () => {
    assert.equal(await stack.deps.stores.shops.isInstalled(SHOP), false);
    const token = stack.sim.mintSessionToken(SHOP, { apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET });
    // The dashboard fires several requests at once on its first load: one installation serves them all.
    const answers = await Promise.all([get('/api/session', token), get('/api/overview', token), get('/api/session', token)]);
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200]);
    const session = (await answers[0]!.json()) as { shop: string; installed: boolean; hasReadAllOrders: boolean; currency: string };
    assert.equal(session.shop, SHOP);
    assert.equal(session.installed, true);
    assert.equal(session.hasReadAllOrders, true);
    const offline = await stack.deps.stores.sessions.loadOfflineSession(SHOP);
    assert.ok(offline?.accessToken, 'offline access token stored (encrypted)');
    assert.equal((await stack.deps.stores.shops.get(SHOP))?.timezone, 'Europe/Berlin');
    const resyncs = await stack.runtime.queues.resync.getJobs(['waiting', 'active', 'completed', 'prioritized']);
    assert.equal(resyncs.filter((j) => j.data.shop === SHOP && j.data.requestedBy === 'install').length, 1, 'exactly one first resync');
    assert.ok(await stack.runtime.queues.recalibrate.getJobScheduler(`recalibrate-nightly:${SHOP}`), 'nightly recalibration scheduled');

    await stack.idle(120_000);
    let tagged = 0;
    for (const c of stack.sim.listCustomers(SHOP)) {
      const profile = await stack.deps.stores.profiles.get(SHOP, c.id);
      const ours = c.tags.filter((t) => t.startsWith('seg:')).sort();
      assert.deepEqual(ours, profile?.tagsDesired ?? [], `customer ${c.id} carries the tags its profile wants`);
      if (ours.length) tagged++;
    }
    assert.ok(tagged >= 10, `buyers tagged after the first resync (${tagged})`);
  });

  it('does not exchange again for an installed shop, and refuses a forged token before any exchange', async () => {
    const before = (await stack.runtime.queues.resync.getJobs(['waiting', 'active', 'completed', 'prioritized'])).length;
    const token = stack.sim.mintSessionToken(SHOP, { apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET });
    assert.equal((await get('/api/session', token)).status, 200);
    assert.equal((await stack.runtime.queues.resync.getJobs(['waiting', 'active', 'completed', 'prioritized'])).length, before);
    stack.sim.createShop({ domain: 'other.myshopify.com', plan: 'standard', scopes: ['read_customers'], timezone: 'UTC' });
    const forged = stack.sim.mintSessionToken('other.myshopify.com', { apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: 'not-the-secret' });
    assert.equal((await get('/api/session', forged)).status, 401);
    assert.equal(await stack.deps.stores.shops.isInstalled('other.myshopify.com'), false);
  });

  it('still shows the last resync on the Sync page after BullMQ dropped the completed job', async () => {
    for (const j of await stack.runtime.queues.resync.getJobs(['completed'])) await j.remove();
    const token = stack.sim.mintSessionToken(SHOP, { apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET });
    const sync = (await (await get('/api/sync', token)).json()) as { lastResync: { state: string; requestedBy: string; percent: number; progress: { counts: { customers: number; orders: number } } } | null };
    assert.equal(sync.lastResync?.state, 'completed');
    assert.equal(sync.lastResync?.requestedBy, 'install');
    assert.equal(sync.lastResync?.percent, 100);
    assert.ok((sync.lastResync?.progress.counts.customers ?? 0) > 0 && (sync.lastResync?.progress.counts.orders ?? 0) > 0);
  });
});
