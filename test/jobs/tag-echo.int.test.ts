// The echo of our own tag write (customers/update) is skipped once; an order webhook never is. When
// order webhooks could consume the echo marker, an order arriving while a tag sync had set the marker
// was not recomputed if the write's echo never came (the sync failed or its worker was SIGKILLed) and a
// later write's echo consumed the next marker — the customer's tags stayed stale (full chaos run).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { dedupId } from '../../jobs/queues.ts';
import { RecordingShopify, runtimeFor, testDeps } from './support.ts';

const SHOP = 'echo.myshopify.com';

describe('tag write echoes', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  const queued = async (customerId: string) => (await rt.queuesFor(SHOP).recompute.getDeduplicationJobId(dedupId.recompute(SHOP, customerId))) !== null;

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    rt = runtimeFor(deps, new RecordingShopify());
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  it('recomputes a customer whose order arrives while a tag write for them is prepared', async () => {
    await rt.enqueue.expectTagEcho(SHOP, ['1001'], 'seg:');
    await rt.enqueue.recomputeCustomer(SHOP, '1001');
    assert.equal(await queued('1001'), true, 'the order webhook is not taken for the echo');
  });

  it('skips the first customers/update after a tag write, and recomputes on the next one', async () => {
    await rt.enqueue.expectTagEcho(SHOP, ['1002'], 'seg:');
    await rt.enqueue.customerChanged(SHOP, '1002');
    assert.equal(await queued('1002'), false, 'the echo of our write');
    await rt.enqueue.customerChanged(SHOP, '1002');
    assert.equal(await queued('1002'), true, 'a customers/update of its own');
  });
});
