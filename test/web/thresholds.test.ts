import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scoreBands } from '../../web/admin/thresholds.ts';

describe('RFM score bands in words', () => {
  it('names every score once, best first, with exact counts where a band holds one value', () => {
    const bands = scoreBands({ cuts: [1, 2, 3, 5], scores: [1, 2, 3, 4, 5] }, 'frequency', (v) => ({ count: v, unit: 'order' }), true);
    assert.deepEqual(bands.map((b) => b.score), [5, 4, 3, 2, 1]);
    assert.deepEqual(bands.map((b) => b.range), ['more than 5 orders', 'more than 3 orders, up to 5 orders', 'exactly 3 orders', 'exactly 2 orders', 'up to 1 order']);
  });
});
