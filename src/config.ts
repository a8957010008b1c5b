// The only module that reads process.env. Every entry point calls loadConfig() once and passes the
// result down through the composition root (src/deps.ts).
import { z } from 'zod';

const key32 = z
  .string()
  .refine((v) => decodeKey(v) !== null, 'must be 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)');

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  SHOPIFY_API_KEY: z.string().min(1),
  SHOPIFY_API_SECRET: z.string().min(1),
  /** The secret before the last rotation: deliveries may be signed with it for up to an hour. */
  SHOPIFY_API_SECRET_PREVIOUS: z.string().min(1).optional(),
  SHOPIFY_APP_URL: z.url(),
  SHOPIFY_API_VERSION: z.string().regex(/^\d{4}-(01|04|07|10)$/, 'must look like 2026-10').default('2026-10'),
  /** Only for the local simulator: where the Admin API lives instead of https://{shop}. */
  SHOPIFY_API_ORIGIN: z.url().optional(),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').default('mongodb://127.0.0.1:27017/segments'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().min(1).default('segments'),
  /**
   * Queue partitions: each queue exists this many times, each under its own hash tag, and a shop's jobs
   * and its own keys go to one of them (src/redis.ts partitionOf, ShopKeys), so several cluster masters
   * share the work. Unset: 1 on a single Redis, 6 on a cluster. Drain the queues before changing it and
   * run `segments move-shop-keys` (a shop may move partition; docs/operations.md "Redis Cluster").
   */
  QUEUE_PARTITIONS: z.coerce.number().int().min(1).max(64).optional(),
  /**
   * A Redis Cluster instead of REDIS_URL: comma-separated host:port of some of its nodes (the client
   * discovers the rest). Every Redis key then carries a hash tag: {QUEUE_PREFIX}, and the queues and the
   * shops' own keys their partition's {QUEUE_PREFIX-p<k>} (src/redis.ts).
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/, 'must be host:port[,host:port…]')
    .optional(),
  /**
   * Express "trust proxy": whose X-Forwarded-Proto/-For to believe (false, true, a hop count, or
   * addresses/subnets such as "loopback" or "10.0.0.0/8"). Decides whether a request came over TLS,
   * i.e. whether Strict-Transport-Security is sent.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v)),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Address the web process binds to (not a URL). */
  HOST: z.string().refine((v) => !v.includes('://'), 'is the address to bind to (e.g. 0.0.0.0), not a URL').default('0.0.0.0'),
  ENCRYPTION_KEY: key32,
  /** The key before the last rotation: values sealed with it still open and are re-encrypted on use (`segments rotate-key`). */
  ENCRYPTION_KEY_PREVIOUS: key32.optional(),
  SUPPORT_TOKEN: z.string().min(24, 'must be at least 24 characters (openssl rand -hex 24)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /**
   * How far V8 lets the heap grow past what survived its last full collection, in percent (V8's
   * `--heap-growing-percent`; 0: V8's own factor, up to 4×). A whole-shop pass's heap grows steadily
   * (a summary per customer) while it reads garbage batch after batch; V8's own factor let a million
   * customers' calibration reach 2.1 GB of RSS for 1.2 GB of live data, 30 % kept it at 1.4 GB
   * (docs/benchmarks.md). Set at each process's start (src/heap-growth.ts).
   */
  HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(300).default(30),
  /** Lock of a per-customer job and the stalled-job check: a crashed worker's jobs resume within 1–2× this. */
  JOB_LOCK_MS: z.coerce.number().int().min(5000).max(600_000).default(30_000),
  /**
   * auto: processed in the request while fewer than WEBHOOK_INLINE_LIMIT are in flight, queued above
   * that or when processing fails/is slow; queued: always queued (200 once in Redis, stored by the
   * consumer in the web process); inline: always processed in the request (never queued).
   */
  WEBHOOK_MODE: z.enum(['auto', 'queued', 'inline']).default('auto'),
  WEBHOOK_INLINE_LIMIT: z.coerce.number().int().min(0).max(1024).default(8),
  /**
   * On a Redis Cluster: after a delivery is queued, wait up to this many ms for a replica of its master to
   * acknowledge it (WAIT 1 ms) before answering 200, so a failover right after cannot lose an
   * acknowledged delivery; none in time → 500, Shopify retries. 0 = off (replication stays asynchronous).
   */
  WEBHOOK_REPLICA_ACK_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  BULK_MUTATION_THRESHOLD: z.coerce.number().int().min(1).default(250),
  DEMO_MODE: boolish.default(false),
  /**
   * Pins the engine's clock (every job's as-of, scheduled ones too) to this instant: the chaos suite's
   * fixed day reaches its worker processes. Never in production.
   */
  ENGINE_AS_OF: z
    .string()
    .refine((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && Number.isFinite(Date.parse(v)), 'must be an ISO date-time such as 2026-11-20T00:00:00Z')
    .transform((v) => Date.parse(v))
    .optional(),
});

export type Config = z.infer<typeof configSchema>;
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n  - ${issues.join('\n  - ')}\nSee .env.example for every variable.`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/**
 * `shopify app dev` starts the web process with the tunnel URL in APP_URL and HOST (and SHOPIFY_API_KEY,
 * SHOPIFY_API_SECRET, PORT, NODE_ENV=development), not in SHOPIFY_APP_URL — see launchWebProcess in
 * Shopify/cli packages/app/src/cli/services/dev/processes/web.ts. Outside production the tunnel URL wins
 * (it changes on every run); HOST carrying that URL is not a bind address and is dropped.
 */
function fromShopifyCli(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  const tunnel = env.APP_URL;
  if (!tunnel) return out;
  if (env.NODE_ENV !== 'production' || !env.SHOPIFY_APP_URL) out.SHOPIFY_APP_URL = tunnel;
  if (env.HOST === tunnel) delete out.HOST;
  return out;
}

/** Parses an environment; reports every missing or bad variable in one error. */
export function loadConfig(env: Env): Config {
  const cleaned = fromShopifyCli(Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const name = i.path.join('.');
      const missing = i.code === 'invalid_type' && cleaned[name] === undefined;
      return missing ? `${name} is missing` : `${name} ${i.message}`;
    });
    throw new ConfigError(issues);
  }
  const cfg = parsed.data;
  const extra: string[] = [];
  if (cfg.NODE_ENV === 'production' && cfg.SHOPIFY_API_ORIGIN) extra.push('SHOPIFY_API_ORIGIN is for the local simulator and must not be set in production');
  if (cfg.NODE_ENV === 'production' && cfg.DEMO_MODE) extra.push('DEMO_MODE must not be set in production');
  if (cfg.NODE_ENV === 'production' && cfg.ENGINE_AS_OF !== undefined) extra.push('ENGINE_AS_OF pins the clock for tests and must not be set in production');
  if (extra.length) throw new ConfigError(extra);
  return cfg;
}

/** Reads .env (if present) into process.env without overriding, then parses. For entry points only. */
export function loadConfigFromProcess(envFile = '.env'): Config {
  try {
    process.loadEnvFile(envFile);
  } catch {
    // no .env file: the environment alone decides
  }
  return loadConfig(process.env);
}

/** Service URLs with their defaults, for scripts that must run before a full config exists. */
export function serviceUrls(env: Env = process.env): { mongodbUri: string; redisUrl: string; redisClusterNodes?: string } {
  return {
    ...(env.REDIS_CLUSTER_NODES ? { redisClusterNodes: env.REDIS_CLUSTER_NODES } : {}),
    mongodbUri: env.MONGODB_URI || configSchema.shape.MONGODB_URI.parse(undefined),
    redisUrl: env.REDIS_URL || configSchema.shape.REDIS_URL.parse(undefined),
  };
}

export function decodeKey(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const b = Buffer.from(value, 'base64');
  return b.length === 32 ? b : null;
}
