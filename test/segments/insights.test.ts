import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { calibrateFromSummaries } from '../../src/segments/calibrate-shop.ts';
import type { Calibration } from '../../src/segments/calibrate-shop.ts';
import { summarizeCustomer } from '../../src/segments/customer-summary.ts';
import { insightsFromCustomers, shopInsights, wilsonInterval } from '../../src/segments/insights.ts';
import type { CustomerInput, NormalizedOrder } from '../../src/segments/types.ts';
import { syntheticShop } from '../../tools/synthetic-shop.ts';
import { AS_OF, daysAgo, order, settingsWith } from './fixtures.ts';

/** One order per entry: [days before AS_OF, products, net minor units]. */
function buyer(id: string, orders: Array<[number, string[], number?]>): CustomerInput {
  return {
    customerId: id,
    orders: orders.map(([ago, products, minor = 5000]): NormalizedOrder =>
      order({ customerId: id, at: daysAgo(ago), netMinor: minor, grossMinor: minor, lineItems: products.map((p) => ({ productId: null, variantId: null, sku: p, quantity: 1 })) }),
    ),
  };
}

// Cadence fallback that never calls anyone churned, so predicted values are easy to compute by hand:
// clv = round(365 / typical interval × own value per purchase day).
const settings = settingsWith({ churn: { fallbackMediumAfterIntervals: 50, fallbackHighAfterIntervals: 100 }, replenishment: { minRepeatCustomers: 2 } });

// Window 30 days. c1–c4 have first orders ≥ 30 days ago (observed); c5 does not.
const small: CustomerInput[] = [
  buyer('c1', [[100, ['A'], 2000], [80, ['A'], 2000]]), // reorders after 20 days: a repeater
  buyer('c2', [[100, ['A', 'B'], 4000], [50, ['B'], 4000]]), // after 50 days: not within the window
  buyer('c3', [[90, ['B'], 6000], [70, ['C'], 6000]]), // after 20 days: a repeater
  buyer('c4', [[60, ['A'], 8000]]), // one order
  buyer('c5', [[10, ['A'], 1000], [5, ['A'], 1000]]), // observed 10 days only
];

describe('wilsonInterval', () => {
  it('matches the published Wilson score intervals (Newcombe 1998, Stat Med 17:857–872, Table I, method 3)', () => {
    const round4 = ([lo, hi]: [number, number]): [number, number] => [Math.round(lo * 1e4) / 1e4, Math.round(hi * 1e4) / 1e4];
    assert.deepEqual(round4(wilsonInterval(81, 263)), [0.2553, 0.3662]);
    assert.deepEqual(round4(wilsonInterval(15, 148)), [0.0624, 0.1605]);
    assert.deepEqual(round4(wilsonInterval(0, 20)), [0, 0.1611]);
    assert.deepEqual(round4(wilsonInterval(1, 29)), [0.0061, 0.1718]);
  });
});

describe('shopInsights on a small constructed shop (hand-computed)', () => {
  const { insights } = insightsFromCustomers(small, settings, AS_OF, { windowDays: 30, minCustomers: 2, minBestBuyers: 1 });

  it('shop repeat rate: 2 of the 4 customers observed for 30 days reordered within them', () => {
    assert.equal(insights.shop.customers, 4);
    assert.equal(insights.shop.repeaters, 2);
    assert.equal(insights.shop.repeatRate, 0.5);
    assert.equal(insights.shop.buyers, 5);
    assert.equal(insights.shop.products, 3);
    // Typical interval = median of repeat buyers' gaps [5, 20, 20, 50] = 20 days: clv = 18.25 × value per day.
    // c1..c4: 36,500 + 73,000 + 109,500 + 146,000 = 365,000 / 4.
    assert.equal(insights.shop.meanClv12mMinor, 91_250);
  });

  it('gateway products: A first for c1, c2, c4 (1 repeater); B for c2, c3 (1); C never first; ranked by the lower bound', () => {
    assert.deepEqual(
      insights.gatewayProducts.map((g) => [g.product, g.customers, g.repeaters, g.meanClv12mMinor]),
      [
        ['B', 2, 1, 91_250], // (73,000 + 109,500) / 2; Wilson lower bound of 1/2 = 0.0945
        ['A', 3, 1, 85_167], // (36,500 + 73,000 + 146,000) / 3; lower bound of 1/3 = 0.0615
      ],
    );
    assert.equal(Math.round(insights.gatewayProducts[0]!.repeatRateCi[0] * 1e4), 945);
    assert.equal(Math.round(insights.gatewayProducts[1]!.repeatRateCi[0] * 1e4), 615);
    assert.equal(insights.gatewayProducts[1]!.explanation, '33% of the 3 customers whose first order included A ordered again within 30 days (95% interval 6%–79%), against 50% for the shop; their predicted 12-month value averages $851.67 against $912.50');
  });

  it('minCustomers drops products with too few observed customers', () => {
    const i = shopInsights(small.map((c) => summarizeCustomer(c, settings, AS_OF)), calibrationOf(small), settings, AS_OF, { windowDays: 30, minCustomers: 3 });
    assert.deepEqual(i.gatewayProducts.map((g) => g.product), ['A']);
  });

  it('reorder rhythm: A learned from c1 (20 days) and c5 (5 days); B from c2 only (below the support of 2)', () => {
    assert.deepEqual(
      insights.reorder.map(({ explanation: _e, ...r }) => r),
      [{ product: 'A', intervalDays: 13, q1: 5, q3: 20, customers: 2, buyers: 4, reorderRate: 0.5 }],
    );
  });
});

function calibrationOf(customers: CustomerInput[]): Calibration {
  return calibrateFromSummaries(customers.map((c) => summarizeCustomer(c, settings, AS_OF)), settings, AS_OF);
}

describe('ranking by the lower bound, not the point estimate', () => {
  // P: 2 of 2 repeat (rate 1.0, Wilson lower 0.342). Q: 9 of 10 (0.9, lower 0.596). Q ranks first.
  const shop: CustomerInput[] = [];
  for (let i = 0; i < 2; i++) shop.push(buyer(`p${i}`, [[200, ['P']], [190, ['P']]]));
  for (let i = 0; i < 10; i++) shop.push(buyer(`q${i}`, i < 9 ? [[200, ['Q']], [190, ['Q']]] : [[200, ['Q']]]));
  it('orders Q before P', () => {
    const { insights } = insightsFromCustomers(shop, settings, AS_OF, { windowDays: 30, minCustomers: 2 });
    assert.deepEqual(insights.gatewayProducts.map((g) => [g.product, g.repeatRate]), [['Q', 0.9], ['P', 1]]);
  });
});

describe('what the best buy (lift)', () => {
  const shop: CustomerInput[] = [
    buyer('v1', [[30, ['X']], [20, ['X']], [10, ['Y']]]),
    buyer('v2', [[30, ['X']], [20, ['Z']], [10, ['Z']]]),
    buyer('b1', [[30, ['Y']]]),
    buyer('b2', [[30, ['Y', 'Z']]]),
    buyer('b3', [[30, ['X']], [20, ['W']]]),
  ];
  const summaries = shop.map((c) => summarizeCustomer(c, settings, AS_OF));
  const base = calibrationOf(shop);
  // VIP = 3+ orders (v1, v2); one frequency score for everyone, so nobody is a Champion.
  const cal: Calibration = { ...base, loyalty: { ...base.loyalty, frequentMinOrders: 3, vipMinOrders: 3, vipMinSpendMinor: 0 }, rfm: { ...base.rfm, frequency: { cuts: [], scores: [1] } } };

  it('lift = share of VIPs and Champions who bought it ÷ share of all buyers who bought it', () => {
    const i = shopInsights(summaries, cal, settings, AS_OF, { minBestBuyers: 1 });
    assert.equal(i.shop.bestCustomers, 2);
    assert.deepEqual(
      i.bestCustomerProducts.map((p) => [p.product, p.bestBuyers, p.buyers, p.lift]),
      [
        ['X', 2, 3, 5 / 3], // (2/2) / (3/5)
        ['Z', 1, 2, 5 / 4], // (1/2) / (2/5)
        ['Y', 1, 3, 5 / 6], // (1/2) / (3/5); W: no best buyer
      ],
    );
    assert.equal(i.bestCustomerProducts[0]!.explanation, '100% of VIPs and Champions bought X (2 of 2) against 60% of all buyers (3 of 5): 1.7× as likely');
  });

  it('minimum support', () => {
    assert.deepEqual(shopInsights(summaries, cal, settings, AS_OF, { minBestBuyers: 2 }).bestCustomerProducts.map((p) => p.product), ['X']);
  });
});

describe('logs without products', () => {
  it('a log with no line items gives empty lists and a note, not a crash', () => {
    const shop = [buyer('a', [[300, []], [250, []]]), buyer('b', [[300, []]])];
    const { insights } = insightsFromCustomers(shop, settings, AS_OF, {});
    assert.equal(insights.shop.customers, 2);
    assert.equal(insights.shop.repeaters, 1);
    assert.deepEqual([insights.gatewayProducts, insights.bestCustomerProducts, insights.reorder], [[], [], []]);
    assert.match(insights.notes.join('\n'), /no counted order line names a product/);
  });

  it('a placeholder product key (CDNOW) is no product', () => {
    const shop = [buyer('a', [[300, ['cdnow-cd']], [250, ['cdnow-cd']]]), buyer('b', [[300, ['cdnow-cd']], [200, ['cdnow-cd']]])];
    const { insights } = insightsFromCustomers(shop, settings, AS_OF, { minCustomers: 1, placeholderProducts: ['cdnow-cd'] });
    assert.deepEqual([insights.gatewayProducts, insights.bestCustomerProducts, insights.reorder], [[], [], []]);
    assert.deepEqual(insights.notes, ['no product identity in these orders (every line is cdnow-cd): gateway products, what the best buy and reorder rhythm need products']);
  });
});

describe('properties', () => {
  const products = ['P1', 'P2', 'P3', 'P4'];
  const arbShop = fc.array(
    fc.record({
      orders: fc.array(fc.record({ ago: fc.integer({ min: 0, max: 400 }), items: fc.subarray(products, { minLength: 1 }), minor: fc.integer({ min: 100, max: 20_000 }) }), { minLength: 1, maxLength: 5 }),
    }),
    { minLength: 1, maxLength: 40 },
  );
  const build = (raw: Array<{ orders: Array<{ ago: number; items: string[]; minor: number }> }>): CustomerInput[] =>
    raw.map((c, i) => buyer(`c${i}`, c.orders.map((o) => [o.ago, o.items, o.minor])));
  const options = { windowDays: 90, minCustomers: 1, minBestBuyers: 1 };

  it('permuting customers and their orders changes nothing', () => {
    fc.assert(
      fc.property(arbShop, fc.integer(), (raw, seed) => {
        const shop = build(raw);
        const shuffled = fc.sample(fc.shuffledSubarray(shop, { minLength: shop.length, maxLength: shop.length }), { seed, numRuns: 1 })[0]!;
        const reordered = shuffled.map((c) => ({ ...c, orders: [...c.orders].reverse() }));
        assert.deepEqual(insightsFromCustomers(reordered, settings, AS_OF, options).insights, insightsFromCustomers(shop, settings, AS_OF, options).insights);
      }),
      { seed: 20, numRuns: 60 },
    );
  });

  it('adding a customer observed for less than the window changes neither the shop rate nor the gateway products', () => {
    fc.assert(
      fc.property(arbShop, fc.integer({ min: 0, max: 89 }), fc.subarray(products, { minLength: 1 }), (raw, firstAgo, items) => {
        const shop = build(raw);
        const cal = calibrationOf(shop); // the calibration is the shop's, computed before: only the window rule is under test
        const before = shopInsights(shop.map((c) => summarizeCustomer(c, settings, AS_OF)), cal, settings, AS_OF, options);
        const newcomer = buyer('newcomer', [[firstAgo, items], [Math.max(0, firstAgo - 3), items]]);
        const after = shopInsights([...shop, newcomer].map((c) => summarizeCustomer(c, settings, AS_OF)), cal, settings, AS_OF, options);
        assert.deepEqual(after.gatewayProducts, before.gatewayProducts);
        assert.deepEqual([after.shop.customers, after.shop.repeaters, after.shop.repeatRate, after.shop.meanClv12mMinor], [before.shop.customers, before.shop.repeaters, before.shop.repeatRate, before.shop.meanClv12mMinor]);
      }),
      { seed: 21, numRuns: 60 },
    );
  });
});

describe('a larger synthetic shop', () => {
  it('every gateway product is supported and lists are in their documented order', () => {
    const shop = [...syntheticShop({ customers: 2000, seed: 20, asOf: AS_OF })];
    const { insights } = insightsFromCustomers(shop, settings, AS_OF, {});
    for (const g of insights.gatewayProducts) assert.ok(g.customers >= 30 && g.repeatRateCi[0] <= g.repeatRate && g.repeatRate <= g.repeatRateCi[1]);
    for (let k = 1; k < insights.gatewayProducts.length; k++) assert.ok(insights.gatewayProducts[k - 1]!.repeatRateCi[0] >= insights.gatewayProducts[k]!.repeatRateCi[0]);
    for (let k = 1; k < insights.bestCustomerProducts.length; k++) assert.ok(insights.bestCustomerProducts[k - 1]!.lift >= insights.bestCustomerProducts[k]!.lift);
  });
});
