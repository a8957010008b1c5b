// Issue 13, item 5: keys can rotate.
// Access tokens are stored encrypted (AES-256-GCM). Changing ENCRYPTION_KEY used to break every shop:
// decryption threw and the admin API answered 503 forever. Now a sealed value names its key; the old
// key in ENCRYPTION_KEY_PREVIOUS still opens values, which are re-encrypted with the new key on use;
// `segments rotate-key` re-encrypts everything and reports counts; a token that no key opens counts as
// no token, so the admin path exchanges a new one (token exchange,
// https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/token-exchange) — never a
// dead shop.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Session } from '@shopify/shopify-api';
import type { LocalStack } from '../../scripts/local-stack.ts';
import { openE2eStack, type E2eStack } from '../e2e/stack.ts';
import { MongoSessionStore, sessionModel } from '../../src/profiles/session-store.ts';
import { Keyring, keyId, TokenDecryptionError } from '../../src/shopify/token-crypto.ts';
import { createRotateKeyCommand } from '../../src/cli/commands/rotate-key.ts';
import { decodeKey, loadConfig } from '../../src/config.ts';

const SHOP = 'rotate.myshopify.com';
const AS_OF = Date.parse('2026-11-20T00:00:00Z');

function sink(): { stream: Writable; text: () => string } {
  let buf = '';
  return { stream: new Writable({ write(chunk, _enc, cb) { buf += String(chunk); cb(); } }), text: () => buf };
}

describe('security 5: keys can rotate', () => {
  let e2e: E2eStack;
  let stack: LocalStack;
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const sealedKeyId = async (id: string) => (await sessionModel(stack.deps.mongo).findOne({ sessionId: id }).lean())?.accessTokenSealed?.split('.')[1];

  before(async () => {
    e2e = await openE2eStack(import.meta.url, { asOf: AS_OF, seed: 5 });
    stack = e2e.stack;
    stack.sim.createShop({ domain: SHOP, plan: 'standard', scopes: ['read_customers', 'write_customers', 'read_orders'], timezone: 'UTC' });
    stack.sim.registerApp({ apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET, webhookAddress: `${stack.appUrl}/webhooks` });
  });
  after(async () => { await e2e?.close(); });

  it('values name their key; the previous key opens them and they are re-encrypted on use', async () => {
    const sealed = new Keyring(keyA).seal('shpat_one', 'offline_x:access');
    assert.equal(sealed.split('.')[1], keyId(keyA));
    assert.deepEqual(new Keyring(keyB, keyA).open(sealed, 'offline_x:access'), { plaintext: 'shpat_one', stale: true });
    assert.throws(() => new Keyring(keyB).open(sealed, 'offline_x:access'), TokenDecryptionError);

    const oldStore = new MongoSessionStore(stack.deps.mongo, new Keyring(keyA));
    for (let i = 0; i < 3; i++) await oldStore.storeSession(new Session({ id: `offline_r${i}.myshopify.com`, shop: `r${i}.myshopify.com`, state: '', isOnline: false, accessToken: `shpat_r${i}` }));
    const rotating = new MongoSessionStore(stack.deps.mongo, new Keyring(keyB, keyA));
    assert.equal((await rotating.loadOfflineSession('r0.myshopify.com'))?.accessToken, 'shpat_r0');
    assert.equal(await sealedKeyId('offline_r0.myshopify.com'), keyId(keyB), 're-encrypted with the new key on use');
    assert.equal((await new MongoSessionStore(stack.deps.mongo, new Keyring(keyB)).loadOfflineSession('r0.myshopify.com'))?.accessToken, 'shpat_r0');
  });

  it('`segments rotate-key` re-encrypts everything and reports counts', async () => {
    const dbUri = new URL(stack.config.MONGODB_URI);
    dbUri.pathname = `/${stack.deps.mongo.db!.databaseName}`;
    const config = loadConfig({ ...Object.fromEntries(Object.entries(stack.config).map(([k, v]) => [k, String(v)])), MONGODB_URI: dbUri.toString(), ENCRYPTION_KEY: keyB.toString('hex'), ENCRYPTION_KEY_PREVIOUS: keyA.toString('hex') });
    const out = sink();
    const code = await createRotateKeyCommand({ config: () => config }).run(['--json'], { stdout: out.stream, stderr: out.stream });
    const report = JSON.parse(out.text()) as { sessions: number; reencrypted: number; current: number; undecryptable: number };
    assert.equal(code, 0, out.text());
    assert.equal(report.reencrypted, 2, 'r1 and r2 (r0 was re-encrypted on use)');
    assert.equal(report.current, 1);
    assert.equal(report.undecryptable, 0);
    const onlyNew = new MongoSessionStore(stack.deps.mongo, new Keyring(keyB));
    for (let i = 0; i < 3; i++) assert.equal((await onlyNew.loadOfflineSession(`r${i}.myshopify.com`))?.accessToken, `shpat_r${i}`);
    await sessionModel(stack.deps.mongo).deleteMany({ shop: /^r\d\./ });
  });

  it('a token no key opens means a new token exchange on the next admin request, not 503', async () => {
    await stack.install(SHOP);
    // The app's key changed without ENCRYPTION_KEY_PREVIOUS: the stored token was sealed with a key it no longer has.
    const lost = new Keyring(randomBytes(32)).seal('shpat_unreadable', `offline_${SHOP}:access`);
    await sessionModel(stack.deps.mongo).updateOne({ sessionId: `offline_${SHOP}` }, { $set: { accessTokenSealed: lost } });
    assert.equal(await stack.deps.stores.sessions.loadOfflineSession(SHOP), undefined, 'reads as no session, does not throw');

    const token = stack.sim.mintSessionToken(SHOP, { apiKey: stack.config.SHOPIFY_API_KEY, apiSecret: stack.config.SHOPIFY_API_SECRET });
    const res = await fetch(`${stack.appUrl}/api/session`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, await res.clone().text());
    const session = await stack.deps.stores.sessions.loadOfflineSession(SHOP);
    assert.ok(session?.accessToken?.startsWith('shpat_'), 'a new token was exchanged and stored');
    assert.equal(await sealedKeyId(`offline_${SHOP}`), keyId(decodeKey(stack.config.ENCRYPTION_KEY)!));
  });
});
