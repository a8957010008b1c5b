// Does a Redis or a MongoDB-compatible server answer at this URL? Used by `services:up|status`.
import { createConnection } from 'node:net';

export interface Endpoint { host: string; port: number; local: boolean }

export function endpoint(url: string, defaultPort: number): Endpoint {
  const u = new URL(url.replace(/^mongodb(\+srv)?:/, 'http:').replace(/^rediss?:/, 'http:').replace(/^postgres(ql)?:/, 'http:'));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port: u.port ? Number(u.port) : defaultPort, local: ['127.0.0.1', 'localhost', '::1'].includes(host) };
}

/** True when something accepts TCP connections there. */
export function tcpOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host, port });
    const finish = (ok: boolean) => { s.destroy(); done(ok); };
    s.setTimeout(timeoutMs, () => finish(false));
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
}

export async function redisAnswers(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** "MongoDB 7.0.77 (FerretDB v1.24.2)" when a MongoDB-compatible server answers, else null. */
export async function mongoAnswers(uri: string): Promise<string | null> {
  const { MongoClient } = await import('mongodb');
  const c = new MongoClient(uri, { serverSelectionTimeoutMS: 1500, connectTimeoutMS: 1500 });
  try {
    await c.connect();
    const info = await c.db('admin').command({ buildInfo: 1 });
    const ferret = info.ferretdb ? ` (FerretDB ${String(info.ferretdb.version ?? '')})` : '';
    return `MongoDB ${String(info.version)}${ferret}`;
  } catch {
    return null;
  } finally {
    await c.close().catch(() => undefined);
  }
}

export function redactUri(uri: string): string { return uri.replace(/\/\/[^@/]*@/, '//***@'); }
