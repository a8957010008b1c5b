import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, startReceiver, SHOP } from './helpers.ts';
import type { Harness, WebhookReceiver } from './helpers.ts';

const RUN = 'mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } userErrors { message code } } }';
const Q = '{ customers { edges { node { id } } } }';

describe('simulator bulk failure, cancel and slow answers', () => {
  let h: Harness;
  let hooks: WebhookReceiver;
  before(async () => {
    hooks = await startReceiver();
    h = await startHarness({ webhookAddress: hooks.url });
    h.sim.seedSynthetic(SHOP, { customers: 2000, seed: 8 });
  });
  after(async () => {
    await h.sim.close();
    await hooks.close();
  });

  it('fails a bulk query halfway when bulkFailure is set, leaving partial data', async () => {
    h.sim.setFaults(SHOP, { bulkFailure: 'INTERNAL_SERVER_ERROR' });
    const { body } = await h.gql(RUN, { q: Q });
    h.sim.setFaults(SHOP, { bulkFailure: null });
    const id = (body.data?.bulkOperationRunQuery as { bulkOperation: { id: string } }).bulkOperation.id;
    await h.sim.waitForBulkOperation(SHOP, id);
    const st = await h.gql('query($id: ID!) { bulkOperation(id: $id) { status errorCode url partialDataUrl objectCount } }', { id });
    const op = st.body.data?.bulkOperation as { status: string; errorCode: string; url: string | null; partialDataUrl: string; objectCount: string };
    assert.equal(op.status, 'FAILED');
    assert.equal(op.errorCode, 'INTERNAL_SERVER_ERROR');
    assert.equal(op.url, null);
    const partial = (await (await fetch(op.partialDataUrl)).text()).trim().split('\n');
    assert.equal(partial.length, 1000);
    assert.equal(op.objectCount, '1000');
    await h.sim.webhooksIdle();
    const finish = hooks.received.map((w) => JSON.parse(w.body) as { admin_graphql_api_id?: string; status?: string; error_code?: string }).find((p) => p.admin_graphql_api_id === id);
    assert.equal(finish?.status, 'failed');
    assert.equal(finish?.error_code, 'internal_server_error');
  });

  it('keeps a held bulk query CREATED, then cancels it', async () => {
    h.sim.setFaults(SHOP, { holdBulk: true });
    const { body } = await h.gql(RUN, { q: Q });
    const id = (body.data?.bulkOperationRunQuery as { bulkOperation: { id: string } }).bulkOperation.id;
    const polled = await h.gql('{ currentBulkOperation { id status } }');
    assert.deepEqual(polled.body.data?.currentBulkOperation, { id, status: 'CREATED' });
    const cancel = await h.gql('mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { message } } }', { id });
    assert.deepEqual(cancel.body.data?.bulkOperationCancel, { bulkOperation: { status: 'CANCELING' }, userErrors: [] });
    h.sim.setFaults(SHOP, { holdBulk: false });
    const op = await h.sim.waitForBulkOperation(SHOP, id);
    assert.equal(op.status, 'CANCELED');
    assert.equal(op.rootObjectCount, 0);
  });

  it('hides another app\'s bulk operation', async () => {
    const { body } = await h.gql(RUN, { q: Q });
    const id = (body.data?.bulkOperationRunQuery as { bulkOperation: { id: string } }).bulkOperation.id;
    const other = h.sim.installApp({ shop: SHOP, apiKey: 'other-app', apiSecret: 'x' });
    const seen = await h.gql('query($id: ID!) { node(id: $id) { id } }', { id }, { token: other.accessToken });
    assert.equal(seen.body.data?.node, null);
    await h.sim.waitForBulkOperation(SHOP, id);
  });

  it('answers 404 for an unknown result file', async () => {
    const res = await fetch(`${h.sim.url}/bulk/1/999.jsonl`);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });

  it('adds the configured latency before answering', async () => {
    h.sim.setFaults(SHOP, { latencyMs: 150 });
    const t = performance.now();
    const { status } = await h.gql('{ shop { id } }');
    const took = performance.now() - t;
    h.sim.setFaults(SHOP, { latencyMs: 0 });
    assert.equal(status, 200);
    assert.ok(took >= 140, `answered after ${took} ms`);
  });
});
