// Flow trigger calls waiting to be fired (Redis list per shop) and what became of the fired ones
// (counters per shop, shown on the Sync page: web/sync-status.ts). Recomputes push, sync-tags drains
// (jobs/flow-triggers.ts). A call is tried at most MAX_ATTEMPTS times on transport failures; one that
// Shopify refuses is counted and dropped — never retried forever. The outbox is capped: past
// MAX_PENDING the oldest calls are dropped (counted). Erased with the shop or the customer. Both keys
// live under the shop's partition prefix (src/redis.ts ShopKeys): record()'s pipeline and forgetShop's
// DEL touch one shop's keys, one slot on a cluster.
import type { Redis } from 'ioredis';
import { shopKeysOf, type ShopKeys } from '../redis.ts';

export interface FlowOutboxItem {
  handle: string;
  customerId: string;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface FlowStats { sent: number; refused: number; dropped: number; pending: number; lastRefusal: string | null; lastRefusalAt: string | null }

export const MAX_ATTEMPTS = 5;
const MAX_PENDING = 10_000;

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

  async push(shop: string, items: readonly FlowOutboxItem[]): Promise<void> {
    if (items.length === 0) return;
    const key = this.list(shop);
    const length = await this.redis.rpush(key, ...items.map((i) => JSON.stringify(i)));
    if (length > MAX_PENDING) {
      await this.redis.ltrim(key, length - MAX_PENDING, -1);
      await this.redis.hincrby(this.statsKey(shop), 'dropped', length - MAX_PENDING);
    }
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
  }

  async forgetShop(shop: string): Promise<void> {
    await this.redis.del(this.list(shop), this.statsKey(shop));
  }
}
