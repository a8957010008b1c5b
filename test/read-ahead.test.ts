// src/read-ahead.ts: the items in order and all of them; the next read starts while the consumer works
// on the current item (not after); a read that fails reaches the consumer at its next pull and never
// as an unhandled rejection; a consumer that stops early closes the source once the read in flight settles.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readAhead } from '../src/read-ahead.ts';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** A source that records when each read begins and ends, and whether it was closed. */
function recordingSource(items: number[], failAt = -1) {
  const log: string[] = [];
  let closed = false;
  async function* source(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < items.length; i++) {
        log.push(`read ${i} begins`);
        await tick();
        if (i === failAt) throw new Error(`read ${i} failed`);
        log.push(`read ${i} ends`);
        yield items[i]!;
      }
    } finally {
      closed = true;
    }
  }
  return { source, log, closed: () => closed };
}

describe('readAhead', () => {
  it('yields every item in order (any list, any depth)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer(), { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), async (items, depth) => {
      const got: number[] = [];
      for await (const x of readAhead(recordingSource(items).source(), depth)) got.push(x);
      assert.deepEqual(got, items);
    }), { seed: 18, numRuns: 80 });
  });

  it('reads up to `depth` items ahead, and no further', async () => {
    const s = recordingSource([1, 2, 3, 4, 5, 6]);
    for await (const x of readAhead(s.source(), 3)) {
      if (x !== 1) continue;
      for (let k = 0; k < 20; k++) await tick();
      s.log.push('work on 1 ends');
    }
    const at = s.log.indexOf('work on 1 ends');
    // While the consumer held item 1 (read 0), reads 1, 2 and 3 were done; read 4 had not begun.
    assert.ok(s.log.indexOf('read 3 ends') < at, s.log.join(', '));
    assert.ok(s.log.indexOf('read 4 begins') > at, s.log.join(', '));
  });

  it('begins the next read before the consumer has finished with the current item', async () => {
    const s = recordingSource([1, 2, 3]);
    for await (const x of readAhead(s.source())) {
      s.log.push(`work on ${x} begins`);
      await tick();
      await tick();
      s.log.push(`work on ${x} ends`);
    }
    // Without the read-ahead, "read 1 begins" would come after "work on 1 ends".
    assert.ok(s.log.indexOf('read 1 begins') < s.log.indexOf('work on 1 ends'), s.log.join(', '));
    assert.ok(s.log.indexOf('read 2 begins') < s.log.indexOf('work on 2 ends'), s.log.join(', '));
  });

  it('reports a failed read at the consumer\'s next pull, never unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const s = recordingSource([1, 2, 3], 1);
      const got: number[] = [];
      await assert.rejects(async () => {
        for await (const x of readAhead(s.source())) {
          got.push(x);
          // The read of item 2 fails while the consumer is still working here.
          for (let k = 0; k < 5; k++) await tick();
        }
      }, /read 1 failed/);
      assert.deepEqual(got, [1]);
      await tick();
      assert.deepEqual(unhandled, []);
      assert.equal(s.closed(), true);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('closes the source when the consumer stops early, after the read in flight', async () => {
    const s = recordingSource([1, 2, 3, 4]);
    for await (const x of readAhead(s.source())) if (x === 2) break;
    assert.equal(s.closed(), true);
    // The read in flight (item 3) was allowed to finish; nothing after it began.
    assert.deepEqual(s.log, ['read 0 begins', 'read 0 ends', 'read 1 begins', 'read 1 ends', 'read 2 begins', 'read 2 ends']);
  });

  it('closes the source when the consumer throws', async () => {
    const s = recordingSource([1, 2, 3]);
    await assert.rejects(async () => {
      for await (const x of readAhead(s.source())) if (x === 1) throw new Error('consumer failed');
    }, /consumer failed/);
    assert.equal(s.closed(), true);
  });

  it('closes a source that is not a generator only after its reads in flight have settled', async () => {
    // A plain iterator (a driver cursor's shape) answers next() and return() as called, not in turn.
    const events: string[] = [];
    let inFlight = 0;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => {
        let i = 0;
        return {
          next: async () => {
            const k = i++;
            inFlight++;
            for (let t = 0; t < 3; t++) await tick();
            inFlight--;
            events.push(`read ${k}`);
            return { done: false, value: k };
          },
          return: async () => {
            events.push(`closed with ${inFlight} reads in flight`);
            return { done: true, value: undefined };
          },
        };
      },
    };
    for await (const x of readAhead(source, 3)) if (x === 1) break;
    assert.deepEqual(events.at(-1), 'closed with 0 reads in flight');
  });
});
