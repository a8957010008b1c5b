// A CSV download is a plain link (the browser streams it to disk), and a link cannot carry the
// Authorization header. So an authenticated call first gets a ticket: a JWT (jose, HS256) naming the
// shop, for one purpose (a CSV download: the profiles or a segment's members), expiring 60 s ahead.
// It is signed with a key derived from the app secret for tickets only, and its audience is the
// purpose, so a ticket is never a session token and a session token is never a ticket. The ticket
// names the shop; nothing else in the URL is trusted.
import { createHmac } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { SHOP_DOMAIN } from '../../src/shopify/shop-domain.ts';

const PURPOSE = 'csv-download';
const ticketKey = (secret: string) => createHmac('sha256', secret).update(`download-ticket:${PURPOSE}`).digest();

export async function issueDownloadTicket(shop: string, secret: string, nowMs: number, ttlMs = 60_000): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(shop)
    .setAudience(PURPOSE)
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(Math.floor((nowMs + ttlMs) / 1000))
    .sign(ticketKey(secret));
}

/** The shop the ticket names, or null when it is forged, altered, expired or for another purpose. */
export async function verifyDownloadTicket(ticket: string, secret: string, nowMs: number): Promise<string | null> {
  try {
    const { payload } = await jwtVerify(ticket, ticketKey(secret), { algorithms: ['HS256'], audience: PURPOSE, currentDate: new Date(nowMs), requiredClaims: ['sub', 'exp'] });
    return typeof payload.sub === 'string' && SHOP_DOMAIN.test(payload.sub) ? payload.sub : null;
  } catch {
    return null;
  }
}
