import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stripPersonalData } from '../../src/profiles/strip-personal-data.ts';

describe('stripPersonalData', () => {
  it('removes contact details, names and addresses at any depth, keeping ids and amounts', () => {
    const out = stripPersonalData({
      id: '1', email: 'a@b.c', total_price: '5.00',
      customer: { id: 2, first_name: 'Ada', last_name: 'L', phone: '+1', default_address: { address1: 'x', city: 'y' } },
      line_items: [{ id: 3, name: 'Gift for Ada', quantity: 1 }],
      billing_address: null,
    });
    assert.deepEqual(out, {
      id: '1', email: '[removed]', total_price: '5.00',
      customer: { id: 2, first_name: '[removed]', last_name: '[removed]', phone: '[removed]', default_address: '[removed]' },
      line_items: [{ id: 3, name: '[removed]', quantity: 1 }],
      billing_address: null,
    });
  });
});
