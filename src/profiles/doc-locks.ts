// Short per-document locks in Redis, for the documents that concurrent webhooks update at once (order
// books and owners). MongoDB applies each single-document update atomically, but FerretDB 1.x runs an
// update as "read the document, apply the operators, write it back" without isolation, so two
// concurrent `$max` updates of one document can lose one of them (seen: 40 concurrent orders of one
// customer kept 3–30 of them). Serialising updates per document restores the guarantee on both; the
// cost is two Redis round trips per write. A lock expires on its own (a crashed holder blocks the
// document for at most `ttlMs`), and a writer that cannot get it in time fails as a transient error.
// The locks of one call belong to one shop (its order documents) and live under the shop's partition
// prefix (src/redis.ts ShopKeys): `{prefix}:doclock:<document>`, so the pipeline that takes them and the
// script that releases them touch one slot on a cluster.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { shopKeysOf, type ShopKeys } from '../redis.ts';

const RELEASE = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 1`;

export class DocLockTimeoutError extends Error {
  constructor(keys: number) {
    super(`could not lock ${keys} document(s) in time; retry`);
    this.name = 'DocLockTimeoutError';
  }
}

export class DocLocks {
  private readonly redis: Redis;
  private readonly keys: ShopKeys;
  private readonly ttlMs: number;
  private readonly waitMs: number;

  /** `keys`: where each shop's keys live (a string: one prefix for every shop). */
  constructor(redis: Redis, keys: ShopKeys | string, o: { ttlMs?: number; waitMs?: number } = {}) {
    this.redis = redis;
    this.keys = shopKeysOf(keys);
    this.ttlMs = o.ttlMs ?? 10_000;
    this.waitMs = o.waitMs ?? 15_000;
  }

  /** Runs fn while holding the lock of every one of the shop's documents `keys` (taken together; waits for the ones held elsewhere). */
  async with<T>(shop: string, keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const prefix = `${this.keys.of(shop)}:doclock:`;
    const wanted = [...new Set(keys)].map((k) => prefix + k);
    if (wanted.length === 0) return fn();
    const token = randomBytes(12).toString('hex');
    const held: string[] = [];
    const until = Date.now() + this.waitMs;
    try {
      // All or nothing: a caller never waits while holding some of its keys, so two callers wanting
      // overlapping sets cannot deadlock.
      for (let round = 0; ; round++) {
        const p = this.redis.pipeline();
        for (const k of wanted) p.set(k, token, 'PX', this.ttlMs, 'NX');
        const res = (await p.exec()) ?? [];
        wanted.forEach((k, i) => { if (res[i]?.[1] === 'OK') held.push(k); });
        if (held.length === wanted.length) break;
        await this.release(held, token);
        held.length = 0;
        if (Date.now() > until) throw new DocLockTimeoutError(wanted.length);
        await new Promise((r) => setTimeout(r, Math.min(50, 1 + round) * (0.5 + Math.random())));
      }
      return await fn();
    } finally {
      await this.release(held, token).catch(() => undefined);
    }
  }

  private async release(keys: readonly string[], token: string): Promise<void> {
    if (keys.length) await this.redis.eval(RELEASE, keys.length, ...keys, token);
  }
}
