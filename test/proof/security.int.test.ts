// Security proofs against the assembled app (web/app.ts with every mount, real MongoDB-compatible
// server and Redis): what an attacker can send to /webhooks, /api and /support, fuzzed where the
// input space is large. Complements the component tests in test/web and test/webhooks: here every
// request goes through the whole Express app, and each test also checks that nothing was stored or
// queued when a request was refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { Session } from '@shopify/shopify-api';
import { startDashboardFixture, SHOP_A, SHOP_B, SUPPORT_TOKEN, type DashboardFixture } from '../web/fixture.ts';
import { webhookHmac } from '../../webhooks/verify-hmac.ts';
import { offlineSessionId, sessionModel } from '../../src/profiles/session-store.ts';
import { shopScope } from '../../src/profiles/shard-keys.ts';

const SEED = 20261124;

function orderBody(id: string, customerId: string): string {
  return `{"id":${id},"created_at":"2026-11-10T10:00:00Z","updated_at":"2026-11-10T10:00:00Z","currency":"USD","total_price":"10.00",` +
    `"financial_status":"paid","email":"victim@example.com","customer":{"id":${customerId},"email":"victim@example.com"},"line_items":[]}`;
}

async function postWebhook(f: DashboardFixture, body: string | Buffer, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${f.url}/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-shop-domain': SHOP_A, 'x-shopify-api-version': '2026-10', ...headers }, body });
  await res.arrayBuffer();
  return res.status;
}

/** Everything a refused webhook could have left behind. */
async function footprint(f: DashboardFixture): Promise<string> {
  const s = f.deps.stores;
  const counts = await f.s.shardAudit.unaudited(() => Promise.all([
    s.deliveries.model.countDocuments(), s.orders.owners.countDocuments(), s.deadLetters.model.countDocuments(), f.rt.queues.recompute.count(),
  ]));
  return counts.join('/');
}

describe('proof: webhook endpoint under attack', () => {
  let f: DashboardFixture;
  before(async () => { f = await startDashboardFixture(import.meta.url, { customersA: 10 }); });
  after(async () => { await f.close(); });

  it('checks the size before the signature and before parsing: 20 MB of garbage with a bogus signature → 413, not 401', async () => {
    const before = await footprint(f);
    // body-parser answers 413 from Content-Length at once but drains (discards) the body before replying,
    // so the body is sent in full here; it is never buffered, verified or parsed.
    const status = await postWebhook(f, Buffer.alloc(20 * 1024 * 1024, 0x7b), { 'x-shopify-webhook-id': 'big-1', 'x-shopify-hmac-sha256': 'AAAA' });
    assert.equal(status, 413);
    assert.equal(await footprint(f), before);
  });

  it('refuses a correctly signed 3 MB body with 413 and stores nothing', async () => {
    const before = await footprint(f);
    const body = `{"id":1,"pad":"${'x'.repeat(3 * 1024 * 1024)}"}`;
    assert.equal(await postWebhook(f, body, { 'x-shopify-webhook-id': 'big-2', 'x-shopify-hmac-sha256': webhookHmac(body, f.config.SHOPIFY_API_SECRET) }), 413);
    assert.equal(await footprint(f), before);
  });

  it('never accepts a forged or tampered signature (fuzzed): 401, nothing stored, nothing queued', async () => {
    const before = await footprint(f);
    const secret = f.config.SHOPIFY_API_SECRET;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 60 }).map((hmac) => ({ body: orderBody('70001', '80001'), hmac })),
          fc.base64String({ minLength: 44, maxLength: 44 }).map((hmac) => ({ body: orderBody('70002', '80002'), hmac })),
          // The right signature of another body, or of this body with another secret.
          fc.nat(500).map((n) => ({ body: orderBody(`7${n}`, '80003'), hmac: webhookHmac(orderBody(`8${n}`, '80003'), secret) })),
          fc.string({ minLength: 1, maxLength: 20 }).map((s) => ({ body: orderBody('70004', '80004'), hmac: webhookHmac(orderBody('70004', '80004'), secret + s) })),
          // A signature over the body with one byte changed afterwards.
          fc.nat(120).map((i) => {
            const body = orderBody('70005', '80005');
            const hmac = webhookHmac(body, secret);
            const c = body.charCodeAt(i % body.length);
            return { body: body.slice(0, i % body.length) + String.fromCharCode(c === 48 ? 49 : 48) + body.slice((i % body.length) + 1), hmac };
          }),
        ),
        fc.nat(1_000_000),
        async ({ body, hmac }, n) => {
          const status = await postWebhook(f, body, { 'x-shopify-webhook-id': `forged-${n}`, ...(hmac ? { 'x-shopify-hmac-sha256': hmac } : {}) });
          assert.equal(status, 401);
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
    assert.equal(await footprint(f), before);
  });

  it('refuses a signed delivery whose shop header is not a shop domain (400), storing nothing', async () => {
    const before = await footprint(f);
    const body = orderBody('70010', '80010');
    for (const shop of ['evil.example.com', 'shop-a.myshopify.com.evil.com', '../shop-a.myshopify.com', '']) {
      const status = await postWebhook(f, body, { 'x-shopify-webhook-id': `hdr-${shop}`, 'x-shopify-shop-domain': shop, 'x-shopify-hmac-sha256': webhookHmac(body, f.config.SHOPIFY_API_SECRET) });
      assert.equal(status, 400, shop);
    }
    assert.equal(await footprint(f), before);
  });
});

describe('proof: admin and support APIs under attack', () => {
  let f: DashboardFixture;
  before(async () => { f = await startDashboardFixture(import.meta.url, { customersA: 10 }); });
  after(async () => { await f.close(); });

  const nowS = () => Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, o: { secret?: string; alg?: string } = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg: o.alg ?? 'HS256' }).sign(new TextEncoder().encode(o.secret ?? f.config.SHOPIFY_API_SECRET));
  const good = () => ({ iss: `https://${SHOP_A}/admin`, dest: `https://${SHOP_A}`, aud: f.config.SHOPIFY_API_KEY, sub: '1', exp: nowS() + 60, nbf: nowS() - 1, iat: nowS() - 1 });

  it('session tokens: only a well-signed, current token for this app and a consistent shop passes', async () => {
    const cases: Array<[string, Promise<string>, string]> = [
      ['valid', sign(good()), '200'],
      ['other secret', sign(good(), { secret: 'not-the-secret' }), 'bad_signature'],
      ['HS512 with the right secret', sign(good(), { alg: 'HS512' }), 'malformed'],
      ['other app', sign({ ...good(), aud: 'another-app' }), 'wrong_audience'],
      ['expired beyond the 5 s skew', sign({ ...good(), exp: nowS() - 30 }), 'expired'],
      ['not yet valid', sign({ ...good(), nbf: nowS() + 600 }), 'not_yet_valid'],
      ['iss of another shop', sign({ ...good(), iss: `https://${SHOP_B}/admin` }), 'bad_claims'],
      ['dest over http', sign({ ...good(), dest: `http://${SHOP_A}`, iss: undefined }), 'bad_claims'],
      ['no exp', sign({ ...good(), exp: undefined }), 'bad_claims'],
    ];
    for (const [name, token, expected] of cases) {
      const res = await f.get('/api/session', await token);
      const body = (await res.json()) as { reason?: string; shop?: string };
      if (expected === '200') {
        assert.equal(res.status, 200, name);
        assert.equal(body.shop, SHOP_A);
      } else {
        assert.equal(res.status, 401, name);
        assert.equal(body.reason, expected, name);
      }
    }
  });

  it('session tokens: any mutation of a valid token is refused with 401, never 200 or 5xx (fuzzed)', async () => {
    const valid = await f.token(SHOP_A);
    await fc.assert(
      fc.asyncProperty(fc.nat(valid.length - 1), fc.constantFrom(...'ABCabc0189-_.'.split('')), async (i, ch) => {
        if (valid[i] === ch) return;
        const mutated = valid.slice(0, i) + ch + valid.slice(i + 1);
        const res = await f.get('/api/session', mutated);
        await res.arrayBuffer();
        // A change in the last base64url character's padding bits can leave the signature bytes intact.
        if (res.status === 200 && i === valid.length - 1) return;
        assert.equal(res.status, 401, `mutation at ${i}`);
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('per-shop isolation: shop B\'s token never sees shop A\'s customers, whatever it names', async () => {
    const idsA = (await f.deps.stores.profiles.model.find(shopScope('customer_profiles', SHOP_A)).lean()).map((p: { customerId: string }) => p.customerId);
    const idsB = new Set((await f.deps.stores.profiles.model.find(shopScope('customer_profiles', SHOP_B)).lean()).map((p: { customerId: string }) => p.customerId));
    const onlyA = idsA.filter((id) => !idsB.has(id));
    assert.ok(onlyA.length > 0 && idsB.size > 0);
    const tokenB = await f.token(SHOP_B);
    for (const id of onlyA.slice(0, 5)) {
      const res = await f.get(`/api/customers/${id}?shop=${SHOP_A}`, tokenB, { 'X-Shopify-Shop-Domain': SHOP_A });
      assert.equal(res.status, 404, `shop B reads A's customer ${id}`);
      await res.arrayBuffer();
    }
    const res = await f.get(`/api/export.csv?shop=${SHOP_A}`, tokenB);
    assert.equal(res.status, 200);
    const ids = (await res.text()).trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    for (const id of ids) assert.ok(idsB.has(id!), `the export of shop B holds ${id}`);
  });

  it('support token: none → 401, anything but the exact token → 403 (fuzzed), the token → 200', async () => {
    const path = `/support/shops/${SHOP_A}/status`;
    assert.equal((await f.get(path)).status, 401);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1, maxLength: 50 }).filter((s) => !/\s/.test(s)), fc.constantFrom(SUPPORT_TOKEN.slice(0, -1), `${SUPPORT_TOKEN}x`, SUPPORT_TOKEN.toUpperCase(), `x${SUPPORT_TOKEN.slice(1)}`)), async (guess) => {
        if (guess === SUPPORT_TOKEN) return;
        const res = await f.get(path, null, { Authorization: `Bearer ${guess}` });
        await res.arrayBuffer();
        assert.equal(res.status, 403);
      }),
      { seed: SEED, numRuns: 40 },
    );
    assert.equal((await f.get(path, null, { Authorization: `Bearer ${SUPPORT_TOKEN}` })).status, 200);
    // An admin session token is not a support token.
    assert.equal((await f.get(path, await f.token(SHOP_A))).status, 403);
    // Bull Board: Basic with the token as password only.
    const basic = (pw: string) => `Basic ${Buffer.from(`support:${pw}`).toString('base64')}`;
    assert.equal((await f.get('/support/queues/', null, { Authorization: basic('wrong-password-wrong-password') })).status, 403);
    assert.equal((await f.get('/support/queues/', null, { Authorization: basic(SUPPORT_TOKEN) })).status, 200);
  });

  it('schema validation: fuzzed ids, shops and bodies get 4xx with reasons, never 5xx', async () => {
    const token = await f.token(SHOP_A);
    const auth = { Authorization: `Bearer ${SUPPORT_TOKEN}`, 'Content-Type': 'application/json' };
    const segment = fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constantFrom('..', '%00', 'gid://shopify/Customer/1', '1'.repeat(40), '-1', '1e3', '$where', '{"$gt":""}'));
    const body = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant({ __proto__: { polluted: true } }), fc.constant({ constructor: { prototype: { polluted: true } } }), fc.constant({ settings: { tagPrefix: { $ne: 1 } } }));
    await fc.assert(
      fc.asyncProperty(segment, body, async (seg, b) => {
        const id = encodeURIComponent(seg);
        const responses = await Promise.all([
          f.get(`/api/customers/${id}`, token),
          f.get(`/support/shops/${id}/status`, null, auth),
          fetch(`${f.url}/api/settings/preview`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(b) }),
          fetch(`${f.url}/support/shops/${SHOP_A}/engagement`, { method: 'POST', headers: auth, body: JSON.stringify(b) }),
          fetch(`${f.url}/support/shops/${SHOP_A}/engagement`, { method: 'POST', headers: auth, body: `{"signals":[${JSON.stringify(seg)}` }),
        ]);
        for (const r of responses) {
          const text = await r.text();
          assert.ok(r.status < 500, `${r.url} → ${r.status} ${text.slice(0, 200)}`);
          if (r.status === 400) assert.match(text, /invalid_input|invalid_json/);
        }
        assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('admin API rate limit: a shop that floods gets 429 with Retry-After; another shop is unaffected', async () => {
    const g = await startDashboardFixture(import.meta.url, { customersA: 5, rateLimitPerMinute: 5 });
    try {
      const a = await g.token(SHOP_A);
      // 2 × limit + 1 requests: even if a window boundary falls in between, one window exceeds the limit.
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const r = await g.get('/api/session', a);
        await r.arrayBuffer();
        statuses.push(r.status);
        if (r.status === 429) assert.ok(Number(r.headers.get('retry-after')) > 0);
      }
      assert.ok(statuses.includes(429), statuses.join(','));
      assert.ok(statuses.every((s) => s === 200 || s === 429));
      assert.equal((await g.get('/api/session', await g.token(SHOP_B))).status, 200);
    } finally {
      await g.close();
    }
  });

  it('CSP: app pages may be framed only by admin.shopify.com and the named shop', async () => {
    const res = await f.get(`/app?shop=${SHOP_A}&host=abc`);
    await res.arrayBuffer();
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const ancestors = /frame-ancestors ([^;]*)/.exec(csp)?.[1]?.trim().split(/\s+/) ?? [];
    assert.deepEqual(ancestors.sort(), ['https://admin.shopify.com', `https://${SHOP_A}`].sort());
    for (const evil of ['evil.example.com', `${SHOP_A}.evil.com`, '*.myshopify.com', 'x.myshopify.com https://evil.com']) {
      const r = await f.get(`/app?shop=${encodeURIComponent(evil)}`);
      await r.arrayBuffer();
      const c = r.headers.get('content-security-policy') ?? '';
      assert.doesNotMatch(c, /evil|\*/, evil);
      assert.match(c, /frame-ancestors https:\/\/admin\.shopify\.com;/);
    }
  });

  it('access tokens are encrypted at rest: the raw MongoDB document holds no plaintext, a moved ciphertext fails', async () => {
    const plaintext = 'shpat_0123456789abcdef0123456789abcdef';
    const refresh = 'shprt_fedcba9876543210fedcba9876543210';
    const sessions = f.deps.stores.sessions;
    await sessions.storeSession(new Session({ id: offlineSessionId(SHOP_A), shop: SHOP_A, state: 'st', isOnline: false, accessToken: plaintext, refreshToken: refresh, scope: 'read_orders' }));
    await sessions.storeSession(new Session({ id: offlineSessionId(SHOP_B), shop: SHOP_B, state: 'st', isOnline: false, accessToken: 'shpat_other', scope: 'read_orders' }));
    const raw = await f.s.mongo.db!.collection(sessionModel(f.s.mongo).collection.collectionName).find({}).toArray();
    const dump = JSON.stringify(raw);
    for (const secret of [plaintext, refresh, 'shpat_', 'shprt_', Buffer.from(plaintext).toString('base64')]) assert.ok(!dump.includes(secret), `raw documents contain ${secret}`);
    assert.equal((await sessions.loadOfflineSession(SHOP_A))?.accessToken, plaintext);
    // Copy A's sealed token onto B's record: the associated data (session id) makes it fail, not leak.
    const docA = raw.find((d) => d.shop === SHOP_A)!;
    await f.s.mongo.db!.collection(sessionModel(f.s.mongo).collection.collectionName).updateOne({ shop: SHOP_B }, { $set: { accessTokenSealed: docA.accessTokenSealed } });
    await assert.rejects(sessions.loadSession(offlineSessionId(SHOP_B)), /failed authentication/);
    assert.equal(await sessions.loadOfflineSession(SHOP_B), undefined, 'reads as no token (a new exchange), never as A\'s');
  });
});
