// App Bridge session tokens: every admin API call carries one (`Authorization: Bearer <jwt>`). The
// shop is taken from the verified token only — never from a query parameter or body — so a token
// for shop A can never read shop B. Checks follow Shopify's "session token" docs and the official
// library: HS256 with the app secret, aud = API key, exp/nbf with a few seconds of clock skew, and
// iss on the same shop as dest.
import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SHOP_DOMAIN } from '../../src/shopify/shop-domain.ts';

/**
 * Clock skew allowed between Shopify's servers and ours: 10 s, as @shopify/shopify-api
 * (lib/session/decode-session-token: JWT_PERMITTED_CLOCK_TOLERANCE = 10).
 */
export const CLOCK_TOLERANCE_S = 10;
/** The header App Bridge looks for to retry a request with a fresh session token (@shopify/shopify-app-express const.ts). */
export const RETRY_INVALID_SESSION_HEADER = 'X-Shopify-Retry-Invalid-Session-Request';

export type SessionTokenResult =
  | { valid: true; shop: string; userId: string | null }
  | { valid: false; reason: 'missing_token' | 'bad_signature' | 'expired' | 'not_yet_valid' | 'wrong_audience' | 'bad_claims' | 'malformed' };

export interface SessionTokenOptions {
  apiKey: string;
  apiSecret: string;
  /** Seconds since epoch; tests pin it. */
  now?: () => number;
}

function hostOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' ? u.hostname : null;
  } catch {
    return null;
  }
}

export async function verifySessionToken(token: string | null, opts: SessionTokenOptions): Promise<SessionTokenResult> {
  if (!token) return { valid: false, reason: 'missing_token' };
  const key = new TextEncoder().encode(opts.apiSecret);
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      audience: opts.apiKey,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: opts.now ? new Date(opts.now() * 1000) : undefined,
      requiredClaims: ['exp', 'dest'],
    });
    const shop = hostOf(payload.dest);
    const issuer = hostOf(payload.iss);
    if (!shop || !SHOP_DOMAIN.test(shop) || (issuer !== null && issuer !== shop)) return { valid: false, reason: 'bad_claims' };
    return { valid: true, shop, userId: typeof payload.sub === 'string' ? payload.sub : null };
  } catch (err) {
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { valid: false, reason: 'bad_signature' };
    if (err instanceof joseErrors.JWTExpired) return { valid: false, reason: 'expired' };
    if (err instanceof joseErrors.JWTClaimValidationFailed) {
      if (err.claim === 'aud') return { valid: false, reason: 'wrong_audience' };
      if (err.claim === 'nbf') return { valid: false, reason: 'not_yet_valid' };
      return { valid: false, reason: 'bad_claims' };
    }
    return { valid: false, reason: 'malformed' };
  }
}

/** Signs a token with the same claims App Bridge would send. Demo mode and tests only. */
export async function signSessionToken(shop: string, opts: { apiKey: string; apiSecret: string; ttlSeconds?: number; nowSeconds?: number; userId?: string }): Promise<string> {
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ dest: `https://${shop}`, sid: `demo-${now}` })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(`https://${shop}/admin`)
    .setAudience(opts.apiKey)
    .setSubject(opts.userId ?? '1')
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (opts.ttlSeconds ?? 60))
    .setJti(`${shop}-${now}-${Math.random().toString(36).slice(2)}`)
    .sign(new TextEncoder().encode(opts.apiSecret));
}

export function bearerToken(req: Request): string | null {
  const h = req.get('authorization');
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m ? m[1]! : null;
}

/** Where the verified shop lives on the request after `requireSessionToken`. */
export function shopOf(res: Response): string {
  const shop = res.locals.shop as unknown;
  if (typeof shop !== 'string') throw new Error('requireSessionToken did not run before this handler');
  return shop;
}

export function requireSessionToken(opts: SessionTokenOptions): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const result = await verifySessionToken(bearerToken(req), opts);
    if (!result.valid) {
      // App Bridge retries once with a fresh token when it sees this header (Shopify's convention).
      res.set(RETRY_INVALID_SESSION_HEADER, '1');
      res.status(401).json({ error: 'unauthorized', reason: result.reason });
      return;
    }
    res.locals.shop = result.shop;
    next();
  };
}
