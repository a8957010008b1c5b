// The admin rate limit holds across web processes: two limiters (one per process, each with its own
// Redis connection) spend one shared budget per shop.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request, RequestHandler, Response } from 'express';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import { rateLimitPerShop } from '../../web/admin/rate-limit.ts';

let s: TestServices;
before(async () => {
  s = await openTestServices(import.meta.url);
});
after(async () => {
  await s.close();
});

/** Runs one request for `shop` through the middleware; the status it answers (200 when it passes on). */
async function call(limit: RequestHandler, shop: string): Promise<{ status: number; headers: Record<string, string> }> {
  const headers: Record<string, string> = {};
  let status = 200;
  const res = {
    locals: { shop },
    set(name: string, value: string) { headers[name.toLowerCase()] = value; return res; },
    status(code: number) { status = code; return res; },
    json() { return res; },
  };
  await limit({} as Request, res as unknown as Response, () => undefined);
  return { status, headers };
}

describe('admin rate limit across web processes', () => {
  it('two limiters on separate Redis connections share one budget per shop', async () => {
    const opts = { keyPrefix: `${s.queuePrefix}:rl`, limit: 4, windowSeconds: 60 };
    const webA = rateLimitPerShop({ ...opts, redis: s.redis() });
    const webB = rateLimitPerShop({ ...opts, redis: s.redis() });
    const shop = 'shared-budget.myshopify.com';
    const seen = [];
    for (const web of [webA, webB, webA, webB]) seen.push((await call(web, shop)).status);
    assert.deepEqual(seen, [200, 200, 200, 200]);
    const fifth = await call(webA, shop);
    assert.equal(fifth.status, 429, 'the fifth request in the window is over the shared budget, whichever process gets it');
    assert.equal(fifth.headers['ratelimit-remaining'], '0');
    assert.ok(Number(fifth.headers['retry-after']) > 0);
    assert.equal((await call(webB, shop)).status, 429);
    assert.equal((await call(webB, 'another-shop.myshopify.com')).status, 200, 'another shop has its own budget');
  });
});
