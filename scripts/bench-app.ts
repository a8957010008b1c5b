// The app as child processes, for the benchmarks that load it over loopback (bench-ingest,
// bench-preview-ingest): its environment, start, health wait and stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { pollUntil } from '../tools/poll.ts';

const ROOT = resolve(import.meta.dirname, '..');

export interface BenchAppEnv {
  port: number;
  mongodbUri: string;
  redisUrl: string;
  queuePrefix: string;
  apiKey: string;
  apiSecret: string;
  encryptionKey: string;
  /** Anything else (WORKER_CONCURRENCY, …). */
  extra?: Record<string, string>;
}

/** A production-mode environment on loopback, logging warnings only. */
export function benchAppEnv(o: BenchAppEnv): NodeJS.ProcessEnv {
  return {
    ...process.env, NODE_ENV: 'production', PORT: String(o.port), HOST: '127.0.0.1', MONGODB_URI: o.mongodbUri, REDIS_URL: o.redisUrl, QUEUE_PREFIX: o.queuePrefix,
    SHOPIFY_API_KEY: o.apiKey, SHOPIFY_API_SECRET: o.apiSecret, SHOPIFY_APP_URL: 'https://bench.example.com', ENCRYPTION_KEY: o.encryptionKey,
    SUPPORT_TOKEN: 'b'.repeat(32), LOG_LEVEL: 'warn', SHOPIFY_API_ORIGIN: '', DEMO_MODE: '', ...o.extra,
  };
}

/** `node <entry> …args` from the repository root (stdout dropped, stderr shown). */
export function spawnApp(entryAndArgs: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, entryAndArgs, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env });
}

export async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  await pollUntil('web to become healthy', async () => {
    if (child.exitCode !== null) throw new Error(`web exited with ${child.exitCode}`);
    return fetch(`${url}/health`).then((r) => r.ok, () => false);
  }, { timeoutMs, intervalMs: 200 });
}

/** SIGTERM, then SIGKILL whatever has not exited 15 s later. */
export async function stopChildren(children: readonly ChildProcess[]): Promise<void> {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => {
    if (c.exitCode !== null || c.signalCode !== null) return r(undefined);
    const t = setTimeout(() => { c.kill('SIGKILL'); r(undefined); }, 15_000);
    c.once('exit', () => { clearTimeout(t); r(undefined); });
  })));
}
