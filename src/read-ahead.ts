// A whole-shop pass reads a batch, then works on it (segments it, writes profiles), then reads the
// next: the database and the worker take turns, and on a machine of a few cores one of them waits. Read
// one batch ahead and the next read runs while the worker works on the current batch — the database's
// read overlaps the worker's CPU and the writes it sends (both cores busy instead of one). What it
// holds: `depth` items more than the consumer has (one batch by default).
//
// Only for a source that does not depend on what the consumer does with earlier items (a cursor over
// stored documents: the books, the profiles). A read that fails while the consumer works is reported
// at the consumer's next pull, as without the read-ahead — never as an unhandled rejection.

/** `source`, with its next `depth` items being produced while the consumer works on the current one. */
export async function* readAhead<T>(source: AsyncIterable<T>, depth = 1): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  // The reads in flight, oldest first (an async generator answers them one after another, in order).
  const queue: Array<Promise<IteratorResult<T>>> = [];
  let finished = false;
  const fill = () => { while (queue.length < depth) queue.push(pull(it)); };
  try {
    fill();
    for (;;) {
      const r = await queue.shift()!;
      if (r.done) {
        finished = true;
        return;
      }
      fill();
      yield r.value;
    }
  } finally {
    // The consumer stopped early (break, an error): the reads in flight settle, then the source closes
    // (a cursor is released on the server).
    if (!finished) {
      await Promise.allSettled(queue);
      await it.return?.();
    }
  }
}

function pull<T>(it: AsyncIterator<T>): Promise<IteratorResult<T>> {
  const p = it.next();
  // Handled here so a rejection while the consumer works is not "unhandled"; the consumer's await sees it.
  p.catch(() => undefined);
  return p;
}
