// Expiring offline tokens against the simulator, real Redis and FerretDB, with @shopify/shopify-api
// doing the grants: refresh before expiry, refresh after a 401, one refresh for two processes, a lost
// refresh answer recovered, a non-expiring token migrated without ever being used.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '@shopify/shopify-api';
import { startShopifySimulator, type ShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { createShopifyApi, type ShopifyContext } from '../../src/shopify/shopify-api.ts';
import { installFromSessionToken } from '../../src/shopify/install.ts';
import { AdminClients } from '../../src/shopify/admin-clients.ts';
import { AuthStats, OfflineTokens, ShopTokenLock, tokenGrantsFrom, type TokenGrants } from '../../src/shopify/offline-tokens.ts';
import { offlineSessionId } from '../../src/profiles/session-store.ts';
import { makeStores } from '../webhooks/support.ts';
import type { WebhookStores } from '../../webhooks/types.ts';

const SHOP = 'tokens.myshopify.com';
const KEY = 'tok-api-key';
const SECRET = 'tok-api-secret';
const MIN = 60_000;
const QUERY = '{ shop { name } }';

describe('expiring offline tokens (OfflineTokens)', () => {
  let s: TestServices;
  let sim: ShopifySimulator;
  let ctx: ShopifyContext;
  let stores: WebhookStores;
  // The simulator's clock and the app's run ahead of real time by these offsets (the library stamps
  // session expiry with the real clock).
  let simAhead = 0;
  let appAhead = 0;

  before(async () => {
    s = await openTestServices(import.meta.url);
    sim = await startShopifySimulator({ seed: 9, clock: { now: () => Date.now() + simAhead } });
    stores = makeStores(s.mongo);
    await Promise.all([stores.sessions.model.init(), stores.shops.model.init()]);
    sim.createShop({ domain: SHOP, plan: 'standard', scopes: ['read_customers', 'write_customers', 'read_orders'], timezone: 'UTC', name: 'Tokens' });
    sim.registerApp({ apiKey: KEY, apiSecret: SECRET });
    ctx = createShopifyApi({
      SHOPIFY_API_KEY: KEY, SHOPIFY_API_SECRET: SECRET, SHOPIFY_APP_URL: 'https://segments.example.com',
      SHOPIFY_API_VERSION: '2026-10', NODE_ENV: 'test', SHOPIFY_API_ORIGIN: sim.url,
    }, testLogger);
  });
  after(async () => {
    await sim?.close();
    await s?.close();
  });

  /** The library stamps expiry with the real clock; as if it ran on the app's clock. */
  const onAppClock = (g: TokenGrants): TokenGrants => {
    const shift = (x: Session) => {
      if (x.expires) x.expires = new Date(x.expires.getTime() + appAhead);
      if (x.refreshTokenExpires) x.refreshTokenExpires = new Date(x.refreshTokenExpires.getTime() + appAhead);
      return x;
    };
    return { refresh: async (shop, t) => shift(await g.refresh(shop, t)), migrate: async (shop, t) => shift(await g.migrate(shop, t)) };
  };

  /** One "process": its own Redis connection, token cache and clients. */
  function processOf(grants: TokenGrants = tokenGrantsFrom(ctx), o: { grantAttempts?: number } = {}) {
    const redis = s.redis();
    const tokens = new OfflineTokens({
      sessions: stores.sessions, shops: stores.shops, grants: onAppClock(grants), logger: testLogger, now: () => Date.now() + appAhead,
      lock: new ShopTokenLock(redis, s.queuePrefix), stats: new AuthStats(redis, s.queuePrefix), sleep: async () => undefined, ...o,
    });
    return { tokens, clients: new AdminClients({ tokens, fetch: ctx.fetch, apiVersion: ctx.apiVersion, logger: testLogger }) };
  }
  async function freshInstall(): Promise<void> {
    simAhead = 0;
    appAhead = 0;
    await installFromSessionToken({ shopify: ctx, sessions: stores.sessions, shops: stores.shops, logger: testLogger }, SHOP, sim.mintSessionToken(SHOP, { apiKey: KEY }));
  }
  const auth = () => sim.stats(SHOP).auth;

  it('token exchange asks for an expiring token and stores the pair encrypted', async () => {
    await freshInstall();
    const session = await stores.sessions.loadOfflineSession(SHOP);
    assert.ok(session?.expires && session.refreshToken && session.refreshTokenExpires, 'expiry, refresh token and its expiry stored');
    assert.ok(Math.abs(session.expires.getTime() - Date.now() - 60 * MIN) < MIN, 'Shopify’s 60-minute lifetime');
    const raw = await stores.sessions.model.findOne({ sessionId: offlineSessionId(SHOP) }).lean();
    assert.ok(raw?.refreshTokenSealed?.startsWith('v2.') && !JSON.stringify(raw).includes(session.refreshToken));
    assert.equal(auth().exchangesNonExpiring, 0);
  });

  it('refreshes before expiry: no call is ever refused for an expired token', async () => {
    await freshInstall();
    const before = auth();
    appAhead = 56 * MIN; // 4 minutes left: inside the 5-minute margin
    const { clients } = processOf();
    const { data } = await (await clients.forShop(SHOP)).request<{ shop: { name: string } }>(QUERY);
    assert.equal(data.shop.name, 'Tokens');
    assert.equal(auth().refreshes - before.refreshes, 1);
    assert.equal(auth().expiredCalls - before.expiredCalls, 0);
    const stored = await stores.sessions.loadOfflineSession(SHOP);
    assert.ok(sim.simulator.authenticate(stored!.accessToken!), 'the new pair was stored');
  });

  it('refreshes after a 401 and retries the request', async () => {
    await freshInstall();
    const { clients } = processOf();
    const client = await clients.forShop(SHOP);
    const before = auth();
    simAhead = 61 * MIN; // Shopify's clock says the token expired; ours does not know yet
    const { data } = await client.request<{ shop: { name: string } }>(QUERY);
    assert.equal(data.shop.name, 'Tokens');
    assert.equal(auth().expiredCalls - before.expiredCalls, 1, 'one call refused');
    assert.equal(auth().refreshes - before.refreshes, 1, 'one refresh, then the retry succeeded');
  });

  it('two processes needing a refresh at once: exactly one refresh grant, both use its pair', async () => {
    await freshInstall();
    const before = auth();
    // A slow token endpoint, so the two renewals overlap.
    const slow: TokenGrants = { ...tokenGrantsFrom(ctx), refresh: async (shop, token) => { await new Promise((r) => setTimeout(r, 300)); return tokenGrantsFrom(ctx).refresh(shop, token); } };
    const a = processOf(slow);
    const b = processOf(slow);
    appAhead = 57 * MIN;
    const answers = await Promise.all([a, b].map(async (p) => (await p.clients.forShop(SHOP)).request<{ shop: { name: string } }>(QUERY)));
    assert.deepEqual(answers.map((r) => r.data.shop.name), ['Tokens', 'Tokens']);
    assert.equal(auth().refreshes - before.refreshes, 1, 'one refresh grant at Shopify');
    assert.equal(await a.tokens.current(SHOP), await b.tokens.current(SHOP));
  });

  it('recovers a lost refresh answer with the stored refresh token', async () => {
    await freshInstall();
    const before = auth();
    sim.setAuthBehaviour({ loseRefreshAnswers: 1 });
    appAhead = 58 * MIN;
    const { clients } = processOf();
    const { data } = await (await clients.forShop(SHOP)).request<{ shop: { name: string } }>(QUERY);
    assert.equal(data.shop.name, 'Tokens');
    const now = auth();
    assert.equal(now.lostRefreshAnswers - before.lostRefreshAnswers, 1, 'the first answer was lost');
    assert.equal(now.refreshRetries - before.refreshRetries, 1, 'the same refresh token was tried again');
    assert.equal((await stores.shops.get(SHOP))?.needsReauthAt ?? null, null, 'not mistaken for a dead token');
    // The pair stored after the recovery keeps rotating.
    appAhead = 2 * 58 * MIN;
    simAhead = 58 * MIN;
    const later = processOf();
    await (await later.clients.forShop(SHOP)).request(QUERY);
    assert.equal(auth().refreshes - now.refreshes, 1);
    assert.equal(auth().refreshRejected - before.refreshRejected, 0);
  });

  it('migrates a stored non-expiring token without ever calling the Admin API with it', async () => {
    await freshInstall();
    const legacy = sim.installApp({ shop: SHOP, apiKey: KEY, apiSecret: SECRET }).accessToken;
    await stores.sessions.storeSession(new Session({ id: offlineSessionId(SHOP), shop: SHOP, state: '', isOnline: false, accessToken: legacy, scope: 'read_customers' }));
    const before = auth();
    const { clients } = processOf();
    await (await clients.forShop(SHOP)).request(QUERY);
    assert.equal(auth().migrations - before.migrations, 1);
    assert.equal(auth().nonExpiringCalls - before.nonExpiringCalls, 0, 'the non-expiring token was never used');
    const stored = await stores.sessions.loadOfflineSession(SHOP);
    assert.ok(stored?.expires && stored.refreshToken);
  });

  it('a renewed token refused within seconds of its expiry, or replaced meanwhile, is no dead shop; one refused with time left is', async () => {
    await freshInstall();
    const { tokens } = processOf();
    const stored = (await stores.sessions.loadOfflineSession(SHOP))!;
    appAhead = 60 * MIN - 2000; // by our clock: 2 s left (a wait for the bucket, a loaded machine)
    assert.equal((await tokens.rejected(SHOP, stored.accessToken!)).name, 'ShopifyTransientError');
    appAhead = 0;
    assert.equal((await tokens.rejected(SHOP, 'a-token-replaced-since')).name, 'ShopifyTransientError');
    assert.equal((await stores.shops.get(SHOP))?.needsReauthAt ?? null, null, 'not marked needs-reauth');
    assert.equal((await tokens.rejected(SHOP, stored.accessToken!)).name, 'ShopifyReauthRequiredError', '60 minutes left: refused for real');
    assert.ok((await stores.shops.get(SHOP))?.needsReauthAt, 'marked needs-reauth');
  });
});
