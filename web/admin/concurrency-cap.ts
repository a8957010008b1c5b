// At most `max` admin API requests of one shop in flight at once in this process: one shop's
// dashboard (or a script with its session token) cannot occupy the web process that ingests every
// shop's webhooks. Beyond the cap: 429 with Retry-After, at once (nothing queued in memory).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { shopOf } from './session-token.ts';

export function concurrencyCapPerShop(max: number): RequestHandler {
  const inFlight = new Map<string, number>();
  return (_req: Request, res: Response, next: NextFunction) => {
    const shop = shopOf(res);
    const n = inFlight.get(shop) ?? 0;
    if (n >= max) {
      res.set('Retry-After', '1');
      res.status(429).json({ error: 'too_many_concurrent_requests', limit: max });
      return;
    }
    inFlight.set(shop, n + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (inFlight.get(shop) ?? 1) - 1;
      if (left <= 0) inFlight.delete(shop);
      else inFlight.set(shop, left);
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
}
