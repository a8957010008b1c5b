// The whole product on the test's own database and queue prefix: simulator, app, consumer and workers.
import { openTestServices, testLogger, type TestServices } from '../support/test-services.ts';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack.ts';

export interface E2eStack {
  s: TestServices;
  stack: LocalStack;
  close(): Promise<void>;
}

export async function openE2eStack(fileUrl: string, o: { asOf: number; seed: number; env?: Record<string, string> }): Promise<E2eStack> {
  const s = await openTestServices(fileUrl);
  const stack = await startLocalStack({
    logger: testLogger, asOf: o.asOf, mongo: s.mongo,
    env: { QUEUE_PREFIX: s.queuePrefix, MONGODB_URI: s.mongoUri, REDIS_URL: s.redisUrl, ...o.env },
    simulator: { seed: o.seed },
    pollIntervalMs: 200,
  });
  return { s, stack, close: async () => { await stack.close(); await s.close(); } };
}
