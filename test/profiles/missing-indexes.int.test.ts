// Every process declares its indexes at start; on FerretDB a createIndexes takes the metadata write
// lock that, with the SQLite pool full of open cursors, hangs the server (src/profiles/missing-indexes.ts).
// So a start where every index exists must create none — for each of the app's real stores.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStores, ensureIndexes } from '../../src/deps.ts';
import { loadConfig } from '../../src/config.ts';
import { openTestServices, type TestServices } from '../support/test-services.ts';

type Model = { modelName: string; createIndexes(): Promise<unknown>; diffIndexes(): Promise<{ toCreate: unknown[] }> };

describe('indexes declared at start: only the missing ones are created', () => {
  let s: TestServices;
  before(async () => { s = await openTestServices(import.meta.url); });
  after(async () => { await s?.close(); });

  it('creates them in an empty database, then never again while they all exist', async () => {
    const config = loadConfig({ SHOPIFY_API_KEY: 'k', SHOPIFY_API_SECRET: 's', SHOPIFY_APP_URL: 'https://a.example.com', ENCRYPTION_KEY: 'a'.repeat(64), SUPPORT_TOKEN: 's'.repeat(32), QUEUE_PREFIX: s.queuePrefix });
    const redis = s.redis();
    const stores = createStores(s.mongo, redis, config);
    await ensureIndexes(stores);
    const models = Object.values(s.mongo.models) as unknown as Model[];
    assert.ok(models.length >= 8, `the stores' models: ${models.map((m) => m.modelName).join(', ')}`);
    for (const m of models) assert.deepEqual((await m.diffIndexes()).toCreate, [], `${m.modelName}: every index exists after the first start`);
    // A second start (a worker respawned): no createIndexes at all.
    const created: string[] = [];
    const originals = models.map((m) => m.createIndexes);
    for (const m of models) m.createIndexes = async () => { created.push(m.modelName); };
    try {
      await ensureIndexes(stores);
    } finally {
      models.forEach((m, i) => { m.createIndexes = originals[i]!; });
    }
    assert.deepEqual(created, []);
  });
});
