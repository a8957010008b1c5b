import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createShopifyApi } from '../../src/shopify/shopify-api.ts';
import { createSessionTokenMiddleware } from '../../src/shopify/session-token-middleware.ts';
import { testLogger } from '../support/services.ts';

const KEY = 'api-key';
const SECRET = 'api-secret';
const NOW = Math.floor(Date.now() / 1000);

function sign(claims: Record<string, unknown>, secret = SECRET): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}
const claims = (over: Record<string, unknown> = {}) => ({
  iss: 'https://shop-a.myshopify.com/admin', dest: 'https://shop-a.myshopify.com', aud: KEY, sub: '42',
  exp: NOW + 60, nbf: NOW - 5, iat: NOW - 5, jti: 'j', sid: 's', ...over,
});

async function call(authorization: string | null): Promise<{ status: number; body: Record<string, unknown>; retry: string | null }> {
  const { shopify } = createShopifyApi({ SHOPIFY_API_KEY: KEY, SHOPIFY_API_SECRET: SECRET, SHOPIFY_APP_URL: 'https://app.example.com', SHOPIFY_API_VERSION: '2026-10', SCOPES: 'read_customers', NODE_ENV: 'test' }, testLogger);
  const app = express();
  app.get('/api/me', createSessionTokenMiddleware({ shopify, logger: testLogger }), (_req, res) => { res.json({ shop: res.locals.sessionToken?.shop, user: res.locals.sessionToken?.userId }); });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/api/me`, { headers: authorization ? { authorization } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, retry: res.headers.get('x-shopify-retry-invalid-session-request') };
  } finally {
    server.close();
  }
}

describe('session-token middleware', () => {
  it('lets a valid App Bridge token through and names the shop and user', async () => {
    const r = await call(`Bearer ${sign(claims())}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { shop: 'shop-a.myshopify.com', user: '42' });
  });

  for (const [name, token] of [
    ['missing token', null],
    ['wrong secret', `Bearer ${sign(claims(), 'other-secret')}`],
    ['expired', `Bearer ${sign(claims({ exp: NOW - 120 }))}`],
    ['not yet valid', `Bearer ${sign(claims({ nbf: NOW + 120 }))}`],
    ['another app (aud)', `Bearer ${sign(claims({ aud: 'someone-else' }))}`],
    ['dest not a myshopify shop', `Bearer ${sign(claims({ dest: 'https://evil.example.com', iss: 'https://evil.example.com/admin' }))}`],
    ['iss and dest differ', `Bearer ${sign(claims({ iss: 'https://shop-b.myshopify.com/admin' }))}`],
  ] as const) {
    it(`rejects: ${name} (401 + retry header)`, async () => {
      const r = await call(token);
      assert.equal(r.status, 401);
      assert.equal(r.retry, '1');
    });
  }
});
