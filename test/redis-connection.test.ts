// src/redis.ts: REDIS_CLUSTER_NODES switches to ioredis' Cluster client; keys get a hash tag there.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { ConfigError, loadConfig } from '../src/config.ts';
import { clusterNodes, createRedis, isCluster, keyPrefix } from '../src/redis.ts';

const valid = { SHOPIFY_API_KEY: 'key', SHOPIFY_API_SECRET: 'secret', SHOPIFY_APP_URL: 'https://app.example.com', ENCRYPTION_KEY: 'a'.repeat(64), SUPPORT_TOKEN: 's'.repeat(32) };

describe('redis connection factory', () => {
  it('parses REDIS_CLUSTER_NODES and refuses a malformed list', () => {
    assert.equal(loadConfig({ ...valid, REDIS_CLUSTER_NODES: '127.0.0.1:7000, 127.0.0.1:7001' }).REDIS_CLUSTER_NODES, '127.0.0.1:7000, 127.0.0.1:7001');
    assert.deepEqual(clusterNodes('127.0.0.1:7000, redis-b:7001'), [{ host: '127.0.0.1', port: 7000 }, { host: 'redis-b', port: 7001 }]);
    assert.throws(() => loadConfig({ ...valid, REDIS_CLUSTER_NODES: 'redis://127.0.0.1:7000' }), (e: unknown) => e instanceof ConfigError && /REDIS_CLUSTER_NODES/.test(e.message));
  });

  it('a hash-tagged prefix on a cluster only, and only once', () => {
    assert.equal(keyPrefix('segments', false), 'segments');
    assert.equal(keyPrefix('segments', true), '{segments}');
    assert.equal(keyPrefix('{segments}', true), '{segments}');
    assert.equal(keyPrefix('test:t_x_1', true), '{test:t_x_1}');
  });

  it('returns the Cluster client when cluster nodes are given, a plain client otherwise', () => {
    const c = createRedis({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_CLUSTER_NODES: '127.0.0.1:1' }, { lazyConnect: true });
    const r = createRedis({ REDIS_URL: 'redis://127.0.0.1:1' }, { lazyConnect: true });
    try {
      assert.ok((c as unknown) instanceof Cluster);
      assert.equal(isCluster(c), true);
      assert.equal(isCluster(r), false);
    } finally {
      c.disconnect();
      r.disconnect();
    }
  });
});
