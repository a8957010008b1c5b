// Digest of the customer metafield value last written to Shopify, per customer (Redis hash per shop,
// fields keyed by a digest of the customer id — no customer id in Redis). A value is sent only when its
// digest differs: the write-back is diff-only like tags. Erased with the shop (shopErased) or customer.
// The hash lives under the shop's partition prefix (src/redis.ts ShopKeys).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { shopKeysOf, type ShopKeys } from '../redis.ts';

const field = (shop: string, customerId: string) => createHash('sha256').update(`${shop}\n${customerId}`).digest('hex').slice(0, 32);

export class MetafieldSyncState {
  private readonly redis: Redis;
  private readonly keys: ShopKeys;
  /** `keys`: where each shop's keys live (a string: one prefix for every shop). */
  constructor(redis: Redis, keys: ShopKeys | string) {
    this.redis = redis;
    this.keys = shopKeysOf(keys);
  }

  key(shop: string): string {
    return `${this.keys.of(shop)}:mf-digest:${shop}`;
  }

  /** The digests last written for these customers (absent: never written). */
  async digests(shop: string, customerIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (customerIds.length === 0) return out;
    const values = await this.redis.hmget(this.key(shop), ...customerIds.map((id) => field(shop, id)));
    customerIds.forEach((id, i) => { if (values[i]) out.set(id, values[i]!); });
    return out;
  }

  async markWritten(shop: string, written: ReadonlyArray<{ customerId: string; digest: string }>): Promise<void> {
    if (written.length === 0) return;
    await this.redis.hset(this.key(shop), Object.fromEntries(written.map((w) => [field(shop, w.customerId), w.digest])));
  }

  async forgetCustomer(shop: string, customerId: string): Promise<void> {
    await this.redis.hdel(this.key(shop), field(shop, customerId));
  }

  async forgetShop(shop: string): Promise<void> {
    await this.redis.del(this.key(shop));
  }

  /** How many customers carry a written metafield (the demo's summary). */
  async count(shop: string): Promise<number> {
    return this.redis.hlen(this.key(shop));
  }
}
