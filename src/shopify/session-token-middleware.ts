// Admin API authentication for the embedded app: App Bridge sends a session token (HS256 JWT signed
// with the app secret) as `Authorization: Bearer …` (or `id_token` on the first document load).
// We check the signature, exp/nbf (10 s clock tolerance), aud = our API key (all via the library's
// decodeSessionToken) and that dest and iss name the same *.myshopify.com shop. On failure: 401 with
// X-Shopify-Retry-Invalid-Session-Request so App Bridge retries with a fresh token.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Shopify } from '@shopify/shopify-api';
import type { Logger } from '../logger.ts';

const SHOP_HOST = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export interface VerifiedSessionToken {
  shop: string;
  /** The staff user (sub), when present. */
  userId: string | null;
  sessionId: string | null;
  /** The raw token, for token exchange. Never log it. */
  token: string;
}

export type SessionTokenCheck = { valid: true; session: VerifiedSessionToken } | { valid: false; reason: string };

export async function verifySessionToken(shopify: Shopify, token: string): Promise<SessionTokenCheck> {
  let payload: Awaited<ReturnType<Shopify['session']['decodeSessionToken']>>;
  try {
    payload = await shopify.session.decodeSessionToken(token);
  } catch {
    return { valid: false, reason: 'signature, audience or lifetime invalid' };
  }
  let dest: URL;
  let iss: URL;
  try {
    dest = new URL(payload.dest);
    iss = new URL(payload.iss);
  } catch {
    return { valid: false, reason: 'dest/iss are not URLs' };
  }
  const shop = dest.hostname.toLowerCase();
  if (dest.protocol !== 'https:' || !SHOP_HOST.test(shop)) return { valid: false, reason: 'dest is not a myshopify.com shop' };
  if (iss.hostname.toLowerCase() !== shop) return { valid: false, reason: 'iss and dest name different shops' };
  return { valid: true, session: { shop, userId: payload.sub ?? null, sessionId: payload.sid ?? null, token } };
}

export interface SessionTokenMiddlewareOptions {
  shopify: Shopify;
  logger: Logger;
  /** Runs after a valid token, e.g. ensureInstalled (token exchange on first use). */
  onVerified?: (session: VerifiedSessionToken) => Promise<void>;
}

declare module 'express-serve-static-core' {
  interface Locals {
    sessionToken?: VerifiedSessionToken;
  }
}

export function createSessionTokenMiddleware(opts: SessionTokenMiddlewareOptions): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : typeof req.query.id_token === 'string' ? req.query.id_token : null;
    const reject = (reason: string) => {
      opts.logger.info({ reason, path: req.path }, 'session token rejected');
      res.setHeader('X-Shopify-Retry-Invalid-Session-Request', '1');
      res.status(401).json({ error: 'invalid session token' });
    };
    if (!token) return reject('missing');
    const check = await verifySessionToken(opts.shopify, token);
    if (!check.valid) return reject(check.reason);
    try {
      await opts.onVerified?.(check.session);
    } catch (err) {
      return next(err);
    }
    res.locals.sessionToken = check.session;
    return next();
  };
}
