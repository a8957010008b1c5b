import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileSearch } from '../../tools/shopify-simulator/search-query.ts';
import { CUSTOMER_FIELDS } from '../../tools/shopify-simulator/sources.ts';
import type { CustomerRecord } from '../../tools/shopify-simulator/store.ts';

const at = (iso: string): number => Date.parse(iso);
const people: CustomerRecord[] = [
  { id: '100', tags: ['VIP', 'wholesale'], createdAt: at('2026-01-01T00:00:00Z'), updatedAt: at('2026-03-01T10:00:00Z'), orderIds: ['1', '2'] },
  { id: '9', tags: ['newsletter'], createdAt: at('2026-01-05T00:00:00Z'), updatedAt: at('2026-02-01T00:00:00Z'), orderIds: [] },
  { id: '1000', tags: [], createdAt: at('2026-02-01T00:00:00Z'), updatedAt: at('2026-03-01T10:00:01Z'), orderIds: ['3'] },
];
const ids = (q: string): string[] => people.filter((p) => compileSearch(q, CUSTOMER_FIELDS).matches(p)).map((p) => p.id);

describe('simulator search syntax', () => {
  it('compares updated_at with quoted instants at second precision', () => {
    assert.deepEqual(ids("updated_at:>'2026-03-01T10:00:00Z'"), ['1000']);
    assert.deepEqual(ids("updated_at:>='2026-03-01T10:00:00Z'"), ['100', '1000']);
    assert.deepEqual(ids('updated_at:<2026-02-02'), ['9']);
  });

  it('matches tags case-insensitively and supports tag_not and negation', () => {
    assert.deepEqual(ids('tag:vip'), ['100']);
    assert.deepEqual(ids('tag_not:wholesale'), ['9', '1000']);
    assert.deepEqual(ids('-tag:newsletter'), ['100', '1000']);
    assert.deepEqual(ids("tag:'VIP'"), ['100']);
  });

  it('compares ids numerically, not as text, and accepts gids', () => {
    assert.deepEqual(ids('id:>99'), ['100', '1000']);
    assert.deepEqual(ids('id:gid://shopify/Customer/9'), ['9']);
  });

  it('combines terms with implicit AND, OR, NOT and parentheses', () => {
    assert.deepEqual(ids('tag:vip OR tag:newsletter'), ['100', '9']);
    assert.deepEqual(ids('orders_count:>0 tag:vip'), ['100']);
    assert.deepEqual(ids('NOT (tag:vip OR id:9)'), ['1000']);
    assert.deepEqual(ids('orders_count:0 AND created_at:<2026-01-06'), ['9']);
  });

  it('ignores unknown fields with a warning', () => {
    const s = compileSearch('shoe_size:42 tag:vip', CUSTOMER_FIELDS);
    assert.deepEqual(s.warnings, [{ field: 'shoe_size', message: 'Invalid search field for this query.' }]);
    assert.deepEqual(people.filter((p) => s.matches(p)).map((p) => p.id), ['100']);
  });
});
