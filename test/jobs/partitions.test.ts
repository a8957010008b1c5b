// Queue partitions (src/redis.ts): a shop always maps to the same partition, shops spread evenly, and
// each partition has its own hash tag, so a cluster's masters share the queues.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.ts';
import { defaultPartitions, keyPatterns, partitionOf, partitionPrefixes } from '../../src/redis.ts';
import { keySlot } from '../support/key-slot.ts';

describe('queue partitions', () => {
  it('a shop always maps to the same partition (fixed values: a change of hash would move queued work)', () => {
    assert.equal(partitionOf('shop-a.myshopify.com', 6), 5);
    assert.equal(partitionOf('shop-b.myshopify.com', 6), 1);
    assert.equal(partitionOf('chaos.myshopify.com', 6), 0);
    assert.equal(partitionOf('shop-a.myshopify.com', 3), 2);
    for (let i = 0; i < 50; i++) assert.equal(partitionOf(`s${i}.myshopify.com`, 6), partitionOf(`s${i}.myshopify.com`, 6));
    assert.equal(partitionOf('anything.myshopify.com', 1), 0, 'one partition: always 0');
  });

  it('spreads shops evenly: 6,000 shops over 6 partitions within ±10 %, chi-square below the 0.1 % critical value', () => {
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 6000; i++) counts[partitionOf(`shop-${i}.myshopify.com`, 6)]!++;
    for (const c of counts) assert.ok(c >= 900 && c <= 1100, `partition sizes ${counts.join(', ')}`);
    const chi2 = counts.reduce((a, c) => a + (c - 1000) ** 2 / 1000, 0);
    assert.ok(chi2 < 20.52, `chi-square ${chi2.toFixed(1)} (5 degrees of freedom)`);
  });

  it('one partition keeps the prefix (a single Redis keeps its keys); several get one hash tag each', () => {
    assert.deepEqual(partitionPrefixes('segments', 1), ['segments']);
    assert.deepEqual(partitionPrefixes('{segments}', 1), ['{segments}']);
    assert.deepEqual(partitionPrefixes('{segments}', 3), ['{segments-p0}', '{segments-p1}', '{segments-p2}']);
    assert.deepEqual(partitionPrefixes('segments', 2), ['segments-p0', 'segments-p1']);
    assert.deepEqual(keyPatterns('{segments}'), ['{segments}:*', '{segments-p[0-9]*}:*']);
    assert.deepEqual(keyPatterns('segments'), ['segments:*', 'segments-p[0-9]*:*']);
  });

  it('the partitions of the default prefix land on all three masters of a 3-master cluster', () => {
    // redis-cli --cluster create splits the 16,384 slots evenly: 0–5460, 5461–10922, 10923–16383.
    const master = (slot: number) => (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);
    const slots = partitionPrefixes('{segments}', 6).map((p) => keySlot(`${p}:recompute-customer:wait`));
    // Every key of one partition's queue shares its slot (BullMQ's requirement).
    assert.equal(keySlot('{segments-p0}:recompute-customer:wait'), keySlot('{segments-p0}:webhook:meta'));
    assert.equal(new Set(slots).size, 6, `distinct slots ${slots.join(', ')}`);
    assert.equal(new Set(slots.map(master)).size, 3, `slots ${slots.join(', ')}`);
  });

  it('QUEUE_PARTITIONS: 1 on a single Redis and 6 on a cluster unless set; 1–64', () => {
    const valid = { SHOPIFY_API_KEY: 'key', SHOPIFY_API_SECRET: 'secret', SHOPIFY_APP_URL: 'https://app.example.com', ENCRYPTION_KEY: 'a'.repeat(64), SUPPORT_TOKEN: 's'.repeat(32) };
    assert.equal(loadConfig(valid).QUEUE_PARTITIONS, undefined);
    assert.equal(defaultPartitions(false), 1);
    assert.equal(defaultPartitions(true), 6);
    assert.equal(loadConfig({ ...valid, QUEUE_PARTITIONS: '4' }).QUEUE_PARTITIONS, 4);
    assert.throws(() => loadConfig({ ...valid, QUEUE_PARTITIONS: '0' }));
    assert.throws(() => loadConfig({ ...valid, QUEUE_PARTITIONS: '65' }));
  });
});
