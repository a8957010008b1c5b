// Segment browser and Overview benchmark.
//   npm run bench:segment-browser [-- --members 100000 --others 10000 --limit 50 --runs 5]
//                                 [-- --overview-customers 1000000 --seed-seconds 900]
// Seeds profiles straight into a fresh database (the documents the pipeline writes, with the browser's
// keys), builds the membership index and aggregates as the whole-shop recompute does (beginRebuild, then finishRebuild),
// then times what the API runs: GET /api/segments/:family/:segment/customers — the first page with the
// member count, the first page alone, and the page at row 50,000 reached by its cursor — for two sort
// keys; one customer's profile save (the incremental upkeep of the index); GET /api/overview from the
// aggregates, beside the scan of every profile the Overview used to make, and the whole Overview page
// (GET /api/overview with GET /api/overview/sizes?family=loyalty&days=90, the sizes-over-time chart read
// from the recorded daily sizes: 89 past days recorded as the nightly recalibrations do). With
// --overview-customers N the shop is topped up to N profiles (small documents, insertMany unordered,
// stopped after --seed-seconds) and the Overview is timed again. Medians of --runs; the database is
// dropped at the end.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { Redis } from 'ioredis';
import { DerivedBuffer } from '../src/profiles/derived-buffer.ts';
import { serviceUrls } from '../src/config.ts';
import { CustomerProfileStore, keysOfDoc, profileId } from '../src/profiles/customer-profile-store.ts';
import { deriveAggregates } from '../src/profiles/shop-aggregates.ts';
import { BROWSER_SORTS, rfmCellKey, type BrowserKeys, type BrowserSort } from '../src/profiles/segment-browser-keys.ts';
import { shopScope } from '../src/profiles/shard-keys.ts';
import { computeOverview, sizesOverTime } from '../web/admin/overview.ts';
import { SegmentEventStore } from '../src/profiles/segment-event-store.ts';
import { DAY_MS } from '../src/profiles/segment-size-history.ts';
import { seededRng } from '../tools/seeded-random.ts';

const { values } = parseArgs({ options: {
  members: { type: 'string', default: '100000' }, others: { type: 'string', default: '10000' },
  limit: { type: 'string', default: '50' }, runs: { type: 'string', default: '5' },
  'overview-customers': { type: 'string', default: '0' }, 'seed-seconds': { type: 'string', default: '900' },
} });
const MEMBERS = Number(values.members);
const OTHERS = Number(values.others);
const LIMIT = Number(values.limit);
const RUNS = Number(values.runs);
const OVERVIEW_CUSTOMERS = Number(values['overview-customers']);
const SEED_SECONDS = Number(values['seed-seconds']);
const SHOP = 'bench-browser.myshopify.com';
const AS_OF = Date.parse('2026-11-20T00:00:00Z');
const DAY = 86_400_000;
const KEY = 'loyalty/one-time-buyer';

const conn = await mongoose.createConnection(serviceUrls().mongodbUri, { dbName: `bench_browser_${randomBytes(4).toString('hex')}` }).asPromise();
const redis = new Redis(serviceUrls().redisUrl);
const profiles = new CustomerProfileStore(conn, null, new DerivedBuffer(redis, `bench-browser-${randomBytes(4).toString('hex')}`));
const events = new SegmentEventStore(conn);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => `${median(xs).toFixed(0)} ms (median of ${xs.length}; min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await f();
  return { ms: performance.now() - t, value };
}
const rng = seededRng(16);

/** One synthetic customer: a One Time Buyer (member) or a Loyal customer, with an RFM cell. */
function customer(j: number): { customerId: string; keys: BrowserKeys; doc: Record<string, unknown> } {
  const customerId = String(7_000_000_000_000 + j);
  const member = j < MEMBERS;
  const orders = member ? 1 : 2 + Math.floor(rng.next() * 6);
  const spendMinor = 500 + Math.floor(rng.next() * 40_000);
  const lastOrderAt = AS_OF - Math.floor(rng.next() * 700) * DAY;
  const segment = member ? 'one-time-buyer' : 'loyal-customer';
  const r = 1 + Math.floor(rng.next() * 5);
  const f = member ? 1 : 2 + Math.floor(rng.next() * 4);
  const keys: BrowserKeys = { segmentKeys: [`loyalty/${segment}`, rfmCellKey(r, f)], bySpend: spendMinor, byOrders: orders, byLastOrder: lastOrderAt, byChurn: rng.next(), byClv: Math.floor(rng.next() * 20_000) };
  return { customerId, keys, doc: {
    _id: profileId(SHOP, customerId), shop: SHOP, customerId,
    metricsJson: JSON.stringify({ orders, spendMinor, lastOrderAt, rfm: { r, f, m: 3 } }), predictionsJson: '{}', replenishmentJson: '[]',
    membershipsJson: JSON.stringify([{ family: 'loyalty', segment, label: segment, tag: `seg:${segment}`, explanation: `${segment}: ${orders} order(s)`, since: AS_OF }]),
    tagsDesired: [`seg:${segment}`], tagsRevision: 1, nextChangeAt: null, asOf: new Date(AS_OF), computedAt: new Date(AS_OF), calibrationId: null, ...keys,
  } };
}

const all = new Map<string, BrowserKeys>();
/** Seeds customers from..to (full profile documents, or only ids and browser keys when `small`). */
async function seed(from: number, to: number, deadline = Infinity, small = false): Promise<number> {
  let j = from;
  while (j < to && performance.now() < deadline) {
    const docs = [];
    for (const end = Math.min(j + 5000, to); j < end; j++) {
      const c = customer(j);
      all.set(c.customerId, c.keys);
      docs.push(small ? { _id: c.doc._id, shop: SHOP, customerId: c.customerId, membershipsJson: '[]', ...c.keys } : c.doc);
    }
    await profiles.model.collection.insertMany(docs as never[], { ordered: false });
  }
  return j;
}

/** The first page, the first page with its count, and the page at row 50,000 by its cursor, for one sort. */
async function pages(sort: BrowserSort, dir: 1 | -1): Promise<void> {
  const field = BROWSER_SORTS[sort];
  const ordered = [...all].filter(([, k]) => k.segmentKeys.includes(KEY)).map(([id, k]) => ({ v: k[field], id }));
  ordered.sort((a, b) => (a.v - b.v || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) * dir);
  const deepAt = Math.min(50_000, MEMBERS - LIMIT - 1);
  const deep = ordered[deepAt]!;
  const first: number[] = [];
  const firstNoCount: number[] = [];
  const deepMs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const a = await timed(() => Promise.all([profiles.countSegment(SHOP, KEY), profiles.segmentPage(SHOP, KEY, field, dir, LIMIT, null)]));
    if (a.value[0] !== MEMBERS) throw new Error(`count ${a.value[0]} ≠ ${MEMBERS}`);
    if (a.value[1].docs.map((d) => d.customerId).join() !== ordered.slice(0, LIMIT).map((o) => o.id).join()) throw new Error('first page is not the segment\'s first rows');
    first.push(a.ms);
    firstNoCount.push((await timed(() => profiles.segmentPage(SHOP, KEY, field, dir, LIMIT, null))).ms);
    const d = await timed(() => profiles.segmentPage(SHOP, KEY, field, dir, LIMIT, { value: deep.v, customerId: deep.id }));
    if (d.value.docs.map((x) => x.customerId).join() !== ordered.slice(deepAt + 1, deepAt + 1 + LIMIT).map((o) => o.id).join()) throw new Error('deep page does not continue after its cursor');
    deepMs.push(d.ms);
  }
  console.log(`  sorted by ${sort} ${dir === 1 ? 'asc' : 'desc'}: first page + count ${fmt(first)}; first page ${fmt(firstNoCount)}; page at row ${deepAt.toLocaleString('en-US')} ${fmt(deepMs)}`);
}

/** One customer's save moving it between segments: the profile write plus the index and aggregates upkeep. */
async function incrementalSave(): Promise<void> {
  const ms: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const id = String(7_000_000_000_000 + r);
    const previous = await profiles.getDoc(SHOP, id);
    const update = { memberships: previous!.memberships, tagsDesired: previous!.tagsDesired, metrics: { orders: 1, spendMinor: 99_000 + r, lastOrderAt: AS_OF, rfm: { r: 5, f: 1 } }, predictions: {}, replenishment: [], nextChangeAt: null, asOf: new Date(AS_OF), computedAt: new Date(AS_OF), calibrationId: null };
    ms.push((await timed(() => profiles.save(SHOP, id, update, previous))).ms);
    all.set(id, keysOfDoc((await profiles.getDoc(SHOP, id))!));
  }
  console.log(`  one customer's save with index + aggregates upkeep: ${fmt(ms)}`);
}

async function overview(label: string, customers: number): Promise<void> {
  const ms: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const o = await timed(() => computeOverview(profiles, SHOP));
    if (o.value.customers !== customers) throw new Error(`overview counts ${o.value.customers} ≠ ${customers}`);
    ms.push(o.ms);
  }
  console.log(`  ${label}: GET /api/overview from the aggregates ${fmt(ms)}`);
  // The page: the Overview and its chart (90 days of the loyalty family) together.
  const end = Math.floor(AS_OF / DAY_MS);
  const live = (await profiles.derivedState(SHOP)).members;
  for (let d = end - 89; d < end; d++) {
    // 89 past days as the nightly recalibrations record them (sizes drifting towards today's).
    const f = 1 - (end - d) / 400;
    await profiles.sizeHistory.record(SHOP, d, Object.fromEntries(Object.entries(live).map(([k, n]) => [k, Math.round(n * f)])));
  }
  await profiles.sizeHistory.markBackfilled(SHOP, end - 90);
  const page: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const o = await timed(() => Promise.all([computeOverview(profiles, SHOP), sizesOverTime(profiles, events, SHOP, 'loyalty', 90, AS_OF)]));
    const [overview, sizes] = o.value;
    if (overview.customers !== customers) throw new Error(`overview counts ${overview.customers} ≠ ${customers}`);
    const series = sizes.series.find((x) => x.segment === 'one-time-buyer')!;
    if (sizes.days.length !== 90 || series.sizes.at(-1) !== (live['loyalty/one-time-buyer'] ?? 0) || series.sizes[0] !== Math.round((live['loyalty/one-time-buyer'] ?? 0) * (1 - 89 / 400))) throw new Error('chart is not the recorded sizes');
    page.push(o.ms);
  }
  console.log(`  ${label}: the Overview page (GET /api/overview + GET /api/overview/sizes, 90 days) ${fmt(page)}`);
}

try {
  await profiles.init();
  const t0 = performance.now();
  await seed(0, MEMBERS + OTHERS);
  console.error(`seeded ${MEMBERS.toLocaleString('en-US')} members + ${OTHERS.toLocaleString('en-US')} others in ${Math.round(performance.now() - t0)} ms`);
  const rebuild = await timed(async () => profiles.finishRebuild(await profiles.beginRebuild(SHOP), [...all].map(([customerId, keys]) => ({ customerId, keys }))));
  console.log(`segment of ${MEMBERS.toLocaleString('en-US')} in a shop of ${(MEMBERS + OTHERS).toLocaleString('en-US')}, ${LIMIT} rows a page:`);
  console.log(`  rebuild of the membership index + aggregates (whole-shop recompute's last step): ${rebuild.ms.toFixed(0)} ms`);
  await pages('spend', -1);
  await pages('lastOrder', 1);
  await incrementalSave();
  const scan = await timed(async () => {
    let n = 0;
    for await (const _ of profiles.model.find(shopScope('customer_profiles', SHOP), { membershipsJson: 1, metricsJson: 1, _id: 0 }).lean().cursor({ batchSize: 2000 })) n++;
    return n;
  });
  console.log(`  the scan of every profile the Overview used to make: ${scan.ms.toFixed(0)} ms (${scan.value.toLocaleString('en-US')} profiles)`);
  await overview(`${(MEMBERS + OTHERS).toLocaleString('en-US')} customers`, MEMBERS + OTHERS);
  if (OVERVIEW_CUSTOMERS > MEMBERS + OTHERS) {
    const t1 = performance.now();
    const reached = await seed(MEMBERS + OTHERS, OVERVIEW_CUSTOMERS, t1 + SEED_SECONDS * 1000, true);
    console.log(`  topped up to ${reached.toLocaleString('en-US')} profiles in ${((performance.now() - t1) / 1000).toFixed(0)} s${reached < OVERVIEW_CUSTOMERS ? ` (stopped by --seed-seconds ${SEED_SECONDS})` : ''}`);
    // The counts the whole-shop recompute makes live at its switch (the top-up's index is not built: the Overview does not read it).
    const derive = await timed(async () => {
      const a = deriveAggregates([...all.values()].map((keys) => ({ keys })));
      await profiles.aggregates.model.collection.updateOne({ _id: SHOP } as never, { $set: { customers: a.customers, revenueMinor: a.revenueMinor, members: a.members, revenue: a.revenue } } as never);
    });
    console.log(`  aggregates derived and written for ${reached.toLocaleString('en-US')} customers: ${derive.ms.toFixed(0)} ms`);
    await overview(`${reached.toLocaleString('en-US')} customers`, reached);
  }
} finally {
  await conn.dropDatabase().catch(() => undefined);
  await conn.close();
  redis.disconnect();
}
