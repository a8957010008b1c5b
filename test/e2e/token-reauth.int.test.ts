// A dead offline token end to end (web + workers + simulator with the 2027 switch on): the worker marks
// the shop needs-reauth, keeps its work (delayed, no attempt spent), the shop stays installed; when the
// merchant opens the app the token is exchanged again and the work runs. A stored non-expiring token
// is never used: the 2027 switch refuses its migration, and the next admin open replaces it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '@shopify/shopify-api';
import type { LocalStack } from '../../scripts/local-stack.ts';
import { offlineSessionId } from '../../src/profiles/session-store.ts';
import { AuthStats } from '../../src/shopify/offline-tokens.ts';
import { openE2eStack, type E2eStack } from './stack.ts';

const SHOP = 'reauth.myshopify.com';
const AS_OF = Date.parse('2026-11-20T00:00:00Z');

describe('dead offline token: needs-reauth, work kept, recovery on the next admin open', () => {
  let e2e: E2eStack;
  let stack: LocalStack;
  let stats: AuthStats;

  before(async () => {
    e2e = await openE2eStack(import.meta.url, { asOf: AS_OF, seed: 31 });
    stack = e2e.stack;
    stats = new AuthStats(stack.deps.redis, stack.deps.shopKeys);
    stack.sim.createShop({ domain: SHOP, plan: 'standard', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], timezone: 'UTC', currency: 'USD' });
    stack.sim.seedSynthetic(SHOP, { customers: 20, seed: 4, asOf: AS_OF - 3_600_000, maxOrdersPerCustomer: 3 });
    stack.sim.registerApp({ apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET, webhookAddress: `${stack.appUrl}/webhooks` });
  });
  after(async () => { await e2e?.close(); });

  const openApp = async () => {
    const token = stack.sim.mintSessionToken(SHOP, { apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET });
    const res = await fetch(`${stack.appUrl}/api/session`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as { installed: boolean; needsReauth: { since: string; reason: string } | null };
  };
  const supportStatus = async () => {
    const res = await fetch(`${stack.appUrl}/support/shops/${SHOP}/status`, { headers: { authorization: `Bearer ${stack.config.SUPPORT_TOKEN}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as { installed: boolean; auth: { needsReauth: { reason: string } | null; reexchanges: number; refreshFailures: number } };
  };
  /** Waits (bounded) until the job reaches one of these states. */
  const stateOf = async (id: string, want: string[]): Promise<string> => {
    for (let i = 0; i < 300; i++) {
      const state = await (await stack.runtime.queues.resync.getJob(id))!.getState();
      if (want.includes(state)) return state;
      await new Promise((r) => setTimeout(r, 100));
    }
    return (await (await stack.runtime.queues.resync.getJob(id))!.getState());
  };

  it('installs with an expiring token; a revoked token parks the resync, marks needs-reauth, not uninstalled', async () => {
    await openApp();
    await stack.idle(120_000);
    assert.equal(stack.sim.stats(SHOP).auth.exchangesNonExpiring, 0, 'only expiring tokens were asked for');

    stack.sim.revokeTokens(SHOP, stack.config.SHOPIFY_API_KEY);
    const job = await stack.runtime.enqueue.resyncShop(SHOP, 'support');
    assert.equal(await stateOf(job.id!, ['delayed', 'failed', 'completed']), 'delayed', 'the work waits');
    const parked = (await stack.runtime.queues.resync.getJob(job.id!))!;
    assert.equal(parked.attemptsMade, 0, 'no attempt spent');
    const doc = await stack.deps.stores.shops.get(SHOP);
    assert.ok(doc?.needsReauthAt, 'needs-reauth recorded');
    assert.equal(await stack.deps.stores.shops.isInstalled(SHOP), true, 'a dead token is not an uninstall');
    assert.ok(await stack.deps.stores.sessions.loadOfflineSession(SHOP), 'the session is kept');
    const status = await supportStatus();
    assert.equal(status.installed, true);
    assert.ok(status.auth.needsReauth?.reason);
    assert.equal(status.auth.refreshFailures, 1);

    // The merchant opens the app: a new token exchange, the waiting resync runs at once (it would
    // otherwise wait 10 minutes for its next check).
    const session = await openApp();
    assert.equal(session.needsReauth, null);
    assert.equal(await stateOf(job.id!, ['completed', 'failed']), 'completed');
    assert.equal((await stats.read(SHOP)).reexchanges, 1);
    assert.equal((await supportStatus()).auth.needsReauth, null);
  });

  it('a stored non-expiring token is never used with the 2027 switch on; the next admin open replaces it', async () => {
    // The tokens the worker holds stop working; what is stored is an old non-expiring token.
    stack.sim.revokeTokens(SHOP, stack.config.SHOPIFY_API_KEY);
    const legacy = stack.sim.installApp({ shop: SHOP, apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET, webhookAddress: `${stack.appUrl}/webhooks` }).accessToken;
    await stack.deps.stores.sessions.storeSession(new Session({ id: offlineSessionId(SHOP), shop: SHOP, state: '', isOnline: false, accessToken: legacy, scope: 'read_customers' }));
    const job = await stack.runtime.enqueue.resyncShop(SHOP, 'support');
    assert.equal(await stateOf(job.id!, ['delayed', 'failed', 'completed']), 'delayed');
    assert.match((await stack.deps.stores.shops.get(SHOP))?.needsReauthReason ?? '', /non-expiring/);
    const session = await openApp();
    assert.equal(session.needsReauth, null);
    assert.equal(await stateOf(job.id!, ['completed', 'failed']), 'completed');
    const stored = await stack.deps.stores.sessions.loadOfflineSession(SHOP);
    assert.ok(stored?.expires && stored.refreshToken, 'an expiring pair replaced it');
    assert.equal(stack.sim.stats(SHOP).auth.nonExpiringCalls, 0, 'no Admin API call with a non-expiring token');
  });
});
