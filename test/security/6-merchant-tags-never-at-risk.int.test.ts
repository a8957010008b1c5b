// Issue 13, item 6: merchant tags are never at risk.
// The app owns every customer tag that starts with its prefix and removes those a customer should not
// carry. A prefix such as "v" would make every merchant tag starting with "v" look like ours, and the
// next sync would remove them from all customers. Now a prefix has at least 3 characters and ends with a
// separator; a prefix change is checked against the tags customers actually carry on Shopify
// (Shop.customerTags, https://shopify.dev/docs/api/admin-graphql/2025-07/objects/Shop#field-Shop.fields.customerTags):
// the preview lists the merchant tags the new prefix would capture, and the save is refused while
// there are any.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalStack } from '../../scripts/local-stack.ts';
import { openE2eStack, type E2eStack } from '../e2e/stack.ts';
import { safeParseShopSettings } from '../../src/segments/settings.ts';

const SHOP = 'tags.myshopify.com';
const AS_OF = Date.parse('2026-11-20T00:00:00Z');

describe('security 6: merchant tags are never at risk', () => {
  let e2e: E2eStack;
  let stack: LocalStack;
  let token: () => string;
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${stack.appUrl}${path}`, { method, headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

  /** The dry run is a job: start it, poll it, read its result. */
  const previewOf = async <T,>(settings: unknown): Promise<T> => {
    let job = (await (await call('POST', '/api/settings/preview', { settings })).json()) as { jobId: string; state: string; result: T | null };
    for (const until = Date.now() + 60_000; job.state !== 'completed'; ) {
      assert.ok(Date.now() < until && job.state !== 'failed', `preview ${job.state}`);
      await new Promise((r) => setTimeout(r, 50));
      job = (await (await call('GET', `/api/settings/preview/${job.jobId}`)).json()) as typeof job;
    }
    return job.result!;
  };

  before(async () => {
    e2e = await openE2eStack(import.meta.url, { asOf: AS_OF, seed: 6 });
    stack = e2e.stack;
    stack.sim.createShop({ domain: SHOP, plan: 'standard', scopes: ['read_customers', 'write_customers', 'read_orders', 'read_all_orders'], timezone: 'UTC' });
    stack.sim.seedSynthetic(SHOP, { customers: 12, seed: 6, asOf: AS_OF - 3_600_000, maxOrdersPerCustomer: 3 });
    const [c1, c2] = stack.sim.listCustomers(SHOP);
    stack.sim.setMerchantTags(SHOP, c1!.id, ['vip-gold', 'Wholesale']);
    stack.sim.setMerchantTags(SHOP, c2!.id, ['VIP-Silver', 'crm-vip']);
    await stack.install(SHOP);
    token = () => stack.sim.mintSessionToken(SHOP, { apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET });
    await stack.runtime.enqueue.resyncShop(SHOP, 'support');
    await stack.idle(120_000);
  });
  after(async () => { await e2e?.close(); });

  it('a prefix is at least 3 characters and ends with a separator', async () => {
    for (const bad of ['v', 'vi', 'vip', 'seg', 'crm.', 'v:']) {
      const r = safeParseShopSettings({ tagPrefix: bad });
      assert.equal(r.ok, false, bad);
      assert.equal((await call('PUT', '/api/settings', { settings: { tagPrefix: bad } })).status, 400, bad);
    }
    for (const good of ['seg:', 'crm-', 'app_', 'my/']) assert.equal(safeParseShopSettings({ tagPrefix: good }).ok, true, good);
  });

  it('the preview lists the merchant tags a new prefix would capture, and the save is refused', async () => {
    const preview = await previewOf<{ prefix: { changed: boolean; captured: string[]; complete: boolean } }>({ tagPrefix: 'vip-' });
    assert.equal(preview.prefix.changed, true);
    assert.deepEqual(preview.prefix.captured, ['VIP-Silver', 'vip-gold', 'vip-manual'], 'case-insensitive, as Shopify compares tags (vip-manual: a seeded merchant tag)');
    const save = await call('PUT', '/api/settings', { settings: { tagPrefix: 'vip-' } });
    assert.equal(save.status, 409);
    const body = (await save.json()) as { error: string; message: string };
    assert.equal(body.error, 'merchant_tags_captured');
    assert.match(body.message, /vip-gold/);
    assert.equal((await stack.deps.stores.shops.get(SHOP))?.settings?.tagPrefix ?? 'seg:', 'seg:', 'settings unchanged');
    await stack.idle(60_000);
    const tags = stack.sim.listCustomers(SHOP).flatMap((c) => c.tags);
    for (const t of ['vip-gold', 'VIP-Silver', 'Wholesale']) assert.ok(tags.includes(t), `${t} still on Shopify`);
  });

  it('a prefix that captures only the app\'s own tags (or none) is saved', async () => {
    const preview = await previewOf<{ prefix: { captured: string[] } }>({ tagPrefix: 'crm-' });
    assert.deepEqual(preview.prefix.captured, [], 'crm-vip is one of the app\'s tags under crm-');
    assert.equal((await call('PUT', '/api/settings', { settings: { tagPrefix: 'crm-' } })).status, 200);
    assert.equal((await stack.deps.stores.shops.get(SHOP))?.settings?.tagPrefix, 'crm-');
  });
});
