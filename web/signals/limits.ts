// Rate limits of the public signal endpoints, on Redis with rate-limiter-flexible (shared by every web
// process): per IP first (before any body is trusted), then per shop and per pixel client. A request
// over a limit gets 429 with Retry-After and is not read further.
import type { Response } from 'express';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { DEFAULT_LIMITS, type SignalLimits } from './ports.ts';

export interface SignalLimiters {
  ip: RateLimiterRedis;
  pixelClient: RateLimiterRedis;
  pixelShop: RateLimiterRedis;
  clicksShop: RateLimiterRedis;
}

export function signalLimiters(redis: Redis, prefix: string, limits: Partial<SignalLimits> = {}): SignalLimiters {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const make = (name: string, points: number): RateLimiterRedis => new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:signals:rl:${name}`, points, duration: 60 });
  return { ip: make('ip', l.perIp), pixelClient: make('pixel-client', l.pixelPerClient), pixelShop: make('pixel-shop', l.pixelPerShop), clicksShop: make('clicks-shop', l.clicksPerShop) };
}

/** Consumes one point; false (and a 429 sent) when over the limit. Redis errors propagate (500, retried by the sender). */
export async function withinLimit(res: Response, limiter: RateLimiterRedis, key: string): Promise<boolean> {
  try {
    await limiter.consume(key);
    return true;
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
    const retry = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
    res.set('Retry-After', String(retry)).status(429).json({ error: 'rate_limited', retryAfterSeconds: retry });
    return false;
  }
}
