// Real services for integration tests: a unique MongoDB database and BullMQ prefix per test file,
// dropped afterwards. Servers come from `npm run services:up` (npm test runs it first).
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import mongoose from 'mongoose';
import type { Redis } from 'ioredis';
import { createRedis, keyPrefix } from '../../src/redis.ts';
import { serviceUrls } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { deleteKeysUnder } from '../../tools/redis-cleanup.ts';
import { ShardAudit } from './shard-audit.ts';

export interface TestServices {
  /** A mongoose connection to a database used by this test file only. */
  mongo: mongoose.Connection;
  dbName: string;
  mongoUri: string;
  redisUrl: string;
  /** A BullMQ prefix used by this test file only. */
  queuePrefix: string;
  /** A fresh ioredis connection for BullMQ (maxRetriesPerRequest: null). Closed by close(). */
  redis(): Redis;
  /** Every query on a sharded collection that does not name the shop (test/support/shard-audit.ts). */
  shardAudit: ShardAudit;
  /** Drops the database and closes; fails when a query was not shop-targeted (shardAudit). */
  close(): Promise<void>;
}

export function uniqueName(fileUrl: string): string {
  const base = basename(new URL(fileUrl).pathname).replace(/\.(int\.)?test\.ts$/, '').replace(/[^a-zA-Z0-9]/g, '_');
  return `t_${base.slice(0, 30)}_${randomBytes(4).toString('hex')}`;
}

export async function openTestServices(fileUrl: string): Promise<TestServices> {
  const { mongodbUri, redisUrl, redisClusterNodes } = serviceUrls();
  const name = uniqueName(fileUrl);
  const mongo = await mongoose.createConnection(mongodbUri, { dbName: name, serverSelectionTimeoutMS: 5000, monitorCommands: true }).asPromise();
  const shardAudit = new ShardAudit();
  shardAudit.attach(mongo);
  // On a Redis Cluster (REDIS_CLUSTER_NODES, `npm run test:cluster`) the prefix is a hash tag (src/redis.ts).
  const queuePrefix = keyPrefix(`test:${name}`, Boolean(redisClusterNodes));
  const clients: Redis[] = [];
  return {
    mongo,
    dbName: name,
    mongoUri: mongodbUri,
    redisUrl,
    queuePrefix,
    shardAudit,
    redis() {
      const r = createRedis({ REDIS_URL: redisUrl, REDIS_CLUSTER_NODES: redisClusterNodes }, { maxRetriesPerRequest: null });
      clients.push(r);
      return r;
    },
    async close() {
      await mongo.dropDatabase().catch(() => undefined);
      await mongo.close();
      await deleteKeysUnder(redisUrl, queuePrefix);
      for (const c of clients) c.disconnect();
      shardAudit.assertClean();
    },
  };
}

/** A logger that writes nowhere unless LOG_LEVEL is set, so test output stays readable. */
export const testLogger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
