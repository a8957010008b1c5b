import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from '../../tools/seeded-random.ts';
import { syntheticShop } from '../../tools/synthetic-shop.ts';

const AS_OF = Date.UTC(2026, 10, 20, 23, 59, 59, 999);

describe('synthetic shop', () => {
  it('is the same shop for the same seed, on every iteration, and another for another seed', () => {
    const shop = syntheticShop({ customers: 200, seed: 4, asOf: AS_OF });
    const a = JSON.stringify([...shop]);
    assert.equal(JSON.stringify([...shop]), a);
    assert.equal(JSON.stringify([...syntheticShop({ customers: 200, seed: 4, asOf: AS_OF })]), a);
    assert.notEqual(JSON.stringify([...syntheticShop({ customers: 200, seed: 5, asOf: AS_OF })]), a);
  });

  it('has about five orders per customer, none after asOf, money in whole minor units', () => {
    const customers = [...syntheticShop({ customers: 5000, seed: 1, asOf: AS_OF })];
    const orders = customers.flatMap((c) => c.orders);
    assert.ok(orders.length / customers.length > 4.5 && orders.length / customers.length < 5.5, `${orders.length / customers.length}`);
    assert.ok(orders.every((o) => o.processedAt <= AS_OF && Number.isInteger(o.netMinor) && o.netMinor >= 0));
    assert.ok(customers.some((c) => c.orders.length === 0));
    assert.equal(new Set(orders.map((o) => o.id)).size, orders.length);
  });

  it('draws uniform numbers in [0, 1) from a seeded generator', () => {
    const rng = seededRng(42);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = rng.next();
      assert.ok(u >= 0 && u < 1);
      sum += u;
    }
    assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.005);
    assert.equal(seededRng(42).next(), seededRng(42).next());
  });
});
