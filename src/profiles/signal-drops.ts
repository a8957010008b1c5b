// Signals dropped before any shop could be trusted (unknown or uninstalled shop, wrong pixel key,
// unreadable body): counted in Redis per source and reason, never stored per shop name — a forger
// could otherwise create a document for every name it invents. Support reads them (status).
// One hash under the plain prefix (one slot on a cluster, src/redis.ts): no shop owns it, and it is
// written only when a signal is dropped.
import type { Redis } from 'ioredis';

export class SignalDrops {
  readonly #redis: Redis;
  readonly #key: string;
  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}:signals:dropped`;
  }

  async count(source: string, reason: string, n = 1): Promise<void> {
    if (n > 0) await this.#redis.hincrby(this.#key, `${source}:${reason}`, n);
  }

  async read(): Promise<Record<string, number>> {
    const raw = await this.#redis.hgetall(this.#key);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }
}
