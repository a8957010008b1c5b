import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.ts';
import { heapGrowingFlag } from '../src/heap-growth.ts';

const valid = {
  SHOPIFY_API_KEY: 'key',
  SHOPIFY_API_SECRET: 'secret',
  SHOPIFY_APP_URL: 'https://app.example.com',
  ENCRYPTION_KEY: 'a'.repeat(64),
  SUPPORT_TOKEN: 's'.repeat(32),
};

describe('loadConfig', () => {
  it('fills documented defaults', () => {
    const c = loadConfig(valid);
    assert.equal(c.PORT, 3000);
    assert.equal(c.REDIS_URL, 'redis://127.0.0.1:6379');
    assert.equal(c.SHOPIFY_API_VERSION, '2026-10');
    assert.equal(c.HEAP_GROWING_PERCENT, 30);
  });

  it('HEAP_GROWING_PERCENT: a whole number from 0 (V8\'s own factor) to 300, as the V8 flag it sets', () => {
    assert.equal(loadConfig({ ...valid, HEAP_GROWING_PERCENT: '0' }).HEAP_GROWING_PERCENT, 0);
    assert.equal(heapGrowingFlag(loadConfig({ ...valid, HEAP_GROWING_PERCENT: '50' }).HEAP_GROWING_PERCENT), '--heap-growing-percent=50');
    assert.equal(heapGrowingFlag(0), null);
    for (const bad of ['-1', '301', '12.5', 'lots']) assert.throws(() => loadConfig({ ...valid, HEAP_GROWING_PERCENT: bad }), ConfigError, bad);
  });

  it('reports every missing or bad variable in one error', () => {
    try {
      loadConfig({ PORT: 'eighty', ENCRYPTION_KEY: 'short' });
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      const text = e.message;
      for (const name of ['SHOPIFY_API_KEY', 'SHOPIFY_API_SECRET', 'SHOPIFY_APP_URL', 'SUPPORT_TOKEN', 'ENCRYPTION_KEY', 'PORT']) {
        assert.match(text, new RegExp(name), `${name} named in the error`);
      }
      assert.equal(e.issues.length, 6);
    }
  });

  it('has no SCOPES: the scopes granted are shopify.app.toml\'s, read from the installation', () => {
    const c = loadConfig({ ...valid, SCOPES: 'read_products' }) as Record<string, unknown>;
    assert.equal('SCOPES' in c, false);
  });

  it('takes the tunnel URL `shopify app dev` passes (APP_URL, HOST) outside production', () => {
    const tunnel = 'https://abc-def.trycloudflare.com';
    const dev = loadConfig({ ...valid, NODE_ENV: 'development', APP_URL: tunnel, HOST: tunnel, PORT: '51234' });
    assert.equal(dev.SHOPIFY_APP_URL, tunnel);
    assert.equal(dev.HOST, '0.0.0.0');
    assert.equal(dev.PORT, 51234);
    const withoutOwn = loadConfig({ ...valid, SHOPIFY_APP_URL: undefined, APP_URL: tunnel });
    assert.equal(withoutOwn.SHOPIFY_APP_URL, tunnel);
    const prod = loadConfig({ ...valid, NODE_ENV: 'production', APP_URL: tunnel });
    assert.equal(prod.SHOPIFY_APP_URL, 'https://app.example.com');
    assert.throws(() => loadConfig({ ...valid, HOST: 'https://x.example.com' }), /HOST is the address to bind to/);
  });

  it('refuses the simulator origin in production', () => {
    assert.throws(() => loadConfig({ ...valid, NODE_ENV: 'production', SHOPIFY_API_ORIGIN: 'http://127.0.0.1:4010' }), /SHOPIFY_API_ORIGIN/);
  });

  it('pins the engine clock with ENGINE_AS_OF outside production only, and names a bad value', () => {
    assert.equal(loadConfig(valid).ENGINE_AS_OF, undefined);
    assert.equal(loadConfig({ ...valid, NODE_ENV: 'test', ENGINE_AS_OF: '2026-11-20T00:00:00.000Z' }).ENGINE_AS_OF, Date.UTC(2026, 10, 20));
    assert.throws(() => loadConfig({ ...valid, ENGINE_AS_OF: '20 Nov 2026' }), /ENGINE_AS_OF must be an ISO date-time/);
    assert.throws(() => loadConfig({ ...valid, ENGINE_AS_OF: '2026-13-45T00:00:00Z' }), /ENGINE_AS_OF must be an ISO date-time/);
    assert.throws(() => loadConfig({ ...valid, NODE_ENV: 'production', ENGINE_AS_OF: '2026-11-20T00:00:00Z' }), /ENGINE_AS_OF pins the clock/);
  });
});
