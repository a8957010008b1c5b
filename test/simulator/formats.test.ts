import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney, gid, isoInZone, isoUtc, JsonId, parseGid, parseMoney, stringifyWithIds } from '../../tools/shopify-simulator/formats.ts';

describe('simulator wire formats', () => {
  it('writes ids past 2^53 as exact JSON numbers', () => {
    const body = stringifyWithIds({ id: new JsonId('9007199254740993'), ids: [new JsonId('1')], name: 'x' });
    assert.equal(body, '{"id":9007199254740993,"ids":[1],"name":"x"}');
  });

  it('formats and parses money as two-decimal strings without floats', () => {
    assert.equal(formatMoney(1250), '12.50');
    assert.equal(formatMoney(5), '0.05');
    assert.equal(formatMoney(-1999), '-19.99');
    assert.equal(parseMoney('12.5'), 1250);
    assert.equal(parseMoney('0.07'), 7);
    assert.equal(parseMoney(19.99), 1999);
    assert.throws(() => parseMoney('1,00'));
  });

  it('writes REST timestamps with the shop\'s offset, across DST', () => {
    assert.equal(isoInZone(Date.parse('2026-01-15T12:00:00Z'), 'America/New_York'), '2026-01-15T07:00:00-05:00');
    assert.equal(isoInZone(Date.parse('2026-07-15T12:00:00Z'), 'America/New_York'), '2026-07-15T08:00:00-04:00');
    assert.equal(isoInZone(Date.parse('2026-07-15T12:00:00.987Z'), 'Asia/Kolkata'), '2026-07-15T17:30:00+05:30');
    assert.equal(isoUtc(Date.parse('2026-07-15T12:00:00.987Z')), '2026-07-15T12:00:00Z');
  });

  it('round-trips gids', () => {
    assert.equal(gid('Customer', '7100000000001'), 'gid://shopify/Customer/7100000000001');
    assert.deepEqual(parseGid('gid://shopify/Order/42'), { type: 'Order', id: '42' });
    assert.deepEqual(parseGid('42'), { type: undefined, id: '42' });
    assert.equal(parseGid('gid://shopify/Order/abc'), null);
  });
});
