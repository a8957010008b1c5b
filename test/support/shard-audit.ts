// Shard-targeting audit: records every query the integration tests send to MongoDB (the driver's
// command monitoring, so bulk writes and raw collection calls are seen too, not only mongoose models)
// and reports each one on a sharded collection (src/profiles/shard-keys.ts) whose filter does not name
// the shop through the collection's shard key — the query a sharded cluster would send to every shard.
// openTestServices() installs it on every test database; close() fails the test file on a violation.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Connection } from 'mongoose';
import { SHARD_KEYS, CROSS_SHOP_SWEEPS } from '../../src/profiles/shard-keys.ts';

type Filter = Record<string, unknown> | undefined;

export interface Violation {
  collection: string;
  command: string;
  filter: string;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const asEq = (v: unknown): unknown => (v !== null && typeof v === 'object' && '$eq' in v ? (v as { $eq: unknown }).$eq : v);
const shopOfId = (id: string): string | null => (id.includes('/') ? id.slice(0, id.indexOf('/')) : null);

/** The one shop an `_id` condition of an idPrefix collection is confined to, else null. */
function shopOfIdCondition(cond: unknown): string | null {
  const v = asEq(cond);
  if (isString(v)) return shopOfId(v);
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.$in) && o.$in.length > 0 && o.$in.every(isString)) {
    const shops = new Set(o.$in.map(shopOfId));
    return shops.size === 1 ? [...shops][0]! : null;
  }
  if (isString(o.$gte) && isString(o.$lt) && o.$gte.endsWith('/') && o.$lt === `${o.$gte.slice(0, -1)}0`) return o.$gte.slice(0, -1);
  // A range between two ids of one shop lies inside that shop's key range.
  const low = [o.$gte, o.$gt].find(isString);
  const high = [o.$lte, o.$lt].find(isString);
  if (low !== undefined && high !== undefined && shopOfId(low) !== null && shopOfId(low) === shopOfId(high)) return shopOfId(low);
  return null;
}

/** true when a query on `collection` with `filter` would go to the shard(s) of one shop only. */
export function isShopTargeted(collection: string, filter: Filter): boolean {
  const key = SHARD_KEYS[collection];
  if (!key) return true; // unsharded: lives on one shard
  const f = filter ?? {};
  const fields = Object.keys(f).sort();
  if (CROSS_SHOP_SWEEPS.some((s) => s.collection === collection && s.fields.length === fields.length && s.fields.every((x, i) => [...s.fields].sort()[i] === fields[i]))) return true;
  if (key.kind === 'idPrefix') return shopOfIdCondition(f._id) !== null;
  if (key.kind === 'idIsShop') return isString(asEq(f._id));
  return isString(asEq(f.shop));
}

/** The filters a command applies, by command name (the collection is the command's own value). */
function filtersOf(name: string, cmd: Record<string, unknown>): Filter[] {
  switch (name) {
    case 'find': return [cmd.filter as Filter];
    case 'count': case 'distinct': case 'findAndModify': return [cmd.query as Filter];
    case 'update': return ((cmd.updates as Array<{ q: Filter }>) ?? []).map((u) => u.q);
    case 'delete': return ((cmd.deletes as Array<{ q: Filter }>) ?? []).map((d) => d.q);
    case 'aggregate': return [((cmd.pipeline as Array<Record<string, unknown>>)?.[0]?.$match ?? {}) as Filter];
    default: return [];
  }
}

export class ShardAudit {
  readonly violations: Violation[] = [];
  private readonly exempt = new AsyncLocalStorage<true>();

  /** Runs a test's own inspection of the database (reading every collection, say) unrecorded. */
  unaudited<T>(fn: () => PromiseLike<T>): Promise<T> {
    // Awaited inside the context: a mongoose query starts only when it is awaited.
    return this.exempt.run(true, async () => await fn());
  }

  /** Starts recording on a connection opened with `monitorCommands: true`. */
  attach(conn: Connection): void {
    conn.getClient().on('commandStarted', (ev) => {
      const coll = ev.command[ev.commandName];
      if (!isString(coll) || this.exempt.getStore()) return;
      for (const filter of filtersOf(ev.commandName, ev.command as Record<string, unknown>)) {
        if (!isShopTargeted(coll, filter)) this.violations.push({ collection: coll, command: ev.commandName, filter: JSON.stringify(filter ?? {}) });
      }
    });
  }

  /** Throws, naming each untargeted query, if there was any. */
  assertClean(): void {
    if (this.violations.length === 0) return;
    const lines = this.violations.slice(0, 10).map((v) => `  ${v.command} ${v.collection} ${v.filter}`);
    throw new Error(`${this.violations.length} quer(ies) on sharded collections without the shop in the shard key (see src/profiles/shard-keys.ts):\n${lines.join('\n')}`);
  }
}
