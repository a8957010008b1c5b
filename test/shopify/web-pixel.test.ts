// The app's web pixel against the simulator: Shopify's answers as documented (no pixel yet: a top-level
// error; settings checked against the extension's declared fields; one pixel per app; NOT_FOUND, TAKEN;
// the scopes), and reconcileWebPixel creating, leaving, updating and recreating it — and reporting a
// refusal instead of throwing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, SHOP, API_KEY } from '../simulator/helpers.ts';
import type { Harness } from '../simulator/helpers.ts';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import {
  parsePixelSettings, pixelSettingsFor, reconcileWebPixel, WEB_PIXEL_CREATE_MUTATION, WEB_PIXEL_QUERY, WEB_PIXEL_UPDATE_MUTATION,
} from '../../src/shopify/web-pixel.ts';
import { testLogger } from '../support/test-services.ts';

const PIXEL_SCOPES = ['read_customers', 'write_customers', 'read_orders', 'write_pixels', 'read_customer_events'];
type PixelAnswer = { webPixel: { id: string; settings: string } | null; userErrors: Array<{ code: string; field: string[]; message: string }> };

describe('web pixel: the simulator as shopify.dev documents it', () => {
  let h: Harness;
  before(async () => { h = await startHarness({ scopes: PIXEL_SCOPES }); });
  after(async () => { await h.sim.close(); });

  const create = async (settings: unknown) => (await h.gql(WEB_PIXEL_CREATE_MUTATION, { webPixel: { settings } })).body.data as { webPixelCreate: PixelAnswer };

  it('answers the query with a top-level error while the app has no pixel', async () => {
    const r = await h.gql(WEB_PIXEL_QUERY);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, { webPixel: null });
    assert.match(r.body.errors![0]!.message, /No web pixel was found for this app/);
  });

  it('checks the settings against the extension\'s declared fields', async () => {
    assert.equal((await create('{not json')).webPixelCreate.userErrors[0]!.code, 'INVALID_CONFIGURATION_JSON');
    const unknown = await create(JSON.stringify({ shopKey: 'px_12345678', endpoint: 'https://app.example/signals/pixel', accountID: '1' }));
    assert.equal(unknown.webPixelCreate.userErrors[0]!.code, 'INVALID_SETTINGS');
    assert.match(unknown.webPixelCreate.userErrors[0]!.message, /accountID/);
    const missing = await create(JSON.stringify({ shopKey: 'px_12345678' }));
    assert.match(missing.webPixelCreate.userErrors[0]!.message, /endpoint/);
    const short = await create(JSON.stringify({ shopKey: 'px', endpoint: 'https://app.example/signals/pixel' }));
    assert.match(short.webPixelCreate.userErrors[0]!.message, /shopKey.*shorter than 8/);
    assert.equal(h.sim.webPixels(SHOP).get(API_KEY), undefined, 'nothing created by a refused call');
  });

  it('keeps one pixel per app: a second create is TAKEN, an update of another id NOT_FOUND', async () => {
    const ok = await create(JSON.stringify({ shopKey: 'px_12345678', endpoint: 'https://app.example/signals/pixel' }));
    assert.deepEqual(ok.webPixelCreate.userErrors, []);
    assert.equal((await create(JSON.stringify({ shopKey: 'px_87654321', endpoint: 'https://app.example/signals/pixel' }))).webPixelCreate.userErrors[0]!.code, 'TAKEN');
    const wrong = (await h.gql(WEB_PIXEL_UPDATE_MUTATION, { id: 'gid://shopify/WebPixel/1', webPixel: { settings: '{}' } })).body.data as { webPixelUpdate: PixelAnswer };
    assert.equal(wrong.webPixelUpdate.userErrors[0]!.code, 'NOT_FOUND');
    const q = (await h.gql(WEB_PIXEL_QUERY)).body.data as { webPixel: { id: string; settings: unknown } };
    assert.equal(q.webPixel.id, ok.webPixelCreate.webPixel!.id);
    assert.deepEqual(parsePixelSettings(q.webPixel.settings), { shopKey: 'px_12345678', endpoint: 'https://app.example/signals/pixel' });
  });

  it('needs write_pixels and read_customer_events to change a pixel', async () => {
    h.sim.updateGrantedScopes(SHOP, API_KEY, ['read_customers', 'write_customers', 'read_orders', 'write_pixels']);
    const r = await h.gql(WEB_PIXEL_CREATE_MUTATION, { webPixel: { settings: '{}' } });
    assert.equal(r.body.errors![0]!.extensions?.code, 'ACCESS_DENIED');
    assert.match(r.body.errors![0]!.message, /read_customer_events/);
    h.sim.updateGrantedScopes(SHOP, API_KEY, PIXEL_SCOPES);
  });
});

describe('reconcileWebPixel', () => {
  let h: Harness;
  let client: AdminGraphqlClient;
  const calls: string[] = [];
  before(async () => {
    h = await startHarness({ scopes: ['read_customers', 'write_customers', 'read_orders'] });
    const fetchFn = createAdminFetch(h.sim.url);
    client = new AdminGraphqlClient({
      shop: SHOP, accessToken: h.token, apiVersion: '2026-10', logger: testLogger,
      fetch: (url, init) => { calls.push(/(AppWebPixel\w*)/.exec(String(init?.body ?? ''))?.[1] ?? '?'); return fetchFn(url, init); },
    });
  });
  after(async () => { await h.sim.close(); });

  it('reports a missing scope (ACCESS_DENIED) without throwing, then creates the pixel once the scope is granted', async () => {
    const want = pixelSettingsFor('px_key_one_123', 'https://segments.example.com/');
    assert.equal(want.endpoint, 'https://segments.example.com/signals/pixel');
    const refused = await reconcileWebPixel(client, want);
    assert.equal(refused.action, 'failed');
    assert.equal(refused.id, null);
    assert.equal(refused.errors[0]!.code, 'ACCESS_DENIED');

    h.sim.updateGrantedScopes(SHOP, API_KEY, PIXEL_SCOPES);
    calls.length = 0;
    const created = await reconcileWebPixel(client, want);
    assert.equal(created.action, 'created');
    assert.deepEqual(calls, ['AppWebPixel', 'AppWebPixelCreate']);
    assert.deepEqual(h.sim.webPixels(SHOP).get(API_KEY)!.parsed, { shopKey: 'px_key_one_123', endpoint: 'https://segments.example.com/signals/pixel' });
    assert.equal(created.id, `gid://shopify/WebPixel/${h.sim.webPixels(SHOP).get(API_KEY)!.id}`);

    calls.length = 0;
    const again = await reconcileWebPixel(client, want);
    assert.deepEqual({ action: again.action, id: again.id }, { action: 'unchanged', id: created.id });
    assert.deepEqual(calls, ['AppWebPixel'], 'same settings: no mutation');
  });

  it('updates the settings when the key or the app URL changes, and recreates a pixel that is gone', async () => {
    const rotated = await reconcileWebPixel(client, pixelSettingsFor('px_key_two_456', 'https://segments.example.com'));
    assert.equal(rotated.action, 'updated');
    assert.equal(h.sim.webPixels(SHOP).get(API_KEY)!.parsed.shopKey, 'px_key_two_456');
    const moved = await reconcileWebPixel(client, pixelSettingsFor('px_key_two_456', 'https://new-host.example.com'));
    assert.equal(moved.action, 'updated');
    assert.equal(h.sim.webPixels(SHOP).get(API_KEY)!.parsed.endpoint, 'https://new-host.example.com/signals/pixel');

    h.sim.webPixels(SHOP).remove(API_KEY);
    const back = await reconcileWebPixel(client, pixelSettingsFor('px_key_two_456', 'https://new-host.example.com'));
    assert.equal(back.action, 'created');
    assert.notEqual(back.id, moved.id);
  });

  it('reports Shopify\'s userErrors (settings it refuses) as a failed pass', async () => {
    const r = await reconcileWebPixel(client, { shopKey: 'short', endpoint: 'https://segments.example.com/signals/pixel' });
    assert.equal(r.action, 'failed');
    assert.equal(r.errors[0]!.code, 'INVALID_SETTINGS');
    assert.ok(r.id, 'the existing pixel is still named');
  });
});
