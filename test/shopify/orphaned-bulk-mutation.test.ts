// A tag sync whose worker is killed while its bulk mutation runs leaves that mutation running at
// Shopify; it lands when Shopify finishes it. The chaos run (seed 2001) saw 33 customers' stale tags land
// three minutes after the kill, over the tags a newer sync had written meanwhile. A sync must let our
// running bulk mutation end before it reads the tags it diffs against
// (https://shopify.dev/docs/api/admin-graphql/latest/queries/currentBulkOperation).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, SHOP } from '../simulator/helpers.ts';
import type { Harness } from '../simulator/helpers.ts';
import { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { createAdminFetch } from '../../src/shopify/admin-fetch.ts';
import { stageBulkVariables, startBulkMutation, waitForBulkOperation } from '../../src/shopify/bulk-operations.ts';
import { bulkTagMutation } from '../../src/shopify/bulk-tag-mutation.ts';
import { customerGid } from '../../src/shopify/gid.ts';
import { syncCustomerTags } from '../../src/shopify/tag-sync.ts';
import { testLogger } from '../support/test-services.ts';

describe('a bulk tag mutation left running by a killed sync', () => {
  let h: Harness;
  before(async () => { h = await startHarness(); });
  after(async () => { await h.sim.close(); });

  for (const mode of ['per-customer', 'bulk'] as const) {
    it(`ends before the next sync reads the tags, so the next sync's tags are the ones that stay (${mode} writes)`, async () => {
      const fetch = createAdminFetch(h.sim.url);
      const client = new AdminGraphqlClient({ shop: SHOP, accessToken: h.token, apiVersion: '2026-10', fetch, logger: testLogger });
      const ids = Array.from({ length: 3 }, () => h.sim.createCustomer(SHOP, { tags: ['vip-by-hand', 'seg:old'] }).id);
      h.sim.setFaults(SHOP, { holdBulk: true });
      try {
        // The killed sync's bulk mutation: started, never waited for.
        const path = await stageBulkVariables(client, fetch, ids.map((id) => JSON.stringify({ id: customerGid(id), tags: ['seg:stale'] })).join('\n') + '\n');
        const orphan = await startBulkMutation(client, bulkTagMutation('tagsAdd'), path);
        // Shopify finishes it a little later.
        setTimeout(() => h.sim.setFaults(SHOP, { holdBulk: false }), 300);
        const report = await syncCustomerTags(client, ids.map((customerId) => ({ customerId, tags: ['seg:fresh'] })), {
          prefix: 'seg:', bulkThreshold: mode === 'bulk' ? 1 : 1_000, fetch, pollIntervalMs: 20,
        });
        assert.equal(report.mode, mode);
        assert.equal((await waitForBulkOperation(client, orphan, { pollIntervalMs: 20 })).status, 'COMPLETED', 'the orphan has landed');
        for (const id of ids) assert.deepEqual([...h.sim.getCustomer(SHOP, id)!.tags].sort(), ['seg:fresh', 'vip-by-hand'], `customer ${id}`);
      } finally {
        h.sim.setFaults(SHOP, { holdBulk: false });
      }
    });
  }
});
