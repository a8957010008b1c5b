import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { signSessionToken, verifySessionToken } from '../../web/admin/session-token.ts';

const app = { apiKey: 'key-1', apiSecret: 'secret-1' };
const NOW = 1_790_000_000;
const at = (s: number) => ({ ...app, now: () => s });
const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setAudience(app.apiKey).setIssuedAt(NOW).setNotBefore(NOW).setExpirationTime(NOW + 60).sign(new TextEncoder().encode(app.apiSecret));

describe('session tokens', () => {
  it('accepts a token App Bridge would send and takes the shop from dest', async () => {
    const token = await signSessionToken('a-shop.myshopify.com', { ...app, nowSeconds: NOW });
    assert.deepEqual(await verifySessionToken(token, at(NOW + 10)), { valid: true, shop: 'a-shop.myshopify.com', userId: '1' });
  });

  it('gives the reason for every refusal', async () => {
    const token = await signSessionToken('a-shop.myshopify.com', { ...app, nowSeconds: NOW });
    assert.deepEqual(await verifySessionToken(null, at(NOW)), { valid: false, reason: 'missing_token' });
    assert.deepEqual(await verifySessionToken(token, at(NOW + 120)), { valid: false, reason: 'expired' });
    assert.deepEqual(await verifySessionToken(token, at(NOW - 120)), { valid: false, reason: 'not_yet_valid' });
    assert.deepEqual(await verifySessionToken(token, { ...at(NOW), apiKey: 'other' }), { valid: false, reason: 'wrong_audience' });
    assert.deepEqual(await verifySessionToken(token, { ...at(NOW), apiSecret: 'other' }), { valid: false, reason: 'bad_signature' });
    assert.deepEqual(await verifySessionToken('not.a.jwt', at(NOW)), { valid: false, reason: 'malformed' });
  });

  it('tolerates 10 seconds of clock skew (as @shopify/shopify-api), not more', async () => {
    const token = await signSessionToken('a-shop.myshopify.com', { ...app, nowSeconds: NOW, ttlSeconds: 60 });
    assert.equal((await verifySessionToken(token, at(NOW + 69))).valid, true);
    assert.equal((await verifySessionToken(token, at(NOW + 71))).valid, false);
    assert.equal((await verifySessionToken(token, at(NOW - 9))).valid, true, 'nbf 9 s ahead of our clock');
    assert.equal((await verifySessionToken(token, at(NOW - 11))).valid, false);
  });

  it('refuses a dest that is not a shop, an issuer on another shop, and a missing dest', async () => {
    const check = async (claims: Record<string, unknown>) => verifySessionToken(await sign(claims), at(NOW));
    assert.deepEqual(await check({ dest: 'https://example.com' }), { valid: false, reason: 'bad_claims' });
    assert.deepEqual(await check({ dest: 'http://a-shop.myshopify.com' }), { valid: false, reason: 'bad_claims' });
    assert.deepEqual(await check({ dest: 'https://a-shop.myshopify.com', iss: 'https://b-shop.myshopify.com/admin' }), { valid: false, reason: 'bad_claims' });
    assert.deepEqual(await check({}), { valid: false, reason: 'bad_claims' });
    assert.equal((await check({ dest: 'https://a-shop.myshopify.com', iss: 'https://a-shop.myshopify.com/admin' })).valid, true);
  });
});
