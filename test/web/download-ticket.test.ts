import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { issueDownloadTicket, verifyDownloadTicket } from '../../web/admin/download-ticket.ts';

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
