import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { tagMutationFor, writeTagChanges } from '../../src/shopify/tag-writer.ts';
import { ShopifyAuthError } from '../../src/shopify/errors.ts';
import { testLogger } from '../support/test-services.ts';

type Answer = (vars: Record<string, unknown>, query: string) => unknown;

function fakeClient(answer: Answer) {
  const sent: Array<{ query: string; variables: Record<string, unknown> }> = [];
  const client = new AdminGraphqlClient({
    shop: 'a.myshopify.com', accessToken: 't', apiVersion: '2026-10', logger: testLogger, sleep: async () => undefined,
    fetch: async (_url, init) => {
      const body = JSON.parse(String(init?.body)) as { query: string; variables: Record<string, unknown> };
      sent.push(body);
      const data = answer(body.variables, body.query);
      if (data instanceof Response) return data;
      return Response.json({ data, extensions: { cost: { requestedQueryCost: 20, actualQueryCost: 20, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1980, restoreRate: 100 } } } });
    },
  });
  return { client, sent };
}

const okPayload = (id: unknown) => ({ node: { id }, userErrors: [] });

describe('tag writer', () => {
  it('builds one mutation with tagsRemove and tagsAdd as aliases, only for non-empty lists', () => {
    assert.match(tagMutationFor({ add: ['seg:a'], remove: ['seg:b'] }), /removed: tagsRemove\(id: \$id, tags: \$remove\).*added: tagsAdd\(id: \$id, tags: \$add\)/);
    assert.doesNotMatch(tagMutationFor({ add: ['seg:a'], remove: [] }), /tagsRemove/);
    assert.doesNotMatch(tagMutationFor({ add: [], remove: ['seg:b'] }), /tagsAdd/);
  });

  it('sends one request per changed customer and none for unchanged ones', async () => {
    const { client, sent } = fakeClient((v) => ({ ...(v.add ? { added: okPayload(v.id) } : {}), ...(v.remove ? { removed: okPayload(v.id) } : {}) }));
    const results = await writeTagChanges(client, [
      { customerId: '1', add: ['seg:vip'], remove: ['seg:new'] },
      { customerId: '2', add: [], remove: [] },
      { customerId: '9007199254740993', add: [], remove: ['seg:old'] },
    ], { concurrency: 1 });
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[0]!.variables, { id: 'gid://shopify/Customer/1', remove: ['seg:new'], add: ['seg:vip'] });
    assert.deepEqual(sent[1]!.variables, { id: 'gid://shopify/Customer/9007199254740993', remove: ['seg:old'] });
    assert.deepEqual(results.map((r) => [r.customerId, r.status]), [['1', 'written'], ['2', 'unchanged'], ['9007199254740993', 'written']]);
  });

  it('reports a deleted customer as not_found and other userErrors as rejected', async () => {
    const { client } = fakeClient((v) => (v.id === 'gid://shopify/Customer/404'
      ? { added: { node: null, userErrors: [{ field: ['id'], message: 'Customer does not exist' }] } }
      : { added: { node: { id: v.id }, userErrors: [{ field: ['tags'], message: 'Tags is too long' }] } }));
    const results = await writeTagChanges(client, [
      { customerId: '404', add: ['seg:x'], remove: [] },
      { customerId: '5', add: ['seg:' + 'x'.repeat(300)], remove: [] },
    ], { concurrency: 1 });
    assert.deepEqual(results.map((r) => r.status), ['not_found', 'rejected']);
    assert.deepEqual(results[1]!.errors, ['Tags is too long']);
  });

  it('stops starting new writes after a permanent failure and rethrows it', async () => {
    let n = 0;
    const { client, sent } = fakeClient(() => { n += 1; return n === 2 ? new Response('{"errors":"[API] Invalid API key or access token"}', { status: 401 }) : { added: okPayload('x') }; });
    const changes = Array.from({ length: 5 }, (_, i) => ({ customerId: String(i + 1), add: ['seg:a'], remove: [] }));
    const seen: string[] = [];
    await assert.rejects(writeTagChanges(client, changes, { concurrency: 1, onResult: (r) => { seen.push(r.customerId); } }), ShopifyAuthError);
    assert.equal(sent.length, 2);
    assert.deepEqual(seen, ['1']);
  });
});
