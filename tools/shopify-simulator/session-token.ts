// App Bridge session tokens: HS256 JWTs signed with the app's client secret (shopify.dev "Session tokens").
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export interface SessionTokenClaims {
  iss: string;
  dest: string;
  aud: string;
  sub: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  sid: string;
}

const b64url = (buf: Buffer | string): string => Buffer.from(buf).toString('base64url');

export function signSessionToken(claims: SessionTokenClaims, secret: string): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export function sessionTokenClaims(domain: string, apiKey: string, nowMs: number, ttlSeconds: number, userId: string): SessionTokenClaims {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: `https://${domain}/admin`, dest: `https://${domain}`, aud: apiKey, sub: userId,
    exp: iat + ttlSeconds, nbf: iat, iat, jti: randomUUID(), sid: randomUUID(),
  };
}

export type SessionTokenCheck =
  | { valid: true; claims: SessionTokenClaims; shop: string }
  | { valid: false; reason: string };

/** Reads claims without verifying (to find which secret to verify with). */
export function peekClaims(token: string): Partial<SessionTokenClaims> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Partial<SessionTokenClaims>;
  } catch {
    return null;
  }
}

/** Verifies signature (HS256 only), expiry/not-before with Shopify's library's 10 s tolerance, and audience. */
export function verifySessionToken(token: string, secret: string, apiKey: string, nowMs: number): SessionTokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { valid: false, reason: 'malformed token' };
  const [head, body, sig] = parts as [string, string, string];
  let header: { alg?: string };
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
  } catch {
    return { valid: false, reason: 'malformed header' };
  }
  if (header.alg !== 'HS256') return { valid: false, reason: 'unsupported alg' };
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'bad signature' };
  const claims = peekClaims(token) as SessionTokenClaims | null;
  if (!claims) return { valid: false, reason: 'malformed claims' };
  const now = Math.floor(nowMs / 1000);
  const tolerance = 10;
  if (typeof claims.exp !== 'number' || now > claims.exp + tolerance) return { valid: false, reason: 'token expired' };
  if (typeof claims.nbf === 'number' && now + tolerance < claims.nbf) return { valid: false, reason: 'token not yet valid' };
  if (claims.aud !== apiKey) return { valid: false, reason: 'audience mismatch' };
  const m = /^https:\/\/([a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com)$/.exec(claims.dest ?? '');
  if (!m) return { valid: false, reason: 'bad dest' };
  return { valid: true, claims, shop: (m[1] as string).toLowerCase() };
}
