import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { ShopifyAuthError, ShopifyGraphqlError, ShopifyTransientError } from '../../src/shopify/errors.ts';
import { testLogger } from '../support/test-services.ts';

/** A fake Shopify: queued answers, each must be used (afterEach fails otherwise). */
class FakeShopify {
  queue: Array<() => Response> = [];
  requests: Array<{ url: string; body: unknown; token: string | null }> = [];
  clock = 1_000_000;
  sleeps: number[] = [];
  fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const next = this.queue.shift();
    if (!next) throw new Error('unexpected request: no queued answer');
    this.requests.push({ url: String(input), body: JSON.parse(String(init?.body)), token: new Headers(init?.headers).get('x-shopify-access-token') });
    return next();
  };
  sleep = async (ms: number) => { this.sleeps.push(ms); this.clock += ms; };
  client(extra: Partial<ConstructorParameters<typeof AdminGraphqlClient>[0]> = {}) {
    return new AdminGraphqlClient({ shop: 'a.myshopify.com', accessToken: 'tok', apiVersion: '2026-10', fetch: this.fetch, logger: testLogger, sleep: this.sleep, now: () => this.clock, random: () => 0.5, ...extra });
  }
}

const cost = (requested: number | null, actual: number | null, available: number, restoreRate = 100, max = 2000) =>
  ({ requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: { maximumAvailable: max, currentlyAvailable: available, restoreRate } });
const ok = (data: unknown, c = cost(10, 10, 1990)) => () => Response.json({ data, extensions: { cost: c } });
const throttled = (requested: number, available: number) => () =>
  Response.json({ errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }], extensions: { cost: cost(requested, null, available) } });
const status = (code: number, headers: Record<string, string> = {}) => () => new Response('{"errors":"x"}', { status: code, headers });

/** Tokens t0, t1, … : each 401 renews to the next; `calls` records renewals and refusals. */
function renewingTokens() {
  const calls: string[] = [];
  let n = 0;
  const tokens = {
    current: async () => `t${n}`,
    unauthorized: async () => { calls.push('renew'); n += 1; return `t${n}`; },
    rejected: async () => { calls.push('rejected'); return new ShopifyAuthError('refused', { shop: 'a.myshopify.com', status: 401 }); },
  };
  return { calls, tokens };
}

describe('AdminGraphqlClient', () => {
  let fake: FakeShopify;
  afterEach(() => { assert.equal(fake.queue.length, 0, 'every queued answer was requested'); });

  it('posts to the shop endpoint with the token and returns data and cost', async () => {
    fake = new FakeShopify();
    fake.queue.push(ok({ shop: { name: 'A' } }));
    const r = await fake.client().request<{ shop: { name: string } }>('{ shop { name } }', { x: 1 });
    assert.equal(r.data.shop.name, 'A');
    assert.equal(r.cost?.actualQueryCost, 10);
    assert.deepEqual(fake.requests[0], { url: 'https://a.myshopify.com/admin/api/2026-10/graphql.json', body: { query: '{ shop { name } }', variables: { x: 1 } }, token: 'tok' });
  });

  it('retries THROTTLED (HTTP 200) after waiting for the bucket to refill', async () => {
    fake = new FakeShopify();
    fake.queue.push(throttled(100, 20), ok({ n: 1 }));
    const c = fake.client();
    const r = await c.request<{ n: number }>('mutation { x }');
    assert.equal(r.data.n, 1);
    assert.equal(c.throttledCount, 1);
    // 80 points missing at 100 points/s = 800 ms, plus jitter (0.5 × 500 ms).
    assert.equal(fake.sleeps[0], 800 + 250);
    assert.equal(fake.requests.length, 2);
  });

  it('paces the next request to the restore rate instead of getting throttled', async () => {
    fake = new FakeShopify();
    fake.queue.push(ok({}, cost(60, 60, 10, 50)), ok({}, cost(60, 60, 0, 50)));
    const c = fake.client();
    await c.request('{ a }');
    await c.request('{ a }');
    // The query costs 60; 10 were available at 50/s → wait 1000 ms before sending.
    assert.deepEqual(fake.sleeps, [1000]);
  });

  it('retries 429 honouring Retry-After and 5xx with backoff, then succeeds', async () => {
    fake = new FakeShopify();
    fake.queue.push(status(429, { 'retry-after': '2' }), status(503), status(500), ok({ done: true }));
    const r = await fake.client().request<{ done: boolean }>('{ a }');
    assert.equal(r.data.done, true);
    assert.equal(fake.sleeps[0], 2000);
    assert.equal(fake.sleeps.length, 3);
    assert.ok(fake.sleeps[1]! <= 1000 && fake.sleeps[2]! <= 2000, 'backoff stays within the doubling ceiling (500 ms × 2^(n-1))');
  });

  it('gives up after bounded attempts with a transient error', async () => {
    fake = new FakeShopify();
    for (let i = 0; i < 3; i++) fake.queue.push(status(502));
    await assert.rejects(fake.client({ maxAttempts: 3 }).request('{ a }'), (e: unknown) => e instanceof ShopifyTransientError && e.retryable && e.status === 502);
  });

  it('a renewed token that expired while the request waited out throttling is renewed again, not taken for a dead shop', async () => {
    fake = new FakeShopify();
    const { calls, tokens } = renewingTokens();
    // t0 expired → renewed t1 → THROTTLED, the wait outlives t1 → 401 → renewed t2 → answered.
    fake.queue.push(status(401), throttled(100, 20), status(401), ok({ n: 1 }));
    const r = await fake.client({ accessToken: tokens }).request<{ n: number }>('{ x }');
    assert.equal(r.data.n, 1);
    assert.deepEqual(calls, ['renew', 'renew']);
    assert.deepEqual(fake.requests.map((q) => q.token), ['t0', 't1', 't1', 't2']);
  });

  it('renewed tokens refused right after their renewal, twice in a row: the shop\'s tokens are refused', async () => {
    fake = new FakeShopify();
    const { calls, tokens } = renewingTokens();
    fake.queue.push(status(401), status(401), status(401));
    await assert.rejects(fake.client({ accessToken: tokens }).request('{ x }'), /refused/);
    assert.deepEqual(calls, ['renew', 'renew', 'rejected']);
  });

  it('fails at once, without retrying, on 401 (uninstalled) and on GraphQL errors', async () => {
    fake = new FakeShopify();
    fake.queue.push(status(401));
    await assert.rejects(fake.client().request('{ a }'), (e: unknown) => e instanceof ShopifyAuthError && !e.retryable);
    fake.queue.push(() => Response.json({ errors: [{ message: "Field 'x' doesn't exist", extensions: { code: 'undefinedField' } }] }));
    await assert.rejects(fake.client().request('{ x }'), (e: unknown) => e instanceof ShopifyGraphqlError && /doesn't exist/.test(e.message));
  });

  it('stops retrying THROTTLED after its budget', async () => {
    fake = new FakeShopify();
    for (let i = 0; i < 3; i++) fake.queue.push(throttled(100, 0));
    await assert.rejects(fake.client({ maxThrottleRetries: 2 }).request('{ a }'), ShopifyTransientError);
  });
});
