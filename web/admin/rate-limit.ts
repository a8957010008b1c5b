// Admin API rate limit per shop (not per IP: every merchant's browser reaches us through Shopify's
// admin, and one busy shop must not slow down the others). rate-limiter-flexible's RateLimiterRedis
// counts in the Redis the app already runs (one atomic Lua script per request), so every web process
// shares the same budget. The window (`<prefix>:ratelimit:<shop>`) stays under the plain prefix, one slot
// on a cluster (src/redis.ts): merchant admin requests are few (a dashboard load, a settings save), and
// each is one command on one key. Shop erasure deletes it (Enqueuer.shopErased).
import type { Redis } from 'ioredis';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { shopOf } from './session-token.ts';

export interface RateLimitOptions {
  redis: Redis;
  keyPrefix: string;
  /** Requests allowed per shop per window. */
  limit: number;
  windowSeconds: number;
}

export function rateLimitPerShop(opts: RateLimitOptions): RequestHandler {
  const limiter = new RateLimiterRedis({ storeClient: opts.redis, keyPrefix: `${opts.keyPrefix}:ratelimit`, points: opts.limit, duration: opts.windowSeconds });
  return async (_req: Request, res: Response, next: NextFunction) => {
    // consume() rejects with a RateLimiterRes when the budget is spent, with an Error when Redis fails
    // (that one goes on to the error handler, as any other store failure).
    const outcome = await limiter.consume(shopOf(res)).catch((e: unknown) => {
      if (e instanceof RateLimiterRes) return e;
      throw e;
    });
    res.set('RateLimit-Limit', String(opts.limit));
    res.set('RateLimit-Remaining', String(Math.max(0, outcome.remainingPoints)));
    if (outcome.consumedPoints > opts.limit) {
      const retryAfter = Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
      res.set('Retry-After', String(retryAfter));
      res.status(429).json({ error: 'rate_limited', retryAfterSeconds: retryAfter });
      return;
    }
    next();
  };
}
