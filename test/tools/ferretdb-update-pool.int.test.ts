// FerretDB 1.24 on SQLite hung for good once 100 updates held their query open while waiting for a
// write connection (tools/ferretdb/build.ts, UPDATE_RELEASES_QUERY_PATCH; found by the chaos suite's
// full run). The app's bulk paths send hundreds of updateOne in one command, so the server the tests and
// the demo run on must answer them. On MongoDB this passes trivially.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openTestServices, type TestServices } from '../support/test-services.ts';

const DOCS = 300;
/** A hang is reported as a failure, not waited out. */
async function answersWithin<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (a FerretDB without the update patch hangs here)`)), ms); });
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the MongoDB server answers many updates of existing documents at once', () => {
  let s: TestServices;
  before(async () => { s = await openTestServices(import.meta.url); });
  after(async () => { await s?.close(); });

  const collection = (name: string) => s.mongo.db!.collection<{ _id: string; n: number; m?: number }>(name);
  const seed = async (name: string) => {
    await collection(name).insertMany(Array.from({ length: DOCS }, (_, i) => ({ _id: `shop/${i}`, n: i })));
  };

  it('one bulkWrite of 250 updateOne by _id (ordered and unordered)', async () => {
    await seed('bulk');
    for (const ordered of [true, false]) {
      const ops = Array.from({ length: 250 }, (_, i) => ({ updateOne: { filter: { _id: `shop/${i}` }, update: { $set: { m: ordered ? i : -i } } } }));
      const r = await answersWithin(collection('bulk').bulkWrite(ops, { ordered }), 60_000, `bulkWrite ordered=${ordered}`);
      assert.equal(r.matchedCount, 250);
      assert.equal(r.modifiedCount, 250);
    }
    assert.equal(await collection('bulk').countDocuments({ m: { $lte: 0 } }), 250);
  });

  it('150 single updates and 150 findOneAndUpdate in flight at once', async () => {
    await seed('parallel');
    const c = collection('parallel');
    const updates = Array.from({ length: 150 }, (_, i) => c.updateOne({ _id: `shop/${i}` }, { $inc: { n: 1000 } }));
    const finds = Array.from({ length: 150 }, (_, i) => c.findOneAndUpdate({ _id: `shop/${150 + i}` }, { $set: { m: 1 } }, { returnDocument: 'after' }));
    const [u, f] = await answersWithin(Promise.all([Promise.all(updates), Promise.all(finds)]), 60_000, '300 updates in flight');
    assert.equal(u.filter((r) => r.modifiedCount === 1).length, 150);
    assert.equal(f.filter((d) => d?.m === 1).length, 150);
    assert.equal(await c.countDocuments({ n: { $gte: 1000 } }), 150);
  });

  it('findOneAndDelete of 150 documents at once', async () => {
    await seed('remove');
    const c = collection('remove');
    const gone = await answersWithin(Promise.all(Array.from({ length: 150 }, (_, i) => c.findOneAndDelete({ _id: `shop/${i}` }))), 60_000, '150 findOneAndDelete');
    assert.equal(gone.filter(Boolean).length, 150);
    assert.equal(await c.countDocuments({}), DOCS - 150);
  });
});
