import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeShop, countMemberships, emptyCounts } from '../../src/segments/analyze-shop.ts';
import { calibrateShop } from '../../src/segments/calibrate-shop.ts';
import { dayOf } from '../../src/segments/calendar.ts';
import { summarizeCustomer } from '../../src/segments/customer-summary.ts';
import { predictClv } from '../../src/segments/predictions.ts';
import type { Calibration } from '../../src/segments/calibrate-shop.ts';
import { segmentCustomer } from '../../src/segments/segment-customer.ts';
import type { CustomerSegmentation } from '../../src/segments/segment-customer.ts';
import { tagVocabulary } from '../../src/segments/tags.ts';
import type { CustomerInput } from '../../src/segments/types.ts';
import { syntheticShop } from '../../tools/synthetic-shop.ts';
import { AS_OF, customer, DAY, daysAgo, defaultShopSettings, order, settingsWith } from './fixtures.ts';

const s = defaultShopSettings;
const shop: CustomerInput[] = [...syntheticShop({ customers: 3000, seed: 9, asOf: AS_OF })];
const family = (p: CustomerSegmentation, f: string): string[] => p.memberships.filter((m) => m.family === f).map((m) => m.segment);
const timeless = (p: CustomerSegmentation): string =>
  p.memberships
    .map((m) => `${m.family}/${m.segment}`)
    .sort()
    .join(' ') + ` due:${p.replenishment.due.map((d) => d.product).join(',')}`;

describe('analyzeShop', () => {
  let cal: Calibration;
  before(() => {
    cal = calibrateShop(shop, s, AS_OF);
  });

  it('gives exactly the counts of calibrate-then-segment-each (what the pipeline does)', () => {
    const analysis = analyzeShop(shop, s, AS_OF);
    const counts = emptyCounts();
    for (const c of shop) countMemberships(counts, segmentCustomer(c, cal, s, AS_OF));
    assert.deepEqual(analysis.counts, counts);
    assert.deepEqual(analysis.calibration, cal);
    const first = analysis.profiles[Symbol.iterator]().next().value!;
    assert.deepEqual(first, segmentCustomer(shop[0]!, cal, s, AS_OF));
  });

  it('has segment counts that add up to the buyers (and RFM to all customers)', () => {
    const { counts, calibration } = analyzeShop(shop, s, AS_OF);
    const sum = (f: keyof typeof counts): number => Object.values(counts[f]).reduce((a, b) => a + b, 0);
    assert.ok(calibration.prospects > 0);
    assert.equal(sum('loyalty'), calibration.buyers);
    assert.equal(sum('churn'), calibration.buyers);
    assert.equal(sum('value'), calibration.buyers);
    assert.equal(sum('rfm'), calibration.customers);
    assert.equal(counts.rfm['prospects'], calibration.prospects);
  });

  it('does not depend on the order of customers or of their orders', () => {
    const shuffled = [...shop].reverse().map((c) => ({ ...c, orders: [...c.orders].reverse() }));
    assert.deepEqual(calibrateShop(shuffled, s, AS_OF), cal);
  });

  it('produces a plain JSON calibration without "." in any key (MongoDB)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(cal)), cal);
    const keys = (v: unknown): string[] => (v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : []);
    assert.ok(keys(cal).every((k) => !k.includes('.')));
    assert.equal(cal.models.method, 'bgnbd');
    assert.ok(cal.replenishment.products.length > 0);
  });

  it('gives every membership exactly one vocabulary tag, and the tag list is those tags', () => {
    const vocabulary = new Set(tagVocabulary(s).map((t) => t.tag));
    for (const c of shop.slice(0, 500)) {
      const p = segmentCustomer(c, cal, s, AS_OF);
      assert.deepEqual(p.tags, p.memberships.map((m) => m.tag).sort());
      assert.equal(new Set(p.tags).size, p.tags.length);
      for (const t of p.tags) assert.ok(vocabulary.has(t) && t.startsWith('seg:') && t.length <= 40, t);
      for (const m of p.memberships) assert.ok(m.explanation.startsWith(`${m.label}: `), m.explanation);
    }
  });

  it('reports nextChangeAt as the first instant memberships change without a new order', () => {
    let checked = 0;
    for (const c of shop.slice(0, 400)) {
      const now = segmentCustomer(c, cal, s, AS_OF);
      const prev = { memberships: now.memberships }; // the daily sweep passes the stored memberships
      if (now.nextChangeAt === null) {
        assert.equal(timeless(segmentCustomer(c, cal, s, AS_OF + 365 * DAY, prev)), timeless(now));
        continue;
      }
      assert.ok(now.nextChangeAt > AS_OF, `nextChangeAt ${now.nextChangeAt} not after asOf`);
      const dayBefore = segmentCustomer(c, cal, s, now.nextChangeAt - 1, prev);
      const at = segmentCustomer(c, cal, s, now.nextChangeAt, prev);
      assert.equal(timeless(dayBefore), timeless(now), `customer ${c.customerId} changed before ${new Date(now.nextChangeAt).toISOString()}`);
      assert.notEqual(timeless(at), timeless(now), `customer ${c.customerId} did not change at ${new Date(now.nextChangeAt).toISOString()}`);
      checked++;
    }
    assert.ok(checked > 200, `only ${checked} customers had a next change`);
  });
});

describe('segmentCustomer rules', () => {
  // A small shop with a clear structure, fitted with the cadence fallback (too few buyers).
  const base = [
    ...Array.from({ length: 40 }, (_, i) => customer(`recent${i}`, [i % 20, 60 + i], 4_000 + i * 100)),
    ...Array.from({ length: 40 }, (_, i) => customer(`old${i}`, [400 + i * 3], 2_000 + i * 10)),
  ];

  it('uses the cadence fallback for small shops and says why', () => {
    const cal = calibrateShop(base, s, AS_OF);
    assert.equal(cal.models.method, 'cadence-fallback');
    assert.match(cal.models.fallbackReason!, /80 buyers < 500/);
    const p = segmentCustomer(base[0]!, cal, s, AS_OF);
    assert.equal(p.predictions!.method, 'cadence-fallback');
    assert.match(p.memberships.find((m) => m.family === 'churn')!.explanation, /\(cadence rule; too little data for a statistical model: 80 buyers < 500\)$/);
  });

  it('handles a shop without any buyer', () => {
    const onlyProspects: CustomerInput[] = [{ customerId: 'a', orders: [] }, { customerId: 'b', orders: [order({ customerId: 'b', financialStatus: 'voided' })] }];
    for (const shopCustomers of [[], onlyProspects]) {
      const cal = calibrateShop(shopCustomers, s, AS_OF);
      assert.equal(cal.buyers, 0);
      assert.equal(cal.models.method, 'cadence-fallback');
      assert.deepEqual(JSON.parse(JSON.stringify(cal)), cal);
      const { counts } = analyzeShop(shopCustomers, s, AS_OF);
      assert.deepEqual(counts.loyalty, {});
      if (shopCustomers.length) assert.deepEqual(counts.rfm, { prospects: 2 });
      // A first buyer arriving before the next calibration is still segmented sensibly.
      const p = segmentCustomer(customer('new', [0]), cal, s, AS_OF);
      assert.deepEqual(family(p, 'loyalty'), ['one-time-buyer']);
      assert.ok(family(p, 'behaviour').includes('new-customer'));
    }
  });

  it('reports nextChangeAt correctly under the cadence fallback too', () => {
    const cal = calibrateShop(base, s, AS_OF);
    let checked = 0;
    for (const c of [...base, customer('x', [3, 40, 90, 140]), customer('y', [100])]) {
      const now = segmentCustomer(c, cal, s, AS_OF);
      if (now.nextChangeAt === null) continue;
      const prev = { memberships: now.memberships };
      assert.equal(timeless(segmentCustomer(c, cal, s, now.nextChangeAt - 1, prev)), timeless(now), c.customerId);
      assert.notEqual(timeless(segmentCustomer(c, cal, s, now.nextChangeAt, prev)), timeless(now), c.customerId);
      checked++;
    }
    assert.ok(checked >= 50, `checked ${checked}`);
  });

  it('calls a customer without counted orders a Prospect and nothing else', () => {
    const prospect: CustomerInput = { customerId: 'p', orders: [order({ customerId: 'p', test: true })] };
    const cal = calibrateShop([...base, prospect], s, AS_OF);
    const p = segmentCustomer(prospect, cal, s, AS_OF);
    assert.deepEqual(p.tags, ['seg:rfm-prospects']);
    assert.equal(p.predictions, null);
    assert.equal(p.metrics.ignoredOrders, 1);
  });

  it('turns Lost into Lost but Engaged after an email click within 180 days or a visit within 90', () => {
    const cal = calibrateShop(base, s, AS_OF);
    const lost = customer('gone', [720], 1_000);
    assert.deepEqual(family(segmentCustomer(lost, cal, s, AS_OF), 'rfm'), ['lost']);
    const clicked = { ...lost, engagement: { lastEmailClickAt: daysAgo(30) } };
    const p = segmentCustomer(clicked, cal, s, AS_OF);
    assert.deepEqual(family(p, 'rfm'), ['lost-but-engaged']);
    assert.match(p.memberships.find((m) => m.family === 'rfm')!.explanation, /^Lost but Engaged: Lost by RFM \(R1 F1 M1.*\), but clicked an email on 2026-10-21$/);
    assert.deepEqual(family(segmentCustomer({ ...lost, engagement: { lastEmailClickAt: daysAgo(200) } }, cal, s, AS_OF), 'rfm'), ['lost']);
    assert.deepEqual(family(segmentCustomer({ ...lost, engagement: { lastVisitAt: daysAgo(60) } }, cal, s, AS_OF), 'rfm'), ['lost-but-engaged']);
    assert.deepEqual(family(segmentCustomer({ ...lost, engagement: { lastVisitAt: daysAgo(100) } }, cal, s, AS_OF), 'rfm'), ['lost']);
  });

  it('flags Dormant after 180 days without an order and New within 30 days of the first', () => {
    const cal = calibrateShop(base, s, AS_OF);
    assert.ok(family(segmentCustomer(customer('d', [180]), cal, s, AS_OF), 'behaviour').includes('dormant'));
    assert.ok(!family(segmentCustomer(customer('d', [179]), cal, s, AS_OF), 'behaviour').includes('dormant'));
    assert.ok(family(segmentCustomer(customer('n', [29]), cal, s, AS_OF), 'behaviour').includes('new-customer'));
    assert.ok(!family(segmentCustomer(customer('n', [5, 30]), cal, s, AS_OF), 'behaviour').includes('new-customer'));
  });

  it('flags Coupon Customers when most of at least two orders used a code', () => {
    const cal = calibrateShop(base, s, AS_OF);
    const withCodes = (codes: boolean[]): CustomerInput => ({
      customerId: 'k',
      orders: codes.map((c, i) => order({ customerId: 'k', at: daysAgo(10 + i * 20), discountCodes: c ? ['SAVE10'] : [] })),
    });
    assert.ok(family(segmentCustomer(withCodes([true, true, false]), cal, s, AS_OF), 'behaviour').includes('coupon-customer'));
    assert.ok(!family(segmentCustomer(withCodes([true, false]), cal, s, AS_OF), 'behaviour').includes('coupon-customer'));
    assert.ok(!family(segmentCustomer(withCodes([true]), cal, s, AS_OF), 'behaviour').includes('coupon-customer'));
  });

  it('flags Big Spenders by average order value in the top 10%', () => {
    const cal = calibrateShop(base, s, AS_OF);
    const p = segmentCustomer(customer('b', [3], 50_000), cal, s, AS_OF);
    assert.ok(family(p, 'behaviour').includes('big-spender'));
    assert.match(p.memberships.find((m) => m.segment === 'big-spender')!.explanation, /average order \$500\.00 ≥ \$/);
    assert.ok(!family(segmentCustomer(customer('s', [3], 1_000), cal, s, AS_OF), 'behaviour').includes('big-spender'));
  });

  it('lists replenishment due products with their due dates', () => {
    // 12 customers reorder toothpaste every 30 days.
    const paste = (id: string, days: number[]): CustomerInput => ({
      customerId: id,
      orders: days.map((d) => order({ customerId: id, at: daysAgo(d), lineItems: [{ productId: 'paste', variantId: null, sku: null, quantity: 1 }] })),
    });
    const regulars = Array.from({ length: 12 }, (_, i) => paste(`r${i}`, [5 + i, 35 + i, 65 + i]));
    const due = paste('due', [27]);
    const notYet = paste('later', [10]);
    const cal = calibrateShop([...base, ...regulars, due, notYet], s, AS_OF);
    assert.deepEqual(cal.replenishment.products.find((x) => x.product === 'paste'), { product: 'paste', intervalDays: 30, customers: 12 });
    const p = segmentCustomer(due, cal, s, AS_OF);
    assert.deepEqual(p.replenishment.due.map((d) => [d.product, new Date(d.dueAt).toISOString().slice(0, 10)]), [['paste', '2026-11-23']]);
    assert.match(p.memberships.find((m) => m.family === 'replenishment')!.explanation, /^Replenishment due: paste due 2026-11-23 \(every 30 days\)$/);
    const onlyReplenishment = settingsWith({ families: { loyalty: false, rfm: false, churn: false, value: false, behaviour: false } });
    const later = segmentCustomer(notYet, cal, onlyReplenishment, AS_OF);
    assert.equal(later.replenishment.due.length, 0);
    // Bought 2026-11-10, due 2026-12-10: enters the 7-day window on 2026-12-03.
    assert.equal(new Date(later.nextChangeAt!).toISOString().slice(0, 10), '2026-12-03');
    assert.equal(segmentCustomer(notYet, cal, onlyReplenishment, later.nextChangeAt!).tags.join(), 'seg:replenishment-due');
  });

  it('switches families off per shop', () => {
    const off = settingsWith({ families: { rfm: false, behaviour: false, churn: false, value: false, replenishment: false } });
    const cal = calibrateShop(base, off, AS_OF);
    const p = segmentCustomer(base[0]!, cal, off, AS_OF);
    assert.deepEqual(p.memberships.map((m) => m.family), ['loyalty']);
  });

  it('keeps "since" from the previous memberships for segments the customer stays in', () => {
    const cal = calibrateShop(base, s, AS_OF);
    const steady = base[45]!; // one order long ago: the same loyalty group on both days
    const first = segmentCustomer(steady, cal, s, AS_OF - 10 * DAY);
    const later = segmentCustomer(steady, cal, s, AS_OF, { memberships: first.memberships });
    const loyalty = later.memberships.find((m) => m.family === 'loyalty')!;
    assert.equal(loyalty.since, AS_OF - 10 * DAY);
    const fresh = segmentCustomer(steady, cal, s, AS_OF);
    assert.equal(fresh.memberships[0]!.since, AS_OF);
  });

  it('can measure recency from the shop’s latest order, so RFM does not drift between calibrations', () => {
    const latest = settingsWith({ rfm: { recencyReference: 'latest-order' } });
    const cal = calibrateShop(base, latest, AS_OF);
    assert.equal(cal.rfm.referenceDay, dayOf(AS_OF, s));
    const c = base[3]!; // last order 3 days ago: R5 now
    const now = segmentCustomer(c, cal, latest, AS_OF);
    const later = segmentCustomer(c, cal, latest, AS_OF + 300 * DAY);
    assert.deepEqual(later.metrics.rfm, now.metrics.rfm);
    assert.match(now.memberships.find((m) => m.family === 'rfm')!.explanation, /last order 3 days before the shop's latest order \(2026-11-20\)/);
    const live = calibrateShop(base, s, AS_OF);
    assert.ok(segmentCustomer(c, live, s, AS_OF + 300 * DAY).metrics.rfm!.r < segmentCustomer(c, live, s, AS_OF).metrics.rfm!.r);
  });

  it('uses the prefix from the settings for every tag', () => {
    const custom = settingsWith({ tagPrefix: 'cs_' });
    const cal = calibrateShop(base, custom, AS_OF);
    const p = segmentCustomer(base[0]!, cal, custom, AS_OF);
    assert.ok(p.tags.length >= 3 && p.tags.every((t) => t.startsWith('cs_')));
  });
});

describe('predictions', () => {
  it('computes the same 12-month value in calibration as in the profile', () => {
    const cal = calibrateShop(shop, s, AS_OF);
    for (const c of shop.slice(0, 300)) {
      const p = segmentCustomer(c, cal, s, AS_OF);
      if (p.predictions === null) continue;
      assert.equal(predictClv(summarizeCustomer(c, s, AS_OF), cal.models, s, dayOf(AS_OF, s)), p.predictions.clv12mMinor);
    }
  });
});
