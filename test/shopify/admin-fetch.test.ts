import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAdminFetch, rewriteToOrigin } from '../../src/shopify/admin-fetch.ts';

describe('admin fetch (simulator origin)', () => {
  it('rewrites https://{shop}.myshopify.com to the per-shop mount of the origin', () => {
    assert.equal(rewriteToOrigin('https://Demo.myshopify.com/admin/api/2026-10/graphql.json?x=1', 'http://127.0.0.1:4010/'),
      'http://127.0.0.1:4010/shops/demo.myshopify.com/admin/api/2026-10/graphql.json?x=1');
    assert.equal(rewriteToOrigin('https://demo.myshopify.com/admin/oauth/access_token', 'http://127.0.0.1:4010'),
      'http://127.0.0.1:4010/shops/demo.myshopify.com/admin/oauth/access_token');
  });

  it('leaves other URLs (staged uploads, bulk files) alone', () => {
    assert.equal(rewriteToOrigin('https://storage.googleapis.com/bucket/x', 'http://127.0.0.1:1'), 'https://storage.googleapis.com/bucket/x');
    assert.equal(rewriteToOrigin('http://127.0.0.1:4010/bulk/1/2.jsonl', 'http://127.0.0.1:1'), 'http://127.0.0.1:4010/bulk/1/2.jsonl');
  });

  it('is the plain fetch when no origin is configured', async () => {
    const seen: string[] = [];
    const base = async (input: string | URL) => { seen.push(String(input)); return new Response('ok'); };
    await createAdminFetch(undefined, base)('https://a.myshopify.com/admin/x');
    await createAdminFetch('http://sim:1', base)('https://a.myshopify.com/admin/x');
    assert.deepEqual(seen, ['https://a.myshopify.com/admin/x', 'http://sim:1/shops/a.myshopify.com/admin/x']);
  });
});
