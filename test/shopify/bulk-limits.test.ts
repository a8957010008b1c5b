// Five bulk queries and five bulk mutations may run per app and shop (API 2026-01 on): a start refused
// with LIMIT_REACHED (or OPERATION_IN_PROGRESS before 2026-01) is a wait — a transient error the job
// retries later — not a broken request. https://shopify.dev/docs/api/usage/bulk-operations/queries
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, SHOP } from '../simulator/helpers.ts';
import type { Harness } from '../simulator/helpers.ts';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import { startBulkQuery } from '../../src/shopify/bulk-operations.ts';
import { ShopifyTransientError, ShopifyUserError } from '../../src/shopify/errors.ts';
import { testLogger } from '../support/test-services.ts';

describe('starting a bulk operation at the concurrency limit', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(async () => { await h.sim.close(); });

  const client = (apiVersion: string) => new AdminGraphqlClient({ shop: SHOP, accessToken: h.token, apiVersion, fetch: createAdminFetch(h.sim.url), logger: testLogger });

  it('is a transient error; an invalid query stays a permanent one', async () => {
    h.sim.setFaults(SHOP, { holdBulk: true });
    try {
      const c = client('2026-10');
      for (let i = 0; i < 5; i++) await startBulkQuery(c, '{ customers { edges { node { id } } } }');
      await assert.rejects(startBulkQuery(c, '{ customers { edges { node { id } } } }'), (e) => e instanceof ShopifyTransientError && /limit/i.test(e.message));
      await assert.rejects(startBulkQuery(client('2025-10'), '{ customers { edges { node { id } } } }'), ShopifyTransientError);
      await assert.rejects(startBulkQuery(c, '{ customers { edges { node { nope } } } }'), ShopifyUserError);
    } finally {
      h.sim.setFaults(SHOP, { holdBulk: false });
    }
  });
});
