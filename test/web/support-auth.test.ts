import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { presentedSupportToken, tokensEqual } from '../../web/support/support-auth.ts';

describe('support token comparison', () => {
  it('accepts only the exact token, whatever the lengths (no early exit on a length mismatch)', () => {
    const token = 'a'.repeat(32);
    assert.equal(tokensEqual(token, token), true);
    assert.equal(tokensEqual('a'.repeat(31), token), false);
    assert.equal(tokensEqual('a'.repeat(33), token), false);
    assert.equal(tokensEqual('', token), false);
    assert.equal(tokensEqual('b' + 'a'.repeat(31), token), false);
  });

  it('reads Bearer always and Basic (token as password) only where allowed', () => {
    assert.equal(presentedSupportToken('Bearer abc', false), 'abc');
    assert.equal(presentedSupportToken('bearer   abc', false), 'abc');
    const basic = `Basic ${Buffer.from('anyone:the-token').toString('base64')}`;
    assert.equal(presentedSupportToken(basic, false), null);
    assert.equal(presentedSupportToken(basic, true), 'the-token');
    assert.equal(presentedSupportToken(undefined, true), null);
    assert.equal(presentedSupportToken('Token abc', true), null);
  });
});
