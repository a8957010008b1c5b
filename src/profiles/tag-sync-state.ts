// Which app tags each customer carries on Shopify and who still needs a write, kept in Redis per shop
// ({prefix} is the shop's partition prefix, src/redis.ts ShopKeys: all four keys in one slot):
//   {prefix}:tags:{shop}:applied  hash customerId → applied tags ("\n"-joined, sorted)
//   {prefix}:tags:{shop}:rev      hash customerId → revision of the desired tags
//   {prefix}:tags:{shop}:pending  set of customerIds whose desired tags are not known to be on Shopify
//   {prefix}:tags:{shop}:desired  hash customerId → desired tags (to compare with what Shopify reports)
// Why Redis and not the profile document: on FerretDB 1.x every MongoDB statement scans its
// collection, and a tag sync marks hundreds of customers at a time. Losing these keys is harmless:
// tagsAdd/tagsRemove are idempotent and the next resync marks every differing customer pending again.
// Only ids and our own tag names are stored.
// The rule: a customer leaves `pending` only in markApplied, after a sync wrote (or read) Shopify's tags
// for the current revision. A new desired set equal to the applied one, or a customers/update showing
// the desired tags, does not clear it: both lost tag writes in the chaos run (docs/reliability.md).
import type { Redis } from 'ioredis';
import { shopKeysOf, type ShopKeys } from '../redis.ts';

export interface DesiredTags {
  customerId: string;
  tags: readonly string[];
  revision: number;
}

export interface TagObservation {
  outcome: 'unknown' | 'in-sync' | 'pending' | 'drift';
  /** The desired app tags at the moment of the observation (sorted). */
  desired: string[];
}
const OBSERVATIONS = ['unknown', 'in-sync', 'pending', 'drift'] as const;

const join = (tags: readonly string[]) => [...tags].sort().join('\n');
const split = (v: string | null | undefined): string[] => (v ? v.split('\n') : []);

// KEYS: applied, rev, pending, desired. ARGV: triples (id, joined tags, revision). Returns 1/0 per id
// (pending). Never clears pending: when the new desired tags equal the applied ones, a write of other
// tags may still be in flight, or have landed unrecorded (its worker killed before markApplied) — only
// a sync that reads Shopify's tags can tell, and it marks the customer applied.
const SET_DESIRED = `
local out = {}
for i = 1, #ARGV, 3 do
  local id, tags, rev = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('HSET', KEYS[2], id, rev)
  redis.call('HSET', KEYS[4], id, tags)
  local applied = redis.call('HGET', KEYS[1], id) or ''
  if applied ~= tags then redis.call('SADD', KEYS[3], id); out[#out + 1] = 1
  else out[#out + 1] = redis.call('SISMEMBER', KEYS[3], id) end
end
return out`;

// KEYS: applied, rev, pending, desired. ARGV: triples (id, joined tags, revision). As SET_DESIRED, only
// for ids whose recorded revision is older than the given one, or absent: the stored profile is newer
// than what the state knows (its writer died between the profile write and setDesired). A newer
// revision recorded meanwhile (a recompute of the customer) is left as it is.
const ENSURE_DESIRED = `
for i = 1, #ARGV, 3 do
  local id, tags, rev = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local cur = tonumber(redis.call('HGET', KEYS[2], id) or '')
  if (not cur) or cur < tonumber(rev) then
    redis.call('HSET', KEYS[2], id, rev)
    redis.call('HSET', KEYS[4], id, tags)
    if (redis.call('HGET', KEYS[1], id) or '') ~= tags then redis.call('SADD', KEYS[3], id) end
  end
end
return 1`;

// KEYS: applied, rev, pending, desired. ARGV: id, the app tags Shopify reported. If they differ from
// the desired tags (a write lost, a merchant removing our tag — or an old delivery), the customer is
// pending again: the sync reads the tags Shopify has now and writes only what differs. A report never
// clears pending nor counts as applied: it may be older than the last write. Returns {outcome, desired}:
// outcome 0 unknown customer, 1 the desired tags, 2 other tags while pending, 3 other tags while the
// state said applied (drift).
const OBSERVE = `
local id, tags = ARGV[1], ARGV[2]
local desired = redis.call('HGET', KEYS[4], id)
if not desired then return {0, ''} end
if desired == tags then return {1, desired} end
if redis.call('SADD', KEYS[3], id) == 1 then return {3, desired} end
return {2, desired}`;

// Same layout; marks applied, and clears pending only where the desired revision is still the one written
// and the desired tags are the ones written (two writers starting from one previous revision both save
// revision n + 1, with different tags: the number alone does not tell them apart).
const MARK_APPLIED = `
for i = 1, #ARGV, 3 do
  local id, tags, rev = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  redis.call('HSET', KEYS[1], id, tags)
  if redis.call('HGET', KEYS[2], id) == rev and redis.call('HGET', KEYS[4], id) == tags then redis.call('SREM', KEYS[3], id) end
end
return 1`;

export class TagSyncState {
  private readonly redis: Redis;
  private readonly shopKeys: ShopKeys;

  /** `keys`: where each shop's keys live (a string: one prefix for every shop). */
  constructor(redis: Redis, keys: ShopKeys | string) {
    this.redis = redis;
    this.shopKeys = shopKeysOf(keys);
  }

  // Every script, MULTI and DEL below takes these four keys of one shop: one slot on a cluster.
  private keys(shop: string): [string, string, string, string] {
    const base = `${this.shopKeys.of(shop)}:tags:${shop}`;
    return [`${base}:applied`, `${base}:rev`, `${base}:pending`, `${base}:desired`];
  }

  /**
   * Shopify told us (customers/update) which app tags the customer carries now. `pending` when they
   * differ from the desired ones (a tag sync is needed); `drift` when they differ although the state
   * said they were applied — a lost write or a merchant's edit, unless the report is an old one.
   */
  async observe(shop: string, customerId: string, appTags: readonly string[]): Promise<TagObservation> {
    const [code, desired] = (await this.redis.eval(OBSERVE, 4, ...this.keys(shop), customerId, join(appTags))) as [number, string];
    return { outcome: OBSERVATIONS[code] ?? 'unknown', desired: split(desired) };
  }

  /** Records desired tags; returns the ids that now need a write. Atomic per call. */
  async setDesired(shop: string, items: readonly DesiredTags[]): Promise<Set<string>> {
    const pending = new Set<string>();
    for (let i = 0; i < items.length; i += 2000) {
      const chunk = items.slice(i, i + 2000);
      const res = (await this.redis.eval(SET_DESIRED, 4, ...this.keys(shop), ...chunk.flatMap((d) => [d.customerId, join(d.tags), String(d.revision)]))) as number[];
      chunk.forEach((d, k) => { if (res[k] === 1) pending.add(d.customerId); });
    }
    return pending;
  }

  /**
   * Records stored profiles' desired tags where the state knows an older revision or none (see
   * ENSURE_DESIRED): a whole-shop pass calls it for the customers it leaves as they are, so a profile
   * written by an earlier attempt of the pass that died before setDesired still gets its tags written.
   */
  async ensureDesired(shop: string, items: readonly DesiredTags[]): Promise<void> {
    for (let i = 0; i < items.length; i += 2000) {
      const chunk = items.slice(i, i + 2000);
      await this.redis.eval(ENSURE_DESIRED, 4, ...this.keys(shop), ...chunk.flatMap((d) => [d.customerId, join(d.tags), String(d.revision)]));
    }
  }

  async markApplied(shop: string, items: readonly DesiredTags[]): Promise<void> {
    for (let i = 0; i < items.length; i += 2000) {
      const chunk = items.slice(i, i + 2000);
      await this.redis.eval(MARK_APPLIED, 4, ...this.keys(shop), ...chunk.flatMap((d) => [d.customerId, join(d.tags), String(d.revision)]));
    }
  }

  async pendingCount(shop: string): Promise<number> {
    return this.redis.scard(this.keys(shop)[2]);
  }

  /** Up to `limit` pending customer ids (sorted, for stable batches). */
  async pending(shop: string, limit: number): Promise<string[]> {
    const key = this.keys(shop)[2];
    const ids: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.sscan(key, cursor, 'COUNT', Math.max(100, limit));
      cursor = next;
      ids.push(...batch);
    } while (cursor !== '0' && ids.length < limit);
    return [...new Set(ids)].sort().slice(0, limit);
  }

  /** For each id, whether it is pending (one SMISMEMBER). */
  async arePending(shop: string, customerIds: readonly string[]): Promise<boolean[]> {
    if (!customerIds.length) return [];
    return (await this.redis.smismember(this.keys(shop)[2], ...customerIds)).map((v) => v === 1);
  }

  /** The revision of the desired tags last recorded for each id (setDesired), null when none. */
  async revisions(shop: string, customerIds: readonly string[]): Promise<Array<number | null>> {
    if (!customerIds.length) return [];
    return (await this.redis.hmget(this.keys(shop)[1], ...customerIds)).map((v) => (v === null ? null : Number(v)));
  }

  async applied(shop: string, customerIds: readonly string[]): Promise<Map<string, string[]>> {
    if (!customerIds.length) return new Map();
    const values = await this.redis.hmget(this.keys(shop)[0], ...customerIds);
    return new Map(customerIds.map((id, i) => [id, split(values[i])]));
  }

  async forgetCustomer(shop: string, customerId: string): Promise<void> {
    const [applied, rev, pending, desired] = this.keys(shop);
    await this.redis.multi().hdel(applied, customerId).hdel(rev, customerId).srem(pending, customerId).hdel(desired, customerId).exec();
  }

  async forgetShop(shop: string): Promise<void> {
    await this.redis.del(...this.keys(shop));
  }
}
