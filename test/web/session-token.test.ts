import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { signSessionToken, verifySessionToken } from '../../web/admin/session-token.ts';
import { issueDownloadTicket, verifyDownloadTicket } from '../../web/admin/download-ticket.ts';
import { csvField } from '../../web/admin/profiles-csv.ts';

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

  it('tolerates 5 seconds of clock skew, not more', async () => {
    const token = await signSessionToken('a-shop.myshopify.com', { ...app, nowSeconds: NOW, ttlSeconds: 60 });
    assert.equal((await verifySessionToken(token, at(NOW + 64))).valid, true);
    assert.equal((await verifySessionToken(token, at(NOW + 66))).valid, false);
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

describe('download tickets', () => {
  it('name the shop until they expire, and cannot be altered', () => {
    const t = issueDownloadTicket('a-shop.myshopify.com', 'sec', 1000, 60_000);
    assert.equal(verifyDownloadTicket(t, 'sec', 2000), 'a-shop.myshopify.com');
    assert.equal(verifyDownloadTicket(t, 'sec', 61_001), null);
    assert.equal(verifyDownloadTicket(t, 'other', 2000), null);
    const forged = Buffer.from(JSON.stringify({ shop: 'b-shop.myshopify.com', exp: 99_999 })).toString('base64url') + '.' + t.split('.')[1];
    assert.equal(verifyDownloadTicket(forged, 'sec', 2000), null);
    assert.equal(verifyDownloadTicket('garbage', 'sec', 2000), null);
  });
});

describe('CSV fields', () => {
  it('quotes separators and defuses spreadsheet formulas', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvField(-5), '-5');
    assert.equal(csvField(null), '');
  });
});

describe('RFM score bands in words', () => {
  it('names every score once, best first, with exact counts where a band holds one value', async () => {
    const { scoreBands } = await import('../../web/admin/thresholds.ts');
    const bands = scoreBands({ cuts: [1, 2, 3, 5], scores: [1, 2, 3, 4, 5] }, (v) => `${v} orders`, (r) => r, true);
    assert.deepEqual(bands.map((b) => b.score), [5, 4, 3, 2, 1]);
    assert.deepEqual(bands.map((b) => b.range), ['more than 5 orders', 'more than 3 orders, up to 5 orders', 'exactly 3 orders', 'exactly 2 orders', 'up to 1 orders']);
  });
});
