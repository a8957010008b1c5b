// `segments move-shop-keys`: puts every shop's own keys (tag sync state, derived buffer, shop work,
// metafield digests, flow outbox, token stats, tag-echo markers, …) where this configuration reads them
// — under the prefix of the shop's partition (src/redis.ts ShopKeys) — with their values and time to
// live. For: upgrading a deployment with several partitions (every Redis Cluster by default) from a
// version that kept them all under the plain `{QUEUE_PREFIX}`, and a change of QUEUE_PARTITIONS (a shop
// may change partition). Run it with every process of the app stopped, after the queues drained and
// before the new configuration starts (docs/operations.md, "Redis Cluster"). Idempotent: a second run
// finds nothing to move. A key written at its new place already wins: the old one is dropped (counted).
// Without it the old keys stay where no process reads or erases them — with customer ids in them (tag
// state, failure entries, flow calls). Talks to Redis directly (the app's .env / environment).
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { loadConfigFromProcess, type Config } from '../../config.ts';
import { shopKeysFrom } from '../../deps.ts';
import { createRedis, keyPatterns, scanKeys, type ShopKeys } from '../../redis.ts';
import { EXIT_OK, type CliCommand } from '../command.ts';

/**
 * The per-shop key kinds (`<prefix>:<kind>:<shop>…`) and, for the document locks, `<prefix>:doclock:<collection>/<shop>/<id>`.
 * The signal rate-limit windows are left to expire (60 s).
 */
const KINDS = ['tags', 'derived', 'recompute-pending', 'failures', 'shop-pass', 'shop-pass-touched', 'mf-digest', 'flow-outbox', 'flow-stats', 'flow-seen', 'auth-stats', 'token-lock', 'tag-echo', 'bulk-finished', 'doclock'] as const;

/** The shop a key of that kind belongs to (the part after `<prefix>:`). */
function shopOf(rest: string): string | null {
  const [kind, shop] = rest.split(':');
  if (kind === 'doclock') return shop?.split('/')[1] ?? null;
  return shop || null;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The prefix a key sits under: the plain one or a partition's (any count), else null. */
function prefixOf(key: string, prefix: string): string | null {
  if (key.startsWith(`${prefix}:`)) return prefix;
  const tagged = /^\{([^}]+)\}(.*)$/.exec(prefix);
  const partition = tagged ? new RegExp(`^\\{${escape(tagged[1]!)}-p\\d+\\}${escape(tagged[2]!)}:`) : new RegExp(`^${escape(prefix)}-p\\d+:`);
  return partition.exec(key)?.[0].slice(0, -1) ?? null;
}

export interface MoveReport {
  moved: number;
  /** Old keys dropped because the new version had written the key already. */
  dropped: number;
  byKind: Record<string, number>;
}

/** Moves every shop's keys found under the plain prefix or any partition's to its partition's prefix in `keys`. */
export async function moveShopKeys(redis: Redis, keys: ShopKeys): Promise<MoveReport> {
  const report: MoveReport = { moved: 0, dropped: 0, byKind: {} };
  for (const kind of KINDS) {
    for (const pattern of keyPatterns(keys.prefix).map((p) => p.replace(/\*$/, `${kind}:*`))) for await (const page of scanKeys(redis, pattern)) {
      for (const key of page) {
        const from = prefixOf(key, keys.prefix);
        const rest = from === null ? '' : key.slice(from.length + 1);
        const shop = shopOf(rest);
        if (!shop || !rest.startsWith(`${kind}:`) || keys.of(shop) === from) continue;
        // One key at a time: the old and the new key sit in different slots (on a cluster, nodes).
        const [payload, ttl] = await Promise.all([redis.dumpBuffer(key), redis.pttl(key)]);
        // Gone meanwhile (expired between the two reads): nothing to move; -2 must not become "no expiry".
        if (payload === null || ttl === -2) continue;
        const outcome = await redis.restore(`${keys.of(shop)}:${rest}`, Math.max(0, ttl), payload).then(() => 'moved' as const, (err: Error) => {
          if (/BUSYKEY/.test(err.message)) return 'dropped' as const;
          throw err;
        });
        await redis.del(key);
        report[outcome]++;
        if (outcome === 'moved') report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
      }
    }
  }
  return report;
}

export interface MoveShopKeysDeps {
  config(): Config;
}

export function createMoveShopKeysCommand(deps: MoveShopKeysDeps = { config: () => loadConfigFromProcess() }): CliCommand {
  return {
    name: 'move-shop-keys',
    summary: "move every shop's own Redis keys to its queue partition's prefix (once, upgrading a cluster)",
    usage: 'usage: segments move-shop-keys [--json]\n  with every process of the app stopped; REDIS_URL / REDIS_CLUSTER_NODES, QUEUE_PREFIX, QUEUE_PARTITIONS from .env or the environment',
    async run(args, io) {
      const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
      const config = deps.config();
      const keys = shopKeysFrom(config);
      const redis = createRedis(config, { maxRetriesPerRequest: 3 });
      try {
        const report = await moveShopKeys(redis, keys);
        if (values.json) io.stdout.write(JSON.stringify(report) + '\n');
        else {
          io.stdout.write(`${keys.partitions} partition(s) of ${keys.prefix}: ${report.moved} key(s) moved to their shop's partition, ${report.dropped} old key(s) dropped (written anew already)\n`);
          for (const [kind, n] of Object.entries(report.byKind)) io.stdout.write(`  ${kind}: ${n}\n`);
          if (report.dropped > 0) io.stdout.write('hint: the new version ran before the move; `segments resync` the shops to re-derive their tag state\n');
        }
        return EXIT_OK;
      } finally {
        redis.disconnect();
      }
    },
  };
}

export const moveShopKeysCommand = createMoveShopKeysCommand();
