// The echo of our own tag write (customers/update right after a write, carrying the tags we wanted)
// costs no database write: no delivery record, no recompute. Anything else about a customers/update
// (no echo expected, or other tags than the desired ones) is recorded and acted on as before.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import type { Deps } from '../../src/deps.ts';
import type { JobRuntime } from '../../jobs/runtime.ts';
import { dedupId } from '../../jobs/queues.ts';
import { deliveryDedupeKey } from '../../src/profiles/webhook-delivery-store.ts';
import type { AcceptedDelivery } from '../../jobs/enqueue.ts';
import { processDelivery } from '../../webhooks/router.ts';
import type { HandlerDeps } from '../../webhooks/types.ts';
import { AS_OF, RecordingShopify, runtimeFor, testDeps } from '../jobs/support.ts';

const SHOP = 'echo-unrecorded.myshopify.com';
let seq = 0;

describe('echoes of our own tag writes', () => {
  let s: TestServices;
  let deps: Deps;
  let rt: JobRuntime;
  let handler: HandlerDeps;
  let prefix = '';
  const installs = { isInstalled: async () => true, forget: () => undefined };
  const queued = async (id: string) => (await rt.queuesFor(SHOP).recompute.getDeduplicationJobId(dedupId.recompute(SHOP, id))) !== null;
  const deliver = async (id: string, tags: string[]) => {
    seq += 1;
    const d: AcceptedDelivery = {
      shop: SHOP, topic: 'customers/update', webhookId: `wh-${seq}`, eventId: `evt-${seq}`, triggeredAt: null, hmac: '',
      body: JSON.stringify({ id: Number(id), tags: tags.join(', '), updated_at: new Date(AS_OF).toISOString(), admin_graphql_api_id: `gid://shopify/Customer/${id}` }),
      receivedAt: new Date(AS_OF), arrivedAt: Date.now(),
    };
    const r = await processDelivery(handler, installs, d);
    assert.equal(r.status, 200);
    return deps.stores.deliveries.seen(SHOP, deliveryDedupeKey(d));
  };
  const wrote = async (id: string, tags: string[]) => {
    await deps.stores.tagState.setDesired(SHOP, [{ customerId: id, tags, revision: 1 }]);
    await deps.stores.tagState.markApplied(SHOP, [{ customerId: id, tags, revision: 1 }]);
    await rt.enqueue.expectTagEcho(SHOP, [id], prefix);
  };

  before(async () => {
    s = await openTestServices(import.meta.url);
    deps = await testDeps(s);
    rt = runtimeFor(deps, new RecordingShopify());
    handler = { stores: deps.stores, installation: { probe: async () => 'active' as const }, connection: deps.mongo, effects: rt.enqueue, logger: testLogger };
    prefix = (await deps.stores.shops.effective(SHOP)).settings.tagPrefix;
  });
  after(async () => {
    await rt.close();
    await deps.close();
    await s.close();
  });

  it('records nothing and recomputes nothing for the echo carrying the desired tags', async () => {
    await wrote('501', [`${prefix}vip`]);
    assert.equal(await deliver('501', [`${prefix}vip`, 'wholesale']), false, 'no delivery record');
    assert.equal(await queued('501'), false, 'no recompute');
    // The next customers/update is the customer's own change: recorded and recomputed.
    assert.equal(await deliver('501', [`${prefix}vip`, 'wholesale', 'newsletter']), true);
    assert.equal(await queued('501'), true);
  });

  it('reads and writes no database document for the echo carrying the desired tags', async () => {
    await wrote('504', [`${prefix}vip`]);
    const commands: string[] = [];
    const record = (ev: { commandName: string }) => { commands.push(ev.commandName); };
    const client = deps.mongo.getClient();
    client.on('commandStarted', record);
    try {
      seq += 1;
      const r = await processDelivery(handler, installs, {
        shop: SHOP, topic: 'customers/update', webhookId: `wh-${seq}`, eventId: `evt-${seq}`, triggeredAt: null, hmac: '',
        body: JSON.stringify({ id: 504, tags: `wholesale, ${prefix}vip`, updated_at: new Date(AS_OF).toISOString(), admin_graphql_api_id: 'gid://shopify/Customer/504' }),
        receivedAt: new Date(AS_OF), arrivedAt: Date.now(),
      });
      assert.equal(r.status, 200);
    } finally {
      client.off('commandStarted', record);
    }
    assert.deepEqual(commands, [], 'the echo is recognised from Redis alone');
    assert.equal(await queued('504'), false, 'no recompute');
    assert.equal(await rt.enqueue.tagEchoPrefix(SHOP, '504'), null, 'the echo marker is consumed');
  });

  it('records the echo when the tags on Shopify are not the desired ones', async () => {
    await wrote('502', [`${prefix}vip`]);
    assert.equal(await deliver('502', [`${prefix}at-risk`]), true);
    assert.equal(await deliver('503', [`${prefix}vip`]), true, 'no echo expected for this customer');
    assert.equal(await queued('503'), true);
  });
});
