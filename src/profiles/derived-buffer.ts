// The coordination of the membership index and the aggregates (segment-member-index.ts,
// shop-aggregates.ts) with the profile saves, in Redis per shop ({prefix} is the shop's partition
// prefix, src/redis.ts ShopKeys; every script below takes keys of one shop only: one slot on a cluster):
//   {prefix}:derived:{shop}:writers  zset  writer lease token → expires at (epoch ms, the store's clock)
//   {prefix}:derived:{shop}:log      list  one record per save: {i, c, b, a} (record id, customer, keys before → after)
//   {prefix}:derived:{shop}:rebuild  the generation a running rebuild builds
//   {prefix}:derived:{shop}:pending  set   customers saved since that rebuild began
//   {prefix}:derived:{shop}:gate     "<gen> <until>": saves wait while a rebuild switches
//   {prefix}:derived:{shop}:applier  the applier's lock
//
// Why: a save used to apply its own change to the index chunks and the aggregates document at once —
// ~100 single-document write transactions per save, every save racing the others on one hot
// aggregates document. FerretDB 1.24 (SQLite) has one writer per database, so saves queued behind each
// other (recomputes 0.2–13.6 s each in the chaos suite), and it loses concurrent updates of one
// document (measured: 40 parallel updates kept 18 of 20 `$inc`), so the counts drifted. Now a save
// appends its change (the keys of the profile its write replaced → the keys it wrote) to the shop's log
// in the same Redis call that gives its lease back, and one applier per shop at a time (the `applier`
// lock) takes the log in batches: per customer the net change goes to the index, grouped by chunk, and
// the sum of every record's difference goes to the aggregates in one `$inc` — a compare-and-set on the
// last record applied (ShopAggregatesStore.applyBatch), so a batch retried after a crash counts once.
//
// The rebuild protocol (shop-aggregates.ts, "Generations") runs on these keys: leases, `pending`, the
// gate, and at the switch (under the applier lock, gate closed, no lease held, nothing pending) the log
// is dropped — every record in it is already in the new generation (its save began before the rebuild:
// in the snapshot; or after: caught up from `pending`). Losing these keys (a Redis restart) loses at
// most the records not yet applied and a running rebuild's bookkeeping: the index and counts are then
// stale until the next whole-shop rebuild (nightly), and a rebuild that finds its keys gone starts over.
// Only customer ids, segment keys and numbers are stored.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BrowserKeys } from './segment-browser-keys.ts';
import { shopKeysOf, type ShopKeys } from '../redis.ts';

/** A writer lease not given back after this long belongs to a dead process (a save takes well under 1 s). */
export const WRITER_TTL_MS = 60_000;
/** The longest a rebuild keeps the gate closed at a time (it waits for the saves in flight, then switches). */
export const CLOSE_MS = 10_000;
/** A running rebuild's keys expire after this long (a whole-shop pass at 1M customers takes under an hour). */
const REBUILD_TTL_MS = 6 * 3_600_000;
/** The applier's lock: renewed by every batch; a dead applier's lock frees itself. */
const APPLIER_TTL_MS = 60_000;
const POLL_MS = 15;

/** One save's change: customer, the keys its write replaced (null: new) → the keys it wrote (null: deleted). */
export interface DerivedRecord { i: string; c: string; b: BrowserKeys | null; a: BrowserKeys | null }

/** A save's lease: whether a rebuild was running when it began. */
export interface WriterLease { token: string; rebuilding: boolean }

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// KEYS: writers, gate, rebuild. ARGV: token, expires at, now. nil while the gate is closed; else 1/0: a rebuild runs.
const ENTER = `
local g = redis.call('GET', KEYS[2])
if g then
  local sp = string.find(g, ' ')
  if tonumber(string.sub(g, sp + 1)) > tonumber(ARGV[3]) then return nil end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return redis.call('EXISTS', KEYS[3])`;

// KEYS: writers, log, rebuild, pending. ARGV: token, customerId, record ('' when the save failed).
// Returns 1, or 0 when the lease had been dropped as expired (the save outlived WRITER_TTL_MS).
const LEAVE = `
local held = redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[3] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[3]) end
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('SADD', KEYS[4], ARGV[2]) end
return held`;

// KEYS: writers, rebuild, pending. ARGV: gen, ttl ms, now. Returns the leases held now.
const BEGIN = `
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[3])
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[3], '+inf')`;

// KEYS: rebuild, pending. ARGV: gen. The customers saved since the rebuild began (cleared), or nil when it is not the running one.
const TAKE_PENDING = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return nil end
local ids = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return ids`;

// KEYS: rebuild, gate. ARGV: gen, until (0 opens), ttl ms. 1, or 0 when the rebuild is not the running one.
const GATE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[1] .. ' ' .. ARGV[2], 'PX', ARGV[3]) end
return 1`;

// KEYS: rebuild, pending, writers, gate, log. ARGV: gen, now. The switch may happen (1): the rebuild is
// the running one, its gate closed, nothing pending, no lease held; the log (already in the new
// generation) is dropped and the rebuild ends. 0: a lease or a pending customer (try again); -1: the
// rebuild is not the running one (superseded, or its keys lost).
const SWITCH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local g = redis.call('GET', KEYS[4])
if (not g) or string.sub(g, 1, #ARGV[1] + 1) ~= ARGV[1] .. ' ' then return 0 end
if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
if redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[2], '+inf') > 0 then return 0 end
redis.call('DEL', KEYS[5], KEYS[1], KEYS[2])
return 1`;

// KEYS: rebuild, pending, gate. ARGV: gen. A rebuild gives up or has switched: its keys go (if still its own).
const END_REBUILD = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) end
local g = redis.call('GET', KEYS[3])
if g and string.sub(g, 1, #ARGV[1] + 1) == ARGV[1] .. ' ' then redis.call('DEL', KEYS[3]) end
return 1`;

// KEYS: lock, log. ARGV: token, n. Drops the first n records if the lock is still this applier's.
const TRIM = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[2], tonumber(ARGV[2]), -1)
return 1`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export class DerivedBuffer {
  private readonly redis: Redis;
  private readonly keys: ShopKeys;
  /** The clock of leases and gates (tests pin it). */
  now: () => number = Date.now;

  /** `keys`: where each shop's keys live (a string: one prefix for every shop). */
  constructor(redis: Redis, keys: ShopKeys | string) {
    this.redis = redis;
    this.keys = shopKeysOf(keys);
  }

  /** The shop's key `name` (tests read the log's). */
  k(shop: string, name: 'writers' | 'log' | 'rebuild' | 'pending' | 'gate' | 'applier'): string {
    return `${this.keys.of(shop)}:derived:${shop}:${name}`;
  }

  /** Takes a writer lease (waits while a rebuild's gate is closed). */
  async enter(shop: string): Promise<WriterLease> {
    for (;;) {
      const now = this.now();
      const token = randomBytes(8).toString('hex');
      const r = await this.redis.eval(ENTER, 3, this.k(shop, 'writers'), this.k(shop, 'gate'), this.k(shop, 'rebuild'), token, String(now + WRITER_TTL_MS), String(now));
      if (r !== null) return { token, rebuilding: r === 1 };
      await sleep(POLL_MS);
    }
  }

  /**
   * Gives the lease back with the save's change appended to the log (`change` null: the save failed or
   * changed nothing), and its customer in `pending` when a rebuild runs. False when the lease had expired.
   */
  async leave(shop: string, lease: WriterLease, customerId: string, change: { before: BrowserKeys | null; after: BrowserKeys | null } | null): Promise<boolean> {
    const record = change ? JSON.stringify({ i: randomBytes(8).toString('hex'), c: customerId, b: change.before, a: change.after } satisfies DerivedRecord) : '';
    const held = await this.redis.eval(LEAVE, 4, this.k(shop, 'writers'), this.k(shop, 'log'), this.k(shop, 'rebuild'), this.k(shop, 'pending'), lease.token, customerId, record);
    return held === 1;
  }

  /** A rebuild of generation `gen` begins: returns the leases held now (to wait for). */
  async beginRebuild(shop: string, gen: string): Promise<string[]> {
    return (await this.redis.eval(BEGIN, 3, this.k(shop, 'writers'), this.k(shop, 'rebuild'), this.k(shop, 'pending'), gen, String(REBUILD_TTL_MS), String(this.now()))) as string[];
  }

  /** Waits until none of `tokens` (null: no lease at all) is held or unexpired; false after `timeoutMs`. */
  async waitForWriters(shop: string, tokens: readonly string[] | null, timeoutMs = Infinity, onWait?: () => Promise<void> | void): Promise<boolean> {
    const started = this.now();
    for (let round = 0; ; round++) {
      const now = this.now();
      await this.redis.zremrangebyscore(this.k(shop, 'writers'), '-inf', now);
      const held = await this.redis.zrange(this.k(shop, 'writers'), 0, -1);
      if (!held.some((t) => tokens === null || tokens.includes(t))) return true;
      if (this.now() - started >= timeoutMs) return false;
      if (round === 0) await onWait?.();
      await sleep(POLL_MS);
    }
  }

  /** Takes (and clears) the customers saved since the rebuild began; null when it is no longer the running one. */
  async takePending(shop: string, gen: string): Promise<string[] | null> {
    return (await this.redis.eval(TAKE_PENDING, 2, this.k(shop, 'rebuild'), this.k(shop, 'pending'), gen)) as string[] | null;
  }

  /** Closes the gate until `until` (the store's clock), or opens it (0); false when the rebuild is no longer the running one. */
  async gate(shop: string, gen: string, until: number): Promise<boolean> {
    return (await this.redis.eval(GATE, 2, this.k(shop, 'rebuild'), this.k(shop, 'gate'), gen, String(until), String(CLOSE_MS + 60_000))) === 1;
  }

  /** The switch's check (see SWITCH): 1 go, 0 not yet, -1 no longer the running rebuild. Call it holding the applier lock. */
  async readyToSwitch(shop: string, gen: string): Promise<1 | 0 | -1> {
    return (await this.redis.eval(SWITCH, 5, this.k(shop, 'rebuild'), this.k(shop, 'pending'), this.k(shop, 'writers'), this.k(shop, 'gate'), this.k(shop, 'log'), gen, String(this.now()))) as 1 | 0 | -1;
  }

  /** The rebuild gave up, or has switched: its keys go and the gate opens (if still its own). */
  async endRebuild(shop: string, gen: string): Promise<void> {
    await this.redis.eval(END_REBUILD, 3, this.k(shop, 'rebuild'), this.k(shop, 'pending'), this.k(shop, 'gate'), gen);
  }

  /** The applier's lock: a token, or null when another applier holds it. */
  async lock(shop: string): Promise<string | null> {
    const token = randomBytes(8).toString('hex');
    return (await this.redis.set(this.k(shop, 'applier'), token, 'PX', APPLIER_TTL_MS, 'NX')) === 'OK' ? token : null;
  }

  /** Runs `fn` holding the applier's lock, waited for (a batch takes seconds at most; a dead holder's lock expires). */
  async underLock<T>(shop: string, fn: () => Promise<T>): Promise<T> {
    let token: string | null;
    while (!(token = await this.lock(shop))) await sleep(POLL_MS);
    try {
      return await fn();
    } finally {
      await this.unlock(shop, token);
    }
  }

  /** False when the lock was lost (expired and taken by another applier). */
  async renew(shop: string, token: string): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.k(shop, 'applier'), token, String(APPLIER_TTL_MS))) === 1;
  }

  async unlock(shop: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.k(shop, 'applier'), token);
  }

  /** The first `n` records of the log (oldest first). */
  async peek(shop: string, n: number): Promise<DerivedRecord[]> {
    return (await this.redis.lrange(this.k(shop, 'log'), 0, n - 1)).map((s) => JSON.parse(s) as DerivedRecord);
  }

  /** Drops the first `n` records (applied); false when the lock is no longer `token`'s. */
  async trim(shop: string, token: string, n: number): Promise<boolean> {
    return (await this.redis.eval(TRIM, 2, this.k(shop, 'applier'), this.k(shop, 'log'), token, String(n))) === 1;
  }

  async logLength(shop: string): Promise<number> {
    return this.redis.llen(this.k(shop, 'log'));
  }

  /** The generation a running rebuild builds, or null. */
  async runningRebuild(shop: string): Promise<string | null> {
    return this.redis.get(this.k(shop, 'rebuild'));
  }

  /** What is held for the shop now (tests, support status). */
  async state(shop: string): Promise<{ rebuild: string | null; pending: string[]; writers: string[]; log: number; applier: boolean }> {
    const [rebuild, pending, writers, log, applier] = await Promise.all([
      this.redis.get(this.k(shop, 'rebuild')), this.redis.smembers(this.k(shop, 'pending')), this.redis.zrange(this.k(shop, 'writers'), 0, -1),
      this.redis.llen(this.k(shop, 'log')), this.redis.exists(this.k(shop, 'applier')),
    ]);
    return { rebuild, pending: pending.sort(), writers, log, applier: applier === 1 };
  }

  async forgetShop(shop: string): Promise<void> {
    await this.redis.del(...(['writers', 'log', 'rebuild', 'pending', 'gate', 'applier'] as const).map((n) => this.k(shop, n)));
  }
}
