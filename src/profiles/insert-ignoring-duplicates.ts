// Idempotent bulk insert: on FerretDB 1.x (no filter pushdown) insertMany is the one write that does
// not scan the collection per document, so whole-shop writes use it and let a unique index drop
// documents already written (duplicate key 11000 = already there).
import type { Model } from 'mongoose';

/** insertMany that treats duplicate keys (11000) as already written: the idempotent bulk write. */
export async function insertIgnoringDuplicates<T>(model: Model<T>, docs: readonly T[]): Promise<number> {
  if (!docs.length) return 0;
  try {
    await model.collection.insertMany(docs.map((d) => ({ ...d })) as never[], { ordered: false });
    return docs.length;
  } catch (err) {
    const writeErrors = (err as { writeErrors?: Array<{ code?: number; err?: { code?: number } }> }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : null;
    if (!list || list.some((e) => (e.code ?? e.err?.code) !== 11000)) throw err;
    return docs.length - list.length;
  }
}

