// Rate limits of the public signal endpoints, on Redis with rate-limiter-flexible (shared by every web
// process): per IP first (before any body is trusted), then per shop and per pixel client. A request
// over a limit gets 429 with Retry-After and is not read further.
// Storefront traffic reaches these at every pixel batch: the per-shop windows live under the shop's
// partition prefix (src/redis.ts ShopKeys; on a cluster they spread over the masters with the shops);
// the per-IP window, taken before any shop is known, under the plain prefix. Each window is one key of
// one command (rate-limiter-flexible's MULTI on it), so any prefix is one slot.
import type { Response } from 'express';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { shopKeysOf, type ShopKeys } from '../../src/redis.ts';
import { DEFAULT_LIMITS, type SignalLimits } from './ports.ts';

export interface SignalLimiters {
  ip: RateLimiterRedis;
  /** The limiters of the shop's partition (keyed `shop/clientId`, shop, shop). */
  pixelClient: (shop: string) => RateLimiterRedis;
  pixelShop: (shop: string) => RateLimiterRedis;
  clicksShop: (shop: string) => RateLimiterRedis;
}

export function signalLimiters(redis: Redis, keys: ShopKeys | string, limits: Partial<SignalLimits> = {}): SignalLimiters {
  const l = { ...DEFAULT_LIMITS, ...limits };
  const k = shopKeysOf(keys);
  const make = (prefix: string, name: string, points: number): RateLimiterRedis => new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}:signals:rl:${name}`, points, duration: 60 });
  const perShop = (name: string, points: number) => k.perShop((prefix) => make(prefix, name, points));
  return { ip: make(k.prefix, 'ip', l.perIp), pixelClient: perShop('pixel-client', l.pixelPerClient), pixelShop: perShop('pixel-shop', l.pixelPerShop), clicksShop: perShop('clicks-shop', l.clicksPerShop) };
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
