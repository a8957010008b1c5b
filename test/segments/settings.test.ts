import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultShopSettings, LONGEST_TAG_SUFFIX, MAX_TAG_LENGTH, parseShopSettings, safeParseShopSettings, ShopSettingsError } from '../../src/segments/settings.ts';
import { SEGMENT_DEFINITIONS, tagVocabulary } from '../../src/segments/tags.ts';

describe('shop settings', () => {
  it('fills every field with its documented default', () => {
    assert.equal(defaultShopSettings.tagPrefix, 'seg:');
    assert.deepEqual(defaultShopSettings.families, { loyalty: true, rfm: true, churn: true, value: true, replenishment: true, behaviour: true, intent: true });
    assert.deepEqual(defaultShopSettings.intent, { abandonedCartDays: 7, curiousVisitDays: 30, undecidedDays: 90 });
    assert.deepEqual(defaultShopSettings.orderExclusions, { test: true, cancelled: true, voided: true, refunded: true, zeroValue: true, pos: false, draft: false, b2b: false, tag: null });
    assert.equal(defaultShopSettings.behaviour.dormantDays, 180);
    assert.equal(defaultShopSettings.rfm.engagedEmailClickDays, 180);
    assert.equal(defaultShopSettings.rfm.engagedVisitDays, 90);
    assert.equal(defaultShopSettings.models.timeUnit, 'weeks');
  });

  it('keeps defaults for the fields a partial input leaves out', () => {
    const s = parseShopSettings({ behaviour: { dormantDays: 90 }, orderExclusions: { pos: true } });
    assert.equal(s.behaviour.dormantDays, 90);
    assert.equal(s.behaviour.newCustomerDays, 30);
    assert.equal(s.orderExclusions.pos, true);
    assert.equal(s.orderExclusions.zeroValue, true);
  });

  it('reports every problem at once, each with its path', () => {
    const r = safeParseShopSettings({ tagPrefix: 'bad,prefix', loyalty: { vipSpendPercentile: 2 }, behaviour: { dormantDays: 0 } });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.issues.length, 4);
    assert.ok(r.issues.some((i) => i.startsWith('tagPrefix: ') && i.includes('letters')));
    assert.ok(r.issues.some((i) => i.startsWith('tagPrefix: ') && i.includes('separator')));
    assert.ok(r.issues.some((i) => i.startsWith('loyalty.vipSpendPercentile: ')));
    assert.ok(r.issues.some((i) => i.startsWith('behaviour.dormantDays: ')));
    assert.throws(() => parseShopSettings({ tagPrefix: '' }), (e: unknown) => e instanceof ShopSettingsError && /tagPrefix/.test(e.message));
  });

  it('rejects inconsistent thresholds in words', () => {
    const r = safeParseShopSettings({ churn: { mediumAtLeast: 0.9, highAtLeast: 0.5 } });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.issues.join('\n'), /churn\.mediumAtLeast: must not exceed churn\.highAtLeast/);
  });

  it('limits the prefix so that every tag fits Shopify’s 40 characters', () => {
    const longest = Math.max(...SEGMENT_DEFINITIONS.map((d) => d.tagSuffix.length));
    assert.equal(LONGEST_TAG_SUFFIX.length, longest);
    const maxPrefix = 'x'.repeat(MAX_TAG_LENGTH - longest - 1) + ':';
    const s = parseShopSettings({ tagPrefix: maxPrefix });
    for (const t of tagVocabulary(s)) assert.ok(t.tag.length <= MAX_TAG_LENGTH, t.tag);
    assert.equal(safeParseShopSettings({ tagPrefix: 'x' + maxPrefix }).ok, false);
  });
});
