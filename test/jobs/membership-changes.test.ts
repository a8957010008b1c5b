import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { membershipChanges } from '../../src/profiles/segment-event-store.ts';

const m = (family: string, segment: string) => ({ family, segment, tag: `seg:${segment}` });

describe('membershipChanges', () => {
  it('reports the segments a customer entered and left, by family and segment', () => {
    const r = membershipChanges([m('loyalty', 'one-time-buyer'), m('rfm', 'new-customers')], [m('loyalty', 'loyal-customer'), m('rfm', 'new-customers')]);
    assert.deepEqual(r.entered.map((x) => x.segment), ['loyal-customer']);
    assert.deepEqual(r.left.map((x) => x.segment), ['one-time-buyer']);
  });

  it('reports nothing when memberships are unchanged, whatever their order', () => {
    const r = membershipChanges([m('rfm', 'lost'), m('churn', 'churn-risk-high')], [m('churn', 'churn-risk-high'), m('rfm', 'lost')]);
    assert.deepEqual(r, { entered: [], left: [] });
  });

  it('treats every membership as entered for a first computation', () => {
    assert.equal(membershipChanges([], [m('loyalty', 'vip'), m('value', 'value-high')]).entered.length, 2);
  });
});
