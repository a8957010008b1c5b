// Per-shop work counters in Redis, so a status read is a few O(1) commands instead of listing
// thousands of BullMQ jobs (BullMQ has no index by shop). {prefix} is the shop's partition prefix
// (src/redis.ts ShopKeys); the scripts and MULTIs below take keys of one shop only (one slot on a cluster):
//   {prefix}:recompute-pending:{shop}  set of customer digests with a recompute queued or running
//                                      (added by the producer, removed when the job settles)
//   {prefix}:failures:{shop}           list of the shop's newest 50 finally-failed jobs (JSON), 7 days
//   {prefix}:shop-pass:{shop}          number of whole-shop recomputes running (resync, recalibration)
//   {prefix}:shop-pass-touched:{shop}  customer ids recomputed one by one while such a pass ran
// Customer ids appear only in failure entries and the touched set, which a redaction filters out
// (forgetCustomer); the touched set lives only as long as the pass.
//
// Why the touched set: a whole-shop recompute segments every customer from one read of the shop's
// orders and writes in batches for minutes. An order stored after that read is recomputed by its own
// job at once — and the pass's later batch write would overwrite that newer profile with one computed
// without the order (found by the chaos run: an order arriving during the nightly recalibration left
// the customer with its old tags). So every customer recomputed while a pass runs is recomputed again
// after the pass has written everything.
import type { Redis } from 'ioredis';
import { shopKeysOf, type ShopKeys } from '../redis.ts';

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
/** A pass whose worker died never ends: its marker expires (the longest pass measured is well under this). */
const PASS_TTL_S = 6 * 3600;

// KEYS: pass counter, touched set. ARGV: customer id. Adds the customer only while a pass runs.
const TOUCH = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SADD', KEYS[2], ARGV[1]); redis.call('EXPIRE', KEYS[2], ${PASS_TTL_S}) end`;
// KEYS: pass counter, touched set. Ends one pass; returns (and clears) the customers touched so far.
const END_PASS = `
local n = redis.call('DECR', KEYS[1])
if n <= 0 then redis.call('DEL', KEYS[1]) end
local ids = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return ids`;
const FAILURE_TTL_S = 7 * 24 * 3600;

export class ShopWork {
  private readonly redis: Redis;
  private readonly keys: ShopKeys;
  /** `keys`: where each shop's keys live (a string: one prefix for every shop). */
  constructor(redis: Redis, keys: ShopKeys | string) {
    this.redis = redis;
    this.keys = shopKeysOf(keys);
  }

  private pendingKey = (shop: string) => `${this.keys.of(shop)}:recompute-pending:${shop}`;
  private failuresKey = (shop: string) => `${this.keys.of(shop)}:failures:${shop}`;
  private passKey = (shop: string) => `${this.keys.of(shop)}:shop-pass:${shop}`;
  private touchedKey = (shop: string) => `${this.keys.of(shop)}:shop-pass-touched:${shop}`;

  /** A whole-shop recompute starts (before it reads the shop's orders). */
  async shopPassBegan(shop: string): Promise<void> {
    await this.redis.multi().incr(this.passKey(shop)).expire(this.passKey(shop), PASS_TTL_S).exec();
  }

  /** One customer is being recomputed on its own (before it reads its orders). */
  async customerRecomputing(shop: string, customerId: string): Promise<void> {
    await this.redis.eval(TOUCH, 2, this.passKey(shop), this.touchedKey(shop), customerId);
  }

  /** The pass has written everything: the customers recomputed meanwhile, to recompute once more. */
  async shopPassEnded(shop: string): Promise<string[]> {
    return (await this.redis.eval(END_PASS, 2, this.passKey(shop), this.touchedKey(shop))) as string[];
  }

  /** Whole-shop passes begun and not ended (0 when none). */
  async passesRunning(shop: string): Promise<number> {
    return Number((await this.redis.get(this.passKey(shop))) ?? 0);
  }

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
    await this.redis.srem(this.touchedKey(shop), customerId);
    const key = this.failuresKey(shop);
    const raw = await this.redis.lrange(key, 0, -1);
    const keep = raw.filter((r) => (JSON.parse(r) as FailureEntry).customerId !== customerId);
    if (keep.length === raw.length) return;
    const m = this.redis.multi().del(key);
    if (keep.length) m.rpush(key, ...keep).expire(key, FAILURE_TTL_S);
    await m.exec();
  }

  async forgetShop(shop: string): Promise<void> {
    await this.redis.del(this.pendingKey(shop), this.failuresKey(shop), this.passKey(shop), this.touchedKey(shop));
  }
}
