import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RFM_GRID, RFM_SEGMENTS, rfmCellSegment, rfmGridRows } from '../../src/segments/rfm-grid.ts';

const cell = (r: number, f: number, m: number): string => rfmCellSegment(r, f, m);

describe('RFM grid', () => {
  it('maps every one of the 125 cells to exactly one named segment', () => {
    assert.equal(RFM_GRID.length, 125);
    const names = new Set(RFM_SEGMENTS.map((s) => s.id));
    for (const s of RFM_GRID) assert.ok(names.has(s), s);
    assert.equal(rfmGridRows().length, 125);
  });

  it('uses every grid segment (all but Lost but Engaged and Prospects)', () => {
    const used = new Set(RFM_GRID);
    const expected = RFM_SEGMENTS.map((s) => s.id).filter((id) => id !== 'lost-but-engaged' && id !== 'prospects');
    assert.deepEqual([...used].sort(), [...expected].sort());
  });

  it('matches the plain meaning of the corner cells', () => {
    assert.equal(cell(5, 5, 5), 'champions');
    assert.equal(cell(1, 1, 1), 'lost');
    assert.equal(cell(5, 1, 1), 'new-customers');
    assert.equal(cell(5, 1, 5), 'promising');
    assert.equal(cell(1, 5, 5), 'cant-lose-them');
    assert.equal(cell(2, 5, 5), 'cant-lose-them');
    assert.equal(cell(1, 3, 4), 'at-risk');
    assert.equal(cell(2, 1, 1), 'hibernating');
    assert.equal(cell(3, 3, 3), 'loyal-customers');
    assert.equal(cell(5, 3, 1), 'potential-loyalist');
    assert.equal(cell(3, 1, 4), 'needs-attention');
    assert.equal(cell(3, 2, 1), 'about-to-sleep');
  });

  it('keeps each name within its meaning across the whole grid', () => {
    for (const { r, f, m, segment } of rfmGridRows()) {
      const where = `${r}${f}${m} → ${segment}`;
      if (segment === 'champions') assert.ok(r >= 4 && f >= 4 && m >= 4, where);
      if (segment === 'new-customers') assert.ok(r >= 4 && f === 1, where);
      if (segment === 'promising') assert.ok(r >= 4 && f <= 2 && m >= 4, where);
      if (segment === 'potential-loyalist') assert.ok(r >= 4 && f >= 2 && m <= 3, where);
      if (segment === 'cant-lose-them' || segment === 'at-risk') assert.ok(r <= 2 && f >= 2 && m >= 2, where);
      if (segment === 'lost') assert.equal(r, 1, where);
      if (segment === 'hibernating') assert.ok(r === 2 && f === 1 && m <= 3, where);
      // Recent buyers are never called lost or at risk; long-gone buyers never champions or new.
      if (r >= 4) assert.ok(!['lost', 'at-risk', 'cant-lose-them', 'hibernating', 'about-to-sleep'].includes(segment), where);
      if (r <= 2) assert.ok(!['champions', 'new-customers', 'promising', 'potential-loyalist', 'loyal-customers'].includes(segment), where);
    }
  });

  it('rejects scores outside 1..5', () => {
    assert.throws(() => cell(0, 1, 1), RangeError);
    assert.throws(() => cell(6, 1, 1), RangeError);
  });
});
