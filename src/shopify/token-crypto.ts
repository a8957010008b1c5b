// Secrets at rest (access and refresh tokens, queued webhook bodies): AES-256-GCM, random 96-bit IV per
// encryption, 128-bit auth tag. The associated data binds a ciphertext to its owner (e.g. the session
// id), so a value copied onto another record fails to decrypt.
//
// Key rotation: a value is `v2.<key id>.<iv>.<tag>.<ciphertext>`, the key id being the first 8 bytes of
// SHA-256 of the key (it names the key, reveals nothing of it). A Keyring holds ENCRYPTION_KEY and,
// during a rotation, ENCRYPTION_KEY_PREVIOUS: values sealed with the previous key (or in the older
// `v1.<iv>.<tag>.<ct>` format, which carries no key id) still open, and are reported `stale` so the
// caller re-encrypts them with the current key on use; `segments rotate-key` re-encrypts everything.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const V1 = 'v1';
const V2 = 'v2';

export class TokenDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenDecryptionError';
  }
}

/** Names a key without revealing it: hex of the first 8 bytes of its SHA-256. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function seal(plaintext: string, key: Buffer, associatedData: string): [string, string, string] {
  if (key.length !== 32) throw new Error('encryption key must be 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')];
}

function open(ivB64: string, tagB64: string, ctB64: string, key: Buffer, associatedData: string): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivB64, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tagB64, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ctB64, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** The v1 format (no key id). Kept for values written before key ids existed, and their tests. */
export function encryptSecret(plaintext: string, key: Buffer, associatedData: string): string {
  return [V1, ...seal(plaintext, key, associatedData)].join('.');
}

export function decryptSecret(sealed: string, key: Buffer, associatedData: string): string {
  return new Keyring(key).open(sealed, associatedData).plaintext;
}

export interface Opened {
  plaintext: string;
  /** Not sealed with the current key (previous key, or the v1 format): re-encrypt it. */
  stale: boolean;
}

export class Keyring {
  readonly currentId: string;
  private readonly keys: Map<string, Buffer>;
  private readonly current: Buffer;

  constructor(current: Buffer, previous?: Buffer | null) {
    if (current.length !== 32 || (previous && previous.length !== 32)) throw new Error('encryption keys must be 32 bytes');
    this.current = current;
    this.currentId = keyId(current);
    this.keys = new Map([[this.currentId, current]]);
    if (previous && !previous.equals(current)) this.keys.set(keyId(previous), previous);
  }

  seal(plaintext: string, associatedData: string): string {
    return [V2, this.currentId, ...seal(plaintext, this.current, associatedData)].join('.');
  }

  /** Throws TokenDecryptionError when no key of the ring opens the value (rotated away, tampered, other owner). */
  open(sealed: string, associatedData: string): Opened {
    const parts = sealed.split('.');
    if (parts[0] === V2 && parts.length === 5) {
      const [, kid, iv, tag, ct] = parts as [string, string, string, string, string];
      const key = this.keys.get(kid);
      if (!key) throw new TokenDecryptionError(`sealed with an unknown key (id ${kid}): not ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS`);
      const plaintext = open(iv, tag, ct, key, associatedData);
      if (plaintext === null) throw new TokenDecryptionError('encrypted value failed authentication (wrong owner or tampered)');
      return { plaintext, stale: kid !== this.currentId };
    }
    if (parts[0] === V1 && parts.length === 4) {
      const [, iv, tag, ct] = parts as [string, string, string, string];
      for (const key of this.keys.values()) {
        const plaintext = open(iv, tag, ct, key, associatedData);
        if (plaintext !== null) return { plaintext, stale: true };
      }
      throw new TokenDecryptionError('encrypted token failed authentication (wrong key, owner or tampered)');
    }
    throw new TokenDecryptionError('unknown encrypted-token format');
  }
}
