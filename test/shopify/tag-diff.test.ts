import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAppTag, tagDiff } from '../../src/shopify/tag-diff.ts';

const P = 'seg:';

describe('tagDiff', () => {
  it('adds missing segment tags and removes old ones', () => {
    assert.deepEqual(tagDiff(['seg:vip', 'seg:rfm-champion'], ['seg:new', 'seg:vip'], P), { add: ['seg:rfm-champion'], remove: ['seg:new'] });
  });

  it('keeps merchant tags when removing an old segment tag', () => {
    const d = tagDiff([], ['wholesale', 'seg:vip', 'VIP', 'newsletter'], P);
    assert.deepEqual(d, { add: [], remove: ['seg:vip'] });
  });

  it('treats tags case-insensitively, as Shopify does', () => {
    assert.deepEqual(tagDiff(['seg:VIP'], ['Seg:vip'], P), { add: [], remove: [] });
    assert.deepEqual(tagDiff(['seg:vip', 'SEG:VIP'], [], P), { add: ['seg:vip'], remove: [] });
  });

  it('never adds tags outside the prefix, nor tags containing commas', () => {
    assert.deepEqual(tagDiff(['vip', 'seg:a,b', 'seg:ok'], [], P), { add: ['seg:ok'], remove: [] });
  });

  it('refuses an empty prefix', () => {
    assert.throws(() => tagDiff([], ['x'], ' '), /non-empty prefix/);
  });

  const tag = fc.oneof(
    fc.constantFrom('vip', 'VIP', 'wholesale', 'seg:vip', 'SEG:VIP', 'seg:new', 'Seg:Lapsed', 'seg-not-ours', ' seg:vip '),
    fc.string({ maxLength: 12 }),
    fc.string({ maxLength: 8 }).map((s) => `seg:${s}`),
  );

  it('property: merchant tags are never added or removed', () => {
    fc.assert(fc.property(fc.array(tag), fc.array(tag), (desired, current) => {
      const { add, remove } = tagDiff(desired, current, P);
      return [...add, ...remove].every((t) => isAppTag(t, P));
    }), { seed: 7, numRuns: 2000 });
  });

  it('property: applying the diff yields exactly the desired app tags and the untouched merchant tags', () => {
    fc.assert(fc.property(fc.array(tag), fc.array(tag), (desired, current) => {
      const { add, remove } = tagDiff(desired, current, P);
      const removed = new Set(remove.map((t) => t.toLowerCase()));
      const after = [...current.filter((t) => !removed.has(t.trim().toLowerCase())), ...add];
      const lower = (xs: string[]) => new Set(xs.map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0));
      const merchantBefore = lower(current.filter((t) => !isAppTag(t, P)));
      const merchantAfter = lower(after.filter((t) => !isAppTag(t, P)));
      const wantedApp = lower(desired.filter((t) => isAppTag(t, P) && !t.includes(',')));
      const appAfter = lower(after.filter((t) => isAppTag(t, P)));
      assert.deepEqual(merchantAfter, merchantBefore);
      assert.deepEqual(appAfter, wantedApp);
    }), { seed: 11, numRuns: 2000 });
  });

  it('property: a second diff after applying the first is empty (idempotent)', () => {
    fc.assert(fc.property(fc.array(tag), fc.array(tag), (desired, current) => {
      const { add, remove } = tagDiff(desired, current, P);
      const removed = new Set(remove.map((t) => t.toLowerCase()));
      const after = [...current.filter((t) => !removed.has(t.trim().toLowerCase())), ...add];
      const again = tagDiff(desired, after, P);
      return again.add.length === 0 && again.remove.length === 0;
    }), { seed: 13, numRuns: 2000 });
  });
});
