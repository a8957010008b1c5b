// The simulator must satisfy Shopify's own library, not only our expectations of it.
import '@shopify/shopify-api/adapters/node';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiVersion, GraphqlQueryError, RequestedTokenType, shopifyApi } from '@shopify/shopify-api';
import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime';
import { simulatorFetch, shopifyHmac } from '../../tools/shopify-simulator/index.ts';
import { startHarness, startReceiver, SHOP, API_KEY, API_SECRET } from './helpers.ts';
import type { Harness, WebhookReceiver } from './helpers.ts';

describe('simulator with @shopify/shopify-api', () => {
  let h: Harness;
  let hooks: WebhookReceiver;
  let shopify: ReturnType<typeof shopifyApi>;
  before(async () => {
    hooks = await startReceiver();
    // The library checks session tokens against the real clock, so this harness keeps real time.
    h = await startHarness({ webhookAddress: hooks.url, sim: { clock: { now: () => Date.now() } } });
    h.sim.seedSynthetic(SHOP, { customers: 30, seed: 3 });
    setAbstractFetchFunc(simulatorFetch(h.sim.url));
    shopify = shopifyApi({
      apiKey: API_KEY, apiSecretKey: API_SECRET, scopes: ['read_customers', 'write_customers', 'read_orders'],
      hostName: 'app.example.test', hostScheme: 'https', apiVersion: ApiVersion.October26, isEmbeddedApp: true, logger: { level: 0 },
    });
  });
  after(async () => {
    await h.sim.close();
    await hooks.close();
  });

  it('decodes a minted session token and exchanges it for an offline session', async () => {
    const sessionToken = h.sim.mintSessionToken(SHOP, { apiKey: API_KEY });
    const payload = await shopify.session.decodeSessionToken(sessionToken);
    assert.equal(payload.dest, `https://${SHOP}`);
    const { session } = await shopify.auth.tokenExchange({ shop: SHOP, sessionToken, requestedTokenType: RequestedTokenType.OfflineAccessToken });
    assert.equal(session.shop, SHOP);
    assert.equal(session.accessToken, h.token);
    assert.equal(session.scope, 'read_customers,write_customers,read_orders');
  });

  it('runs queries and aliased tag mutations through the library\'s GraphQL client', async () => {
    const session = shopify.session.customAppSession(SHOP);
    session.accessToken = h.token;
    const client = new shopify.clients.Graphql({ session });
    const page = await client.request<{ customers: { nodes: Array<{ id: string; tags: string[] }> } }>('{ customers(first: 5) { nodes { id tags } } }');
    assert.equal(page.data?.customers.nodes.length, 5);
    assert.equal((page.extensions as { cost: { requestedQueryCost: number } }).cost.requestedQueryCost, 7);
    const id = page.data!.customers.nodes[0]!.id;
    const res = await client.request('mutation($id: ID!) { add: tagsAdd(id: $id, tags: ["seg:a"]) { userErrors { message } } rm: tagsRemove(id: $id, tags: ["seg:b"]) { userErrors { message } } }', { variables: { id } });
    assert.deepEqual(res.data, { add: { userErrors: [] }, rm: { userErrors: [] } });
  });

  it('surfaces THROTTLED as a GraphqlQueryError (the library does not retry it)', async () => {
    const session = shopify.session.customAppSession(SHOP);
    session.accessToken = h.token;
    const client = new shopify.clients.Graphql({ session });
    h.sim.setFaults(SHOP, { throttle: true });
    await assert.rejects(client.request('{ shop { id } }'), (err: unknown) => {
      assert.ok(err instanceof GraphqlQueryError);
      const body = err.body as { errors: { graphQLErrors: Array<{ extensions: { code: string } }> } };
      assert.equal(body.errors.graphQLErrors[0]?.extensions.code, 'THROTTLED');
      return true;
    });
    h.sim.setFaults(SHOP, { throttle: false });
  });

  it('delivers webhooks the library validates', async () => {
    h.sim.createOrder(SHOP, { customerId: h.sim.listCustomers(SHOP)[0]!.id });
    await h.sim.webhooksIdle();
    const w = hooks.received.find((x) => x.headers['x-shopify-topic'] === 'orders/create')!;
    assert.equal(w.headers['x-shopify-hmac-sha256'], shopifyHmac(w.body, API_SECRET));
    const check = await shopify.webhooks.validate({
      rawBody: w.body,
      rawRequest: { headers: w.headers, method: 'POST', url: '/webhooks' } as never,
    });
    assert.equal(check.valid, true);
    assert.equal((check as { topic: string }).topic, 'ORDERS_CREATE');
  });
});
