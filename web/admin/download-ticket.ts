// A CSV download is a plain link (the browser streams it to disk), and a link cannot carry the
// Authorization header. So an authenticated call first gets a ticket: the shop and an expiry 60 s
// ahead, signed with the app secret. The ticket names the shop; nothing else in the URL is trusted.
import { createHmac, timingSafeEqual } from 'node:crypto';

const sign = (payload: string, secret: string) => createHmac('sha256', secret).update(`download:${payload}`).digest('base64url');

export function issueDownloadTicket(shop: string, secret: string, nowMs: number, ttlMs = 60_000): string {
  const payload = Buffer.from(JSON.stringify({ shop, exp: nowMs + ttlMs })).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

export function verifyDownloadTicket(ticket: string, secret: string, nowMs: number): string | null {
  const [payload, mac] = ticket.split('.');
  if (!payload || !mac) return null;
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const { shop, exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { shop?: unknown; exp?: unknown };
    return typeof shop === 'string' && typeof exp === 'number' && exp > nowMs ? shop : null;
  } catch {
    return null;
  }
}
