// The membership index's entry keys: their text order is the (value, customer id) order for any
// finite value the engine writes (negative "unknown", zero, fractions, large minor amounts), they
// decode to what was encoded, and a key's chunk is the last whose lower bound is not above it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chunkIndex, decodeEntry, entryKey } from '../../src/profiles/segment-member-index.ts';
import { seededRng } from '../../tools/seeded-random.ts';

describe('segment membership index keys', () => {
  it('sort as text exactly like (value, customer id), and decode back', () => {
    const rng = seededRng(1616);
    const values = [-1, -0.5, 0, -0, 1e-9, 0.25, 0.5, 1, 3, 1000, 2 ** 40, 1_735_000_000_000, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 400; i++) values.push(rng.next() < 0.5 ? rng.next() : Math.floor(rng.next() * 1e12) - 1e6);
    const rows = values.map((v, i) => ({ v, id: String(7_000_000_000_000 + ((i * 7919) % 1000)) }));
    const byNumber = [...rows].sort((a, b) => a.v - b.v || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const byText = [...rows].sort((a, b) => (entryKey(a.v, a.id) < entryKey(b.v, b.id) ? -1 : entryKey(a.v, a.id) > entryKey(b.v, b.id) ? 1 : 0));
    assert.deepEqual(byText.map((r) => [r.v === 0 ? 0 : r.v, r.id]), byNumber.map((r) => [r.v === 0 ? 0 : r.v, r.id]));
    for (const r of rows) assert.deepEqual(decodeEntry(entryKey(r.v, r.id)), { value: r.v === 0 ? 0 : r.v, customerId: r.id });
  });

  it('finds the chunk whose range holds a key', () => {
    const bounds = ['', entryKey(10, '1'), entryKey(20, '1'), entryKey(20, '5')];
    assert.equal(chunkIndex(bounds, entryKey(-1, '9')), 0);
    assert.equal(chunkIndex(bounds, entryKey(10, '0')), 0);
    assert.equal(chunkIndex(bounds, entryKey(10, '1')), 1, 'a bound belongs to the chunk it starts');
    assert.equal(chunkIndex(bounds, entryKey(19.5, '9')), 1);
    assert.equal(chunkIndex(bounds, entryKey(20, '3')), 2);
    assert.equal(chunkIndex(bounds, entryKey(99, '1')), 3);
    assert.equal(chunkIndex([''], entryKey(5, '1')), 0);
  });
});
