// Segment browser benchmark: one page of a 100,000-member segment, first and deep.
//   npm run bench:segment-browser [-- --members 100000 --others 10000 --limit 50 --runs 5]
// Seeds profiles straight into a fresh database (the documents the pipeline writes, with the browser's
// keys), then times what GET /api/segments/:family/:segment/customers does: the first page with the
// member count, and a page 50,000 rows deep reached by its cursor (keyset: no skip), for two sort keys.
// Prints the median of --runs of each; the database is dropped at the end.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { serviceUrls } from '../src/config.ts';
import { CustomerProfileStore, profileId } from '../src/profiles/customer-profile-store.ts';
import { seededRng } from '../tools/seeded-random.ts';

const { values } = parseArgs({ options: {
  members: { type: 'string', default: '100000' }, others: { type: 'string', default: '10000' },
  limit: { type: 'string', default: '50' }, runs: { type: 'string', default: '5' },
} });
const MEMBERS = Number(values.members);
const OTHERS = Number(values.others);
const LIMIT = Number(values.limit);
const RUNS = Number(values.runs);
const SHOP = 'bench-browser.myshopify.com';
const AS_OF = Date.parse('2026-11-20T00:00:00Z');
const DAY = 86_400_000;

const conn = await mongoose.createConnection(serviceUrls().mongodbUri, { dbName: `bench_browser_${randomBytes(4).toString('hex')}` }).asPromise();
const profiles = new CustomerProfileStore(conn);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await f();
  return { ms: performance.now() - t, value };
}

try {
  await profiles.init();
  const rng = seededRng(16);
  const t0 = performance.now();
  const spend: Array<{ v: number; id: string }> = [];
  for (let i = 0; i < MEMBERS + OTHERS; i += 5000) {
    const docs = [];
    for (let j = i; j < Math.min(i + 5000, MEMBERS + OTHERS); j++) {
      const customerId = String(7_000_000_000_000 + j);
      const member = j < MEMBERS;
      const orders = member ? 1 : 2 + Math.floor(rng.next() * 6);
      const spendMinor = 500 + Math.floor(rng.next() * 40_000);
      const lastOrderAt = AS_OF - Math.floor(rng.next() * 700) * DAY;
      const segment = member ? 'one-time-buyer' : 'loyal-customer';
      if (member) spend.push({ v: spendMinor, id: customerId });
      docs.push({
        _id: profileId(SHOP, customerId), shop: SHOP, customerId,
        metricsJson: JSON.stringify({ orders, spendMinor, lastOrderAt }), predictionsJson: '{}', replenishmentJson: '[]',
        memberships: [{ family: 'loyalty', segment, label: segment, tag: `seg:${segment}`, explanation: `${segment}: ${orders} order(s)`, since: AS_OF }],
        tagsDesired: [`seg:${segment}`], tagsRevision: 1, nextChangeAt: null, asOf: new Date(AS_OF), computedAt: new Date(AS_OF), calibrationId: null,
        segmentKeys: [`loyalty/${segment}`], bySpend: spendMinor, byOrders: orders, byLastOrder: lastOrderAt, byChurn: rng.next(), byClv: Math.floor(rng.next() * 20_000),
      });
    }
    await profiles.model.collection.insertMany(docs as never[], { ordered: false });
  }
  console.error(`seeded ${MEMBERS.toLocaleString('en-US')} members + ${OTHERS.toLocaleString('en-US')} others in ${Math.round(performance.now() - t0)} ms`);

  // The cursor of row 50,000 in spend order (descending, then customer id): what the API would hand out.
  spend.sort((a, b) => b.v - a.v || (a.id < b.id ? -1 : 1));
  const deepAt = Math.min(50_000, MEMBERS - LIMIT - 1);
  const deep = spend[deepAt]!;
  const key = 'loyalty/one-time-buyer';
  const first: number[] = [];
  const firstNoCount: number[] = [];
  const deepMs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const a = await timed(() => Promise.all([profiles.segmentPage(SHOP, key, 'bySpend', -1, LIMIT + 1, null), profiles.countSegment(SHOP, key)]));
    if (a.value[1] !== MEMBERS) throw new Error(`count ${a.value[1]} ≠ ${MEMBERS}`);
    first.push(a.ms);
    firstNoCount.push((await timed(() => profiles.segmentPage(SHOP, key, 'bySpend', -1, LIMIT + 1, null))).ms);
    const d = await timed(() => profiles.segmentPage(SHOP, key, 'bySpend', -1, LIMIT + 1, { value: deep.v, customerId: deep.id }));
    if (d.value[0]?.customerId !== spend[deepAt + 1]!.id) throw new Error('deep page does not continue after its cursor');
    deepMs.push(d.ms);
  }
  const fmt = (xs: number[]) => `${median(xs).toFixed(0)} ms (median of ${xs.length}; min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  console.log(`segment of ${MEMBERS.toLocaleString('en-US')} in a shop of ${(MEMBERS + OTHERS).toLocaleString('en-US')}, ${LIMIT} rows a page, sorted by spend:`);
  console.log(`  first page + member count: ${fmt(first)}`);
  console.log(`  first page alone:          ${fmt(firstNoCount)}`);
  console.log(`  page at row ${deepAt.toLocaleString('en-US')} (cursor):  ${fmt(deepMs)}`);
} finally {
  await conn.dropDatabase().catch(() => undefined);
  await conn.close();
}
