// Flow trigger calls waiting to be fired (Redis list per shop) and what became of the fired ones
// (counters per shop, shown on the Sync page: web/sync-status.ts). Recomputes push, sync-tags drains
// (jobs/flow-triggers.ts). A call is tried at most MAX_ATTEMPTS times on transport failures; one that
// Shopify refuses is counted and dropped — never retried forever. The outbox is capped: past
// MAX_PENDING the oldest calls are dropped (counted). Erased with the shop or the customer. Its keys
// live under the shop's partition prefix (src/redis.ts ShopKeys): push()'s script, record()'s pipeline
// and forgetShop's DEL touch one shop's keys, one slot on a cluster.
//
// Pushed at most once per key: a call carries the key of the segment event it announces (customer,
// change, segment, instant), and the outbox remembers the keys it took for SEEN_KEEP_MS (a sorted set
// per shop, at most SEEN_MAX). A whole-shop pass records a batch's events and triggers before it writes
// the batch's profiles, so its retry may compute and push the same changes again: they are pushed once.
import type { Redis } from 'ioredis';
import { shopKeysOf, type ShopKeys } from '../redis.ts';

export interface FlowOutboxItem {
  handle: string;
  customerId: string;
  payload: Record<string, unknown>;
  attempts: number;
  /** The announced change (flow-triggers.ts): pushed once per key. */
  key?: string;
}

export interface FlowStats { sent: number; refused: number; dropped: number; pending: number; lastRefusal: string | null; lastRefusalAt: string | null }

export const MAX_ATTEMPTS = 5;
const MAX_PENDING = 10_000;
/** Keys remembered this long (a whole-shop job's retries are minutes apart), and at most this many per shop. */
const SEEN_KEEP_MS = 24 * 3600_000;
const SEEN_MAX = 200_000;

// KEYS: list, seen, stats. ARGV: now, keep-ms, seen-max, max-pending, then (key, json) pairs; an empty
// key is always pushed. Returns how many were pushed.
const PUSH = `
local now = tonumber(ARGV[1])
local pushed = 0
for i = 5, #ARGV, 2 do
  local k = ARGV[i]
  if k == '' or redis.call('ZADD', KEYS[2], 'NX', now, k) == 1 then
    redis.call('RPUSH', KEYS[1], ARGV[i + 1])
    pushed = pushed + 1
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1) end
local length = redis.call('LLEN', KEYS[1])
local max = tonumber(ARGV[4])
if length > max then
  redis.call('LTRIM', KEYS[1], length - max, -1)
  redis.call('HINCRBY', KEYS[3], 'dropped', length - max)
end
return pushed
`;

export class FlowOutbox {
  private readonly redis: Redis;
  private readonly keys: ShopKeys;
  /** `keys`: where each shop's keys live (a string: one prefix for every shop). */
  constructor(redis: Redis, keys: ShopKeys | string) {
    this.redis = redis;
    this.keys = shopKeysOf(keys);
  }

  private list(shop: string) { return `${this.keys.of(shop)}:flow-outbox:${shop}`; }
  private statsKey(shop: string) { return `${this.keys.of(shop)}:flow-stats:${shop}`; }

  private seenKey(shop: string) { return `${this.keys.of(shop)}:flow-seen:${shop}`; }

  /**
   * Appends calls; one whose key was pushed before is skipped. `requeue`: calls taken and not answered,
   * put back as they are (their keys are known already).
   */
  async push(shop: string, items: readonly FlowOutboxItem[], o: { requeue?: boolean } = {}): Promise<number> {
    if (items.length === 0) return 0;
    const args = items.flatMap((i) => [o.requeue || !i.key ? '' : `${i.customerId}|${i.key}`, JSON.stringify(i)]);
    return Number(await this.redis.eval(PUSH, 3, this.list(shop), this.seenKey(shop), this.statsKey(shop), Date.now(), SEEN_KEEP_MS, SEEN_MAX, MAX_PENDING, ...args));
  }

  /** Removes and returns up to n of the oldest calls. */
  async take(shop: string, n: number): Promise<FlowOutboxItem[]> {
    const raw = await this.redis.lpop(this.list(shop), n);
    const out: FlowOutboxItem[] = [];
    for (const r of raw ?? []) {
      try {
        out.push(JSON.parse(r) as FlowOutboxItem);
      } catch {
        // not ours: dropped
      }
    }
    return out;
  }

  async record(shop: string, counts: { sent?: number; refused?: number; dropped?: number }, lastRefusal?: { message: string; at: Date }): Promise<void> {
    const p = this.redis.pipeline();
    for (const [k, v] of Object.entries(counts)) if (v) p.hincrby(this.statsKey(shop), k, v);
    if (lastRefusal) p.hset(this.statsKey(shop), { lastRefusal: lastRefusal.message.slice(0, 300), lastRefusalAt: lastRefusal.at.toISOString() });
    await p.exec();
  }

  async stats(shop: string): Promise<FlowStats> {
    const [h, pending] = await Promise.all([this.redis.hgetall(this.statsKey(shop)), this.redis.llen(this.list(shop))]);
    const n = (k: string) => Number(h[k] ?? 0);
    return { sent: n('sent'), refused: n('refused'), dropped: n('dropped'), pending, lastRefusal: h.lastRefusal ?? null, lastRefusalAt: h.lastRefusalAt ?? null };
  }

  async forgetCustomer(shop: string, customerId: string): Promise<void> {
    const key = this.list(shop);
    const all = await this.redis.lrange(key, 0, -1);
    for (const r of all) if (r.includes(`"customerId":${JSON.stringify(customerId)}`)) await this.redis.lrem(key, 0, r);
    const seen: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = await this.redis.zscan(this.seenKey(shop), cursor, 'MATCH', `${customerId.replace(/[*?[\]\\]/g, '\\$&')}|*`, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < page.length; i += 2) seen.push(page[i]!);
    } while (cursor !== '0');
    if (seen.length) await this.redis.zrem(this.seenKey(shop), ...seen);
  }

  async forgetShop(shop: string): Promise<void> {
    await this.redis.del(this.list(shop), this.statsKey(shop), this.seenKey(shop));
  }
}
