// Admin API rate limit per shop (not per IP: every merchant's browser reaches us through Shopify's
// admin, and one busy shop must not slow down the others). A fixed window counter in Redis, so every
// web process shares the same budget.
import type { Redis } from 'ioredis';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { shopOf } from './session-token.ts';

export interface RateLimitOptions {
  redis: Redis;
  keyPrefix: string;
  /** Requests allowed per shop per window. */
  limit: number;
  windowSeconds: number;
}

export function rateLimitPerShop(opts: RateLimitOptions): RequestHandler {
  return async (_req: Request, res: Response, next: NextFunction) => {
    const shop = shopOf(res);
    const window = Math.floor(Date.now() / 1000 / opts.windowSeconds);
    const key = `${opts.keyPrefix}:ratelimit:${shop}:${window}`;
    const [[, count]] = (await opts.redis.multi().incr(key).expire(key, opts.windowSeconds * 2).exec()) as [[Error | null, number], unknown];
    res.set('RateLimit-Limit', String(opts.limit));
    res.set('RateLimit-Remaining', String(Math.max(0, opts.limit - count)));
    if (count > opts.limit) {
      const retryAfter = opts.windowSeconds - (Math.floor(Date.now() / 1000) % opts.windowSeconds);
      res.set('Retry-After', String(retryAfter));
      res.status(429).json({ error: 'rate_limited', retryAfterSeconds: retryAfter });
      return;
    }
    next();
  };
}
