// Upserts by _id that race each other (see upsertRetrying).
const isDuplicateKey = (err: unknown): boolean => {
  const e = err as { code?: number; writeErrors?: unknown };
  if (e.code === 11000) return true;
  const list = Array.isArray(e.writeErrors) ? e.writeErrors as Array<{ code?: number; err?: { code?: number } }> : [];
  return list.length > 0 && list.every((w) => (w.code ?? w.err?.code) === 11000);
};

/**
 * Two upserts of the same new _id at once: one inserts, the other fails with a duplicate key (MongoDB
 * retries that itself for _id equality; FerretDB does not). Every write here is an idempotent $max, so
 * running it again — now as an update of the existing document — is the correct outcome.
 */
export async function upsertRetrying<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 3 || !isDuplicateKey(err)) throw err;
    }
  }
}

