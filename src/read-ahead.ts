// A whole-shop pass reads a batch, then works on it (segments it, writes profiles), then reads the
// next: the database and the worker take turns, and on a machine of a few cores one of them waits. Read
// one batch ahead and the next read runs while the worker works on the current batch — the database's
// read overlaps the worker's CPU and the writes it sends (both cores busy instead of one). What it
// holds: one item more than the consumer has (one batch).
//
// Only for a source that does not depend on what the consumer does with earlier items (a cursor over
// stored documents: the books, the profiles). A read that fails while the consumer works is reported
// at the consumer's next pull, as without the read-ahead — never as an unhandled rejection.

/** `source`, with its next item being produced while the consumer works on the current one. */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let pending = pull(it);
  let finished = false;
  try {
    for (;;) {
      const r = await pending;
      if (r.done) {
        finished = true;
        return;
      }
      pending = pull(it);
      yield r.value;
    }
  } finally {
    // The consumer stopped early (break, an error): the read in flight settles, then the source closes
    // (a cursor is released on the server).
    if (!finished) {
      await pending.catch(() => undefined);
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
