import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker, QueueEvents } from 'bullmq';
import { Schema } from 'mongoose';
import { openTestServices, type TestServices } from './support/test-services.ts';

describe('real services', () => {
  let s: TestServices;
  before(async () => { s = await openTestServices(import.meta.url); });
  after(async () => { await s.close(); });

  it('round-trips a document through mongoose on the MongoDB-compatible server', async () => {
    const Order = s.mongo.model('RoundTrip', new Schema({ shop: String, orderId: String, netMinor: Number, placedAt: Date }));
    await Order.create({ shop: 'a.myshopify.com', orderId: '9007199254740993', netMinor: 1999, placedAt: new Date('2026-11-20T10:00:00Z') });
    const found = await Order.findOne({ orderId: '9007199254740993' }).lean();
    assert.equal(found?.orderId, '9007199254740993', 'ids beyond 2^53 survive as strings');
    assert.equal(found?.netMinor, 1999);
    assert.equal(found?.placedAt?.toISOString(), '2026-11-20T10:00:00.000Z');
  });

  it('runs a job through BullMQ on Redis and returns its result', async () => {
    const connection = s.redis();
    const queue = new Queue('double', { connection, prefix: s.queuePrefix });
    const events = new QueueEvents('double', { connection: s.redis(), prefix: s.queuePrefix });
    await events.waitUntilReady();
    const worker = new Worker('double', async (job) => (job.data as { n: number }).n * 2, { connection: s.redis(), prefix: s.queuePrefix });
    const job = await queue.add('double', { n: 21 });
    const result: unknown = await job.waitUntilFinished(events, 10000);
    assert.equal(result, 42);
    await worker.close();
    await events.close();
    await queue.close();
  });
});
