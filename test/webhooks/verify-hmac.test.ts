import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifyWebhookHmac, webhookHmac } from '../../webhooks/verify-hmac.ts';

describe('verifyWebhookHmac', () => {
  it("passes Shopify's published test vector", () => {
    const body = Buffer.from('{"foo": "bar"}');
    assert.equal(webhookHmac(body, 'test_secret_key'), 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=');
    assert.deepEqual(verifyWebhookHmac(body, 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=', { current: 'test_secret_key' }), { valid: true, signedWith: 'current' });
  });

  it('accepts the previous secret during a rotation, and says so', () => {
    const body = Buffer.from('{"foo": "bar"}');
    const sig = webhookHmac(body, 'old');
    assert.deepEqual(verifyWebhookHmac(body, sig, { current: 'new', previous: 'old' }), { valid: true, signedWith: 'previous' });
    assert.deepEqual(verifyWebhookHmac(body, sig, { current: 'new' }), { valid: false, reason: 'invalid_hmac' });
  });

  it('rejects a missing, truncated or altered signature and an altered body', () => {
    const body = Buffer.from('{"foo": "bar"}');
    const sig = webhookHmac(body, 'k');
    assert.deepEqual(verifyWebhookHmac(body, undefined, { current: 'k' }), { valid: false, reason: 'missing_hmac' });
    assert.equal(verifyWebhookHmac(body, sig.slice(0, 20), { current: 'k' }).valid, false);
    assert.equal(verifyWebhookHmac(body, webhookHmac(body, 'other'), { current: 'k' }).valid, false);
    assert.equal(verifyWebhookHmac(Buffer.from('{"foo": "baz"}'), sig, { current: 'k' }).valid, false);
  });
});
