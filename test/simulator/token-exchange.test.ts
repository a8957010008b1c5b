import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signSessionToken } from '../../tools/shopify-simulator/index.ts';
import { startHarness, SHOP, API_KEY, API_SECRET } from './helpers.ts';
import type { Harness } from './helpers.ts';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
const OFFLINE = 'urn:shopify:params:oauth:token-type:offline-access-token';
const ONLINE = 'urn:shopify:params:oauth:token-type:online-access-token';

describe('simulator token exchange', () => {
  let h: Harness;
  const NEW_SHOP = 'fresh.myshopify.com';
  before(async () => {
    h = await startHarness();
    h.sim.createShop({ domain: NEW_SHOP, plan: 'plus' });
  });
  after(() => h.sim.close());

  async function exchange(body: Record<string, string>, path = '/admin/oauth/access_token'): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${h.sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }
  const base = (subject: string, requested = OFFLINE): Record<string, string> => ({
    client_id: API_KEY, client_secret: API_SECRET, grant_type: GRANT, subject_token: subject, subject_token_type: ID_TOKEN, requested_token_type: requested,
  });

  it('exchanges a session token for an offline token that works on the Admin API (installing the app)', async () => {
    const token = h.sim.mintSessionToken(NEW_SHOP, { apiKey: API_KEY });
    const { status, json } = await exchange(base(token));
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(json).sort(), ['access_token', 'scope']);
    assert.equal(json.scope, 'read_customers,write_customers,read_orders');
    const { status: s, body } = await h.gql('{ shop { myshopifyDomain plan { displayName } } }', {}, { token: String(json.access_token) });
    assert.equal(s, 200);
    assert.deepEqual(body.data?.shop, { myshopifyDomain: NEW_SHOP, plan: { displayName: 'Shopify Plus' } });
  });

  it('issues online tokens with the associated user and expiry', async () => {
    const { status, json } = await exchange(base(h.sim.mintSessionToken(SHOP, { apiKey: API_KEY, userId: '42' }), ONLINE));
    assert.equal(status, 200);
    assert.equal(json.expires_in, 86399);
    assert.equal((json.associated_user as { id: number }).id, 42);
  });

  it('rejects a token signed with another secret, an expired token and a wrong audience', async () => {
    const forged = h.sim.mintSessionToken(SHOP, { apiKey: API_KEY, apiSecret: 'not-the-secret' });
    assert.equal((await exchange(base(forged))).json.error, 'invalid_subject_token');
    const expired = h.sim.mintSessionToken(SHOP, { apiKey: API_KEY, ttlSeconds: 60 });
    h.clock.advance(71_000); // past exp + Shopify's 10 s tolerance
    assert.equal((await exchange(base(expired))).json.error, 'invalid_subject_token');
    const now = Math.floor(h.clock.now() / 1000);
    const otherAud = signSessionToken({ iss: `https://${SHOP}/admin`, dest: `https://${SHOP}`, aud: 'someone-else', sub: '1', exp: now + 60, nbf: now, iat: now, jti: 'j', sid: 's' }, API_SECRET);
    const res = await exchange(base(otherAud));
    assert.equal(res.status, 400);
    assert.match(String(res.json.error_description), /audience/);
    // Shopify tolerates 10 s of clock skew past `exp`: 5 s late is still accepted.
    const late = h.sim.mintSessionToken(SHOP, { apiKey: API_KEY, ttlSeconds: 60 });
    h.clock.advance(65_000);
    assert.equal((await exchange(base(late))).status, 200);
  });

  it('rejects wrong client credentials and a wrong grant type', async () => {
    const token = h.sim.mintSessionToken(SHOP, { apiKey: API_KEY });
    const bad = await exchange({ ...base(token), client_secret: 'nope' });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error, 'invalid_client');
    assert.equal((await exchange({ ...base(token), grant_type: 'authorization_code' })).json.error, 'unsupported_grant_type');
  });

  it('accepts form-encoded bodies and refuses a token for another shop than the one named in the path', async () => {
    const token = h.sim.mintSessionToken(SHOP, { apiKey: API_KEY });
    const form = await fetch(`${h.sim.url}/admin/oauth/access_token`, { method: 'POST', body: new URLSearchParams(base(token)) });
    assert.equal(form.status, 200);
    await form.arrayBuffer();
    const cross = await exchange(base(token), `/shops/${NEW_SHOP}/admin/oauth/access_token`);
    assert.equal(cross.status, 400);
  });
});
