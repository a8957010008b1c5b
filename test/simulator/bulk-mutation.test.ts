import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, startReceiver, SHOP, customerGid } from './helpers.ts';
import type { Harness, WebhookReceiver } from './helpers.ts';

const STAGE = `mutation { stagedUploadsCreate(input: [{ resource: BULK_MUTATION_VARIABLES, filename: "tags.jsonl", mimeType: "text/jsonl", httpMethod: POST }]) {
  stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }`;
const RUN = `mutation($m: String!, $path: String!) { bulkOperationRunMutation(mutation: $m, stagedUploadPath: $path) {
  bulkOperation { id status } userErrors { field message code } } }`;
const TAGS_ADD = 'mutation call($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }';

interface Target {
  url: string;
  parameters: Array<{ name: string; value: string }>;
}

async function stage(h: Harness, jsonl: string): Promise<{ key: string; status: number; text: string }> {
  const { body } = await h.gql(STAGE);
  const target = (body.data?.stagedUploadsCreate as { stagedTargets: Target[] }).stagedTargets[0]!;
  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append('file', new Blob([jsonl], { type: 'text/jsonl' }), 'tags.jsonl');
  const res = await fetch(target.url, { method: 'POST', body: form });
  const key = target.parameters.find((p) => p.name === 'key')!.value;
  return { key, status: res.status, text: await res.text() };
}

describe('simulator bulkOperationRunMutation', () => {
  let h: Harness;
  let hooks: WebhookReceiver;
  before(async () => {
    hooks = await startReceiver();
    h = await startHarness({ webhookAddress: hooks.url });
    h.sim.seedSynthetic(SHOP, { customers: 300, seed: 2 });
  });
  after(async () => {
    await h.sim.close();
    await hooks.close();
  });

  it('returns a signed form target whose key is the stagedUploadPath', async () => {
    const { body } = await h.gql(STAGE);
    const t = (body.data?.stagedUploadsCreate as { stagedTargets: Target[] }).stagedTargets[0]!;
    assert.deepEqual(t.parameters.map((p) => p.name), ['Content-Type', 'success_action_status', 'acl', 'key', 'x-goog-date', 'x-goog-credential', 'x-goog-algorithm', 'x-goog-signature', 'policy']);
    assert.match(t.parameters.find((p) => p.name === 'key')!.value, /^tmp\/\d+\/bulk\/[0-9a-f-]+\/tags\.jsonl$/);
  });

  it('runs tagsAdd for every uploaded line and reports each result by __lineNumber', async () => {
    const customers = h.sim.listCustomers(SHOP).slice(0, 250);
    const jsonl = customers.map((c) => JSON.stringify({ id: customerGid(c.id), tags: ['seg:bulk'] })).join('\n') + '\n';
    const up = await stage(h, jsonl);
    assert.equal(up.status, 201);
    assert.match(up.text, /<PostResponse>.*<Key>tmp\//);
    const { body } = await h.gql(RUN, { m: TAGS_ADD, path: up.key });
    const run = body.data?.bulkOperationRunMutation as { bulkOperation: { id: string; status: string }; userErrors: unknown[] };
    assert.deepEqual(run.userErrors, []);
    const op = await h.sim.waitForBulkOperation(SHOP, run.bulkOperation.id);
    assert.equal(op.status, 'COMPLETED');
    assert.equal(op.type, 'MUTATION');
    const text = await (await fetch(op.url!)).text();
    const rows = text.trim().split('\n').map((l) => JSON.parse(l) as { data: { tagsAdd: { node: { id: string }; userErrors: unknown[] } }; __lineNumber: number });
    assert.equal(rows.length, 250);
    assert.deepEqual(rows.map((r) => r.__lineNumber).sort((a, b) => a - b), [...Array(250).keys()]);
    assert.notDeepEqual(rows.map((r) => r.__lineNumber), [...Array(250).keys()], 'results arrive somewhat out of order');
    for (const r of rows) assert.equal(r.data.tagsAdd.node.id, customerGid(customers[r.__lineNumber]!.id));
    assert.ok(customers.every((c) => h.sim.getCustomer(SHOP, c.id)!.tags.includes('seg:bulk')));
    const merchant = customers.filter((c) => c.tags.includes('wholesale'));
    assert.ok(merchant.length > 0 && merchant.every((c) => h.sim.getCustomer(SHOP, c.id)!.tags.includes('wholesale')));
    await h.sim.webhooksIdle();
    const finish = hooks.received.filter((w) => w.headers['x-shopify-topic'] === 'bulk_operations/finish').map((w) => JSON.parse(w.body) as { type: string; status: string });
    assert.deepEqual(finish.at(-1), { ...finish.at(-1), type: 'mutation', status: 'completed' });
  });

  it('reports userErrors and invalid lines per line without failing the operation', async () => {
    const up = await stage(h, `${JSON.stringify({ id: customerGid('1'), tags: ['x'] })}\nnot json\n`);
    const { body } = await h.gql(RUN, { m: TAGS_ADD, path: up.key });
    const id = (body.data?.bulkOperationRunMutation as { bulkOperation: { id: string } }).bulkOperation.id;
    const op = await h.sim.waitForBulkOperation(SHOP, id);
    const rows = (await (await fetch(op.url!)).text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => Number(a.__lineNumber) - Number(b.__lineNumber));
    assert.deepEqual(rows[0], { data: { tagsAdd: { node: null, userErrors: [{ field: ['id'], message: 'Customer does not exist' }] } }, __lineNumber: 0 });
    assert.ok(Array.isArray(rows[1]?.errors));
  });

  it('answers NO_SUCH_FILE for an unknown upload path and INVALID_MUTATION for a bulk-only mutation', async () => {
    const missing = await h.gql(RUN, { m: TAGS_ADD, path: 'tmp/1/bulk/nope/tags.jsonl' });
    assert.equal((missing.body.data?.bulkOperationRunMutation as { userErrors: Array<{ code: string }> }).userErrors[0]?.code, 'NO_SUCH_FILE');
    const up = await stage(h, '{}\n');
    const nested = await h.gql(RUN, { m: 'mutation { bulkOperationRunQuery(query: "{ shop { id } }") { userErrors { message } } }', path: up.key });
    assert.equal((nested.body.data?.bulkOperationRunMutation as { userErrors: Array<{ code: string }> }).userErrors[0]?.code, 'INVALID_MUTATION');
  });

  it('accepts a PUT upload to a PUT target', async () => {
    const { body } = await h.gql('mutation { stagedUploadsCreate(input: [{ resource: BULK_MUTATION_VARIABLES, filename: "p.jsonl", mimeType: "text/jsonl", httpMethod: PUT }]) { stagedTargets { url } } }');
    const url = (body.data?.stagedUploadsCreate as { stagedTargets: Array<{ url: string }> }).stagedTargets[0]!.url;
    const c = h.sim.listCustomers(SHOP)[299]!;
    const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/jsonl' }, body: `${JSON.stringify({ id: customerGid(c.id), tags: ['seg:put'] })}\n` });
    assert.equal(put.status, 200);
    await put.arrayBuffer();
    const run = await h.gql(RUN, { m: TAGS_ADD, path: new URL(url).searchParams.get('key') });
    const id = (run.body.data?.bulkOperationRunMutation as { bulkOperation: { id: string } }).bulkOperation.id;
    await h.sim.waitForBulkOperation(SHOP, id);
    assert.ok(h.sim.getCustomer(SHOP, c.id)!.tags.includes('seg:put'));
  });

  it('refuses an upload whose signature does not match', async () => {
    const { body } = await h.gql(STAGE);
    const t = (body.data?.stagedUploadsCreate as { stagedTargets: Target[] }).stagedTargets[0]!;
    const form = new FormData();
    for (const p of t.parameters) form.append(p.name, p.name === 'x-goog-signature' ? 'forged' : p.value);
    form.append('file', new Blob(['{}\n']), 'x.jsonl');
    const res = await fetch(t.url, { method: 'POST', body: form });
    assert.equal(res.status, 403);
    await res.arrayBuffer();
  });
  it('keeps separate limits of five bulk query and five bulk mutation operations (API 2026-01 on)', async () => {
    // https://shopify.dev/docs/api/usage/bulk-operations/queries and …/imports, "Limitations".
    const RUN_QUERY = 'mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { code } } }';
    const customer = h.sim.listCustomers(SHOP)[0]!;
    h.sim.setFaults(SHOP, { holdBulk: true }); // nothing finishes while we count
    try {
      const queries: string[] = [];
      for (let i = 0; i < 6; i++) {
        const { body } = await h.gql(RUN_QUERY, { q: '{ customers { edges { node { id } } } }' });
        const r = body.data?.bulkOperationRunQuery as { bulkOperation: { id: string } | null; userErrors: Array<{ code: string }> };
        queries.push(r.bulkOperation ? 'ok' : r.userErrors[0]!.code);
      }
      const mutations: string[] = [];
      for (let i = 0; i < 6; i++) {
        const up = await stage(h, JSON.stringify({ id: customerGid(customer.id), tags: [`seg:limit-${i}`] }) + '\n');
        const { body } = await h.gql(RUN, { m: TAGS_ADD, path: up.key });
        const r = body.data?.bulkOperationRunMutation as { bulkOperation: { id: string } | null; userErrors: Array<{ code: string }> };
        mutations.push(r.bulkOperation ? 'ok' : r.userErrors[0]!.code);
      }
      assert.deepEqual(queries, ['ok', 'ok', 'ok', 'ok', 'ok', 'LIMIT_REACHED']);
      assert.deepEqual(mutations, ['ok', 'ok', 'ok', 'ok', 'ok', 'LIMIT_REACHED']);
    } finally {
      h.sim.setFaults(SHOP, { holdBulk: false });
    }
  });
});
