import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { quintileScale, scoreOf } from '../../src/segments/rfm-scores.ts';

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

describe('RFM quintile scores', () => {
  it('does not collapse when 60% of buyers have one order', () => {
    // 600 × 1 order, 150 × 2, 100 × 3, 50 × 4, 100 × 5..14
    const freq = [...Array(600).fill(1), ...Array(150).fill(2), ...Array(100).fill(3), ...Array(50).fill(4), ...Array.from({ length: 100 }, (_, i) => 5 + (i % 10))];
    const scale = quintileScale(sorted(freq), false);
    assert.deepEqual([1, 2, 3, 4, 5, 14].map((v) => scoreOf(scale, v)), [1, 2, 3, 4, 5, 5]);
  });

  it('gives equal values equal scores, whatever the input order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 300 }), fc.boolean(), (values, lowerIsBetter) => {
        const a = quintileScale(sorted(values), lowerIsBetter);
        const b = quintileScale(sorted([...values].reverse()), lowerIsBetter);
        assert.deepEqual(a, b);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('keeps scores within 1..5 and monotone in the value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 400 }), fc.boolean(), (values, lowerIsBetter) => {
        const scale = quintileScale(sorted(values), lowerIsBetter);
        const s = sorted(values);
        for (let i = 0; i < s.length; i++) {
          const sc = scoreOf(scale, s[i]!);
          assert.ok(sc >= 1 && sc <= 5);
          if (i > 0) {
            const prev = scoreOf(scale, s[i - 1]!);
            if (lowerIsBetter) assert.ok(sc <= prev);
            else assert.ok(sc >= prev);
          }
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('uses all five scores when there are five or more distinct values', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 5, maxLength: 60 }), fc.array(fc.nat(4), { maxLength: 200 }), (distinct, extra) => {
        const values = [...distinct, ...extra.map((i) => distinct[i % distinct.length]!)];
        const scale = quintileScale(sorted(values), false);
        assert.deepEqual(new Set(values.map((v) => scoreOf(scale, v))), new Set([1, 2, 3, 4, 5]));
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('puts close to a fifth of customers in each score when values are spread', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const scale = quintileScale(values, false);
    const counts = [0, 0, 0, 0, 0];
    for (const v of values) counts[scoreOf(scale, v) - 1]!++;
    assert.deepEqual(counts, [200, 200, 200, 200, 200]);
  });

  it('scores recency in reverse: the most recent fifth gets 5', () => {
    const days = Array.from({ length: 100 }, (_, i) => i);
    const scale = quintileScale(days, true);
    assert.equal(scoreOf(scale, 0), 5);
    assert.equal(scoreOf(scale, 99), 1);
  });

  it('spreads fewer than five distinct values over 1..5', () => {
    assert.deepEqual([1, 2].map((v) => scoreOf(quintileScale([1, 1, 1, 2], false), v)), [1, 5]);
    assert.deepEqual([1, 2, 3].map((v) => scoreOf(quintileScale([1, 2, 3], false), v)), [1, 3, 5]);
    assert.equal(scoreOf(quintileScale([4, 4, 4], false), 4), 1);
  });
});
