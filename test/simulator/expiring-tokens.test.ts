// The simulator's expiring offline tokens (tools/shopify-simulator/access-tokens.ts): expiry after the
// configured lifetime, the refresh grant rotating refresh tokens, the previous refresh token kept until
// its replacement is used, lost answers, revocation, migration and the 2027 switch.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, SHOP, API_KEY, API_SECRET } from './helpers.ts';
import type { Harness } from './helpers.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
const OFFLINE = 'urn:shopify:params:oauth:token-type:offline-access-token';

interface Pair { access_token: string; expires_in: number; refresh_token: string; refresh_token_expires_in: number; scope: string }

describe('simulator expiring offline tokens', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(() => h.sim.close());

  async function post(body: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${h.sim.url}/admin/oauth/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }
  const exchangeExpiring = async (): Promise<Pair> => {
    const { status, json } = await post({
      client_id: API_KEY, client_secret: API_SECRET, grant_type: GRANT, subject_token: h.sim.mintSessionToken(SHOP, { apiKey: API_KEY }),
      subject_token_type: ID_TOKEN, requested_token_type: OFFLINE, expiring: '1',
    });
    assert.equal(status, 200);
    return json as unknown as Pair;
  };
  const refresh = (token: string) => post({ client_id: API_KEY, client_secret: API_SECRET, grant_type: 'refresh_token', refresh_token: token });
  const works = async (token: string) => (await h.gql('{ shop { name } }', {}, { token })).status === 200;

  it('issues an expiring pair (expires_in, refresh_token, refresh_token_expires_in) that expires after the lifetime', async () => {
    h.sim.setAuthBehaviour({ accessTokenLifetimeMs: 5000 });
    const pair = await exchangeExpiring();
    assert.deepEqual(Object.keys(pair).sort(), ['access_token', 'expires_in', 'refresh_token', 'refresh_token_expires_in', 'scope']);
    assert.equal(pair.expires_in, 5);
    assert.equal(pair.refresh_token_expires_in, 90 * 86_400);
    assert.ok(await works(pair.access_token));
    h.clock.advance(5000);
    const { status, body } = await h.gql('{ shop { name } }', {}, { token: pair.access_token });
    assert.equal(status, 401);
    assert.deepEqual(body, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    assert.equal(h.sim.stats(SHOP).auth.expiredCalls, 1);
  });

  it('rotates the refresh token; the used one stays retryable until its replacement is used, then is retired', async () => {
    const r0 = (await exchangeExpiring()).refresh_token;
    const first = await refresh(r0);
    assert.equal(first.status, 200);
    const r1 = String(first.json.refresh_token);
    assert.notEqual(r1, r0);
    assert.ok(await works(String(first.json.access_token)));
    // The answer could have been lost: r0 again gives a new pair (a retry)...
    const retry = await refresh(r0);
    assert.equal(retry.status, 200);
    const r1b = String(retry.json.refresh_token);
    // ...which supersedes the replacement never received.
    assert.equal((await refresh(r1)).status, 400);
    // Using the replacement retires r0.
    assert.equal((await refresh(r1b)).status, 200);
    const dead = await refresh(r0);
    assert.equal(dead.status, 400);
    assert.equal(dead.json.error, 'invalid_grant');
    assert.ok(h.sim.stats(SHOP).auth.refreshRetries >= 1);
  });

  it('can lose a refresh answer after the refresh took effect; the stored token recovers it', async () => {
    const r0 = (await exchangeExpiring()).refresh_token;
    h.sim.setAuthBehaviour({ loseRefreshAnswers: 1 });
    const before = h.sim.stats(SHOP).auth;
    await assert.rejects(refresh(r0), 'the connection drops without an answer');
    const recovered = await refresh(r0);
    assert.equal(recovered.status, 200);
    assert.ok(await works(String(recovered.json.access_token)));
    const after = h.sim.stats(SHOP).auth;
    assert.equal(after.lostRefreshAnswers - before.lostRefreshAnswers, 1);
    assert.equal(after.refreshes - before.refreshes, 2);
  });

  it('revoked tokens: the access token gets 401 and the refresh grant invalid_grant; a new exchange recovers', async () => {
    const pair = await exchangeExpiring();
    h.sim.revokeTokens(SHOP, API_KEY);
    assert.equal(await works(pair.access_token), false);
    const r = await refresh(pair.refresh_token);
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_grant');
    assert.ok(await works((await exchangeExpiring()).access_token));
  });

  it('migrates a non-expiring token once (a retry returns the same pair); the 2027 switch refuses non-expiring tokens', async () => {
    h.sim.setAuthBehaviour({ refuseNonExpiring: false });
    const legacy = h.sim.installApp({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET }).accessToken;
    assert.ok(await works(legacy));
    const migrate = () => post({ client_id: API_KEY, client_secret: API_SECRET, grant_type: GRANT, subject_token: legacy, subject_token_type: OFFLINE, requested_token_type: OFFLINE, expiring: '1' });
    const m = await migrate();
    assert.equal(m.status, 200);
    assert.equal(await works(legacy), false, 'the original token stops working');
    const again = await migrate();
    assert.equal(again.json.access_token, m.json.access_token);
    assert.equal(again.json.refresh_token, m.json.refresh_token);

    const other = h.sim.installApp({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET }).accessToken;
    assert.ok(await works(other));
    h.sim.setAuthBehaviour({ refuseNonExpiring: true });
    assert.equal(await works(other), false);
    assert.ok(h.sim.stats(SHOP).auth.refusedNonExpiring >= 1);
    const refused = await post({ client_id: API_KEY, client_secret: API_SECRET, grant_type: GRANT, subject_token: other, subject_token_type: OFFLINE, requested_token_type: OFFLINE, expiring: '1' });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error, 'invalid_subject_token');
    assert.ok(await works((await exchangeExpiring()).access_token), 'expiring tokens keep working');
    h.sim.setAuthBehaviour({ refuseNonExpiring: false });
  });
});
