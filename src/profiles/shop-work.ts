// Per-shop work counters in Redis, so a status read is a few O(1) commands instead of listing
// thousands of BullMQ jobs (BullMQ has no index by shop):
//   {prefix}:recompute-pending:{shop}  set of customer digests with a recompute queued or running
//                                      (added by the producer, removed when the job settles)
//   {prefix}:failures:{shop}           list of the shop's newest 50 finally-failed jobs (JSON), 7 days
// Customer ids appear only in failure entries, which a redaction filters out (forgetCustomer).
import type { Redis } from 'ioredis';

export interface FailureEntry {
  queue: string;
  jobId: string;
  name: string;
  customerId: string | null;
  failedReason: string;
  failedAt: string | null;
  attemptsMade: number;
}

const KEEP = 50;
const FAILURE_TTL_S = 7 * 24 * 3600;

export class ShopWork {
  private readonly redis: Redis;
  private readonly prefix: string;
  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  private pendingKey = (shop: string) => `${this.prefix}:recompute-pending:${shop}`;
  private failuresKey = (shop: string) => `${this.prefix}:failures:${shop}`;

  async recomputeQueued(shop: string, customerDigest: string): Promise<void> {
    await this.redis.sadd(this.pendingKey(shop), customerDigest);
  }

  async recomputeSettled(shop: string, customerDigest: string): Promise<void> {
    await this.redis.srem(this.pendingKey(shop), customerDigest);
  }

  async recomputesPending(shop: string): Promise<number> {
    return this.redis.scard(this.pendingKey(shop));
  }

  async failed(shop: string, entry: FailureEntry): Promise<void> {
    const key = this.failuresKey(shop);
    await this.redis.multi().lpush(key, JSON.stringify(entry)).ltrim(key, 0, KEEP - 1).expire(key, FAILURE_TTL_S).exec();
  }

  async failures(shop: string, limit: number): Promise<{ count: number; newest: FailureEntry[] }> {
    const key = this.failuresKey(shop);
    const [count, raw] = await Promise.all([this.redis.llen(key), this.redis.lrange(key, 0, Math.max(0, limit - 1))]);
    return { count, newest: raw.map((r) => JSON.parse(r) as FailureEntry) };
  }

  /** customers/redact: drops the failure entries naming the customer. */
  async forgetCustomer(shop: string, customerId: string, customerDigest: string): Promise<void> {
    await this.redis.srem(this.pendingKey(shop), customerDigest);
    const key = this.failuresKey(shop);
    const raw = await this.redis.lrange(key, 0, -1);
    const keep = raw.filter((r) => (JSON.parse(r) as FailureEntry).customerId !== customerId);
    if (keep.length === raw.length) return;
    const m = this.redis.multi().del(key);
    if (keep.length) m.rpush(key, ...keep).expire(key, FAILURE_TTL_S);
    await m.exec();
  }

  async forgetShop(shop: string): Promise<void> {
    await this.redis.del(this.pendingKey(shop), this.failuresKey(shop));
  }
}
