import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { issueDownloadTicket, verifyDownloadTicket } from '../../web/admin/download-ticket.ts';

describe('download tickets', () => {
  it('name the shop until they expire, and cannot be altered', async () => {
    const t = await issueDownloadTicket('a-shop.myshopify.com', 'sec', 1000, 60_000);
    assert.equal(await verifyDownloadTicket(t, 'sec', 2000), 'a-shop.myshopify.com');
    assert.equal(await verifyDownloadTicket(t, 'sec', 61_001), null);
    assert.equal(await verifyDownloadTicket(t, 'other', 2000), null);
    const forged = Buffer.from(JSON.stringify({ shop: 'b-shop.myshopify.com', exp: 99_999 })).toString('base64url') + '.' + t.split('.')[1];
    assert.equal(await verifyDownloadTicket(forged, 'sec', 2000), null);
    assert.equal(await verifyDownloadTicket('garbage', 'sec', 2000), null);
  });

  it('are JWTs bound to the shop and the download: another payload under the same signature, or a token for another purpose, is refused', async () => {
    const t = await issueDownloadTicket('a-shop.myshopify.com', 'sec', 1000, 60_000);
    const [header, payload, signature] = t.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims.sub, 'a-shop.myshopify.com');
    const otherShop = Buffer.from(JSON.stringify({ ...claims, sub: 'b-shop.myshopify.com' })).toString('base64url');
    assert.equal(await verifyDownloadTicket(`${header}.${otherShop}.${signature}`, 'sec', 2000), null);
    // A session token (signed with the app secret itself, audience = the app's key) is not a ticket.
    const sessionToken = await new SignJWT({ dest: 'https://a-shop.myshopify.com' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a-shop.myshopify.com').setAudience('csv-download').setExpirationTime(99).sign(new TextEncoder().encode('sec'));
    assert.equal(await verifyDownloadTicket(sessionToken, 'sec', 2000), null);
  });
});
