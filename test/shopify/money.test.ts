import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decimalToMinor, parseMinorUnits } from '../../src/money.ts';

describe('decimalToMinor', () => {
  it('converts decimal strings to minor units using the currency exponent', () => {
    assert.equal(decimalToMinor('19.90', 'USD'), 1990);
    assert.equal(decimalToMinor('0.10', 'EUR'), 10);
    assert.equal(decimalToMinor('1000', 'JPY'), 1000);
    assert.equal(decimalToMinor('1000.00', 'JPY'), 1000);
    assert.equal(decimalToMinor('1.234', 'KWD'), 1234);
    assert.equal(decimalToMinor('-5.5', 'USD'), -550);
    assert.equal(decimalToMinor('12', 'USD'), 1200);
  });

  it('is exact where float arithmetic is not (0.29 * 100 = 28.999…)', () => {
    assert.equal(decimalToMinor('0.29', 'USD'), 29);
    assert.equal(decimalToMinor('1.005', 'USD'), 101);
  });

  it('rejects things that are not decimal amounts', () => {
    assert.throws(() => decimalToMinor('abc', 'USD'), /not a decimal amount: "abc"/);
    assert.throws(() => decimalToMinor('', 'USD'), /not a decimal amount: ""/);
    assert.throws(() => decimalToMinor('1e5', 'USD'), /not a decimal amount: "1e5"/);
  });

  it('reads a comma as a thousands group only in exports: "12,00" from Shopify is no amount', () => {
    assert.throws(() => decimalToMinor('12,00', 'EUR'), /not a decimal amount/);
    assert.throws(() => decimalToMinor('1,234.10', 'USD'), /not a decimal amount/);
    assert.equal(parseMinorUnits('1,234.10'), 123410);
    assert.throws(() => decimalToMinor('9'.repeat(20), 'USD'), /amount out of range/);
  });

  it('round-trips any cents amount', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000_000 }), (cents) => {
      const s = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      return decimalToMinor(s, 'USD') === cents;
    }), { seed: 42 });
  });
});
