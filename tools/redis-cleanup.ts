// Drops every Redis key under a prefix — a test file's or a run's BullMQ prefix — with SCAN and DEL in
// pages (never KEYS), on a connection of its own. Tests, the demo and the benchmarks clean up with it.
import { Redis } from 'ioredis';

export async function deleteKeysUnder(redisUrl: string, prefix: string): Promise<number> {
  const r = new Redis(redisUrl);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return deleted;
}
