import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret, TokenDecryptionError } from '../../src/shopify/token-crypto.ts';

const key = Buffer.alloc(32, 7);

describe('token crypto', () => {
  it('round-trips and never contains the plaintext', () => {
    const sealed = encryptSecret('shpat_secret_token', key, 'a.myshopify.com');
    assert.match(sealed, /^v1\./);
    assert.ok(!sealed.includes('shpat'));
    assert.equal(decryptSecret(sealed, key, 'a.myshopify.com'), 'shpat_secret_token');
  });

  it('uses a fresh IV each time', () => {
    assert.notEqual(encryptSecret('t', key, 's'), encryptSecret('t', key, 's'));
  });

  it('fails with the wrong key, the wrong owner or a tampered ciphertext', () => {
    const sealed = encryptSecret('token', key, 'a.myshopify.com');
    assert.throws(() => decryptSecret(sealed, randomBytes(32), 'a.myshopify.com'), TokenDecryptionError);
    assert.throws(() => decryptSecret(sealed, key, 'b.myshopify.com'), TokenDecryptionError);
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    assert.throws(() => decryptSecret([parts[0], parts[1], parts[2], ct.toString('base64url')].join('.'), key, 'a.myshopify.com'), TokenDecryptionError);
    assert.throws(() => decryptSecret('plain-token', key, 'a.myshopify.com'), /format/);
  });
});
