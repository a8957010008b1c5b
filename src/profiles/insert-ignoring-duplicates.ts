// Idempotent bulk insert: on FerretDB 1.x (no filter pushdown) insertMany is the one write that does
// not scan the collection per document, so whole-shop writes use it and let a unique index drop
// documents already written (duplicate key 11000 = already there).
import type { Model } from 'mongoose';

/** insertMany that treats duplicate keys (11000) as already written: the idempotent bulk write. */
export async function insertIgnoringDuplicates<T>(model: Model<T>, docs: readonly T[]): Promise<number> {
  return docs.length - (await insertReturningDuplicates(model, docs)).length;
}

/**
 * Insert first, update the rest: one unordered insertMany, returning the documents whose key exists
 * already (duplicate key 11000) so the caller updates only those. On FerretDB 1.24 an insert costs a
 * fraction of an upsert (no read of the document first); on MongoDB both are one index probe.
 */
export async function insertReturningDuplicates<T>(model: Model<T>, docs: readonly T[]): Promise<T[]> {
  if (!docs.length) return [];
  try {
    await model.collection.insertMany(docs.map((d) => ({ ...d })) as never[], { ordered: false });
    return [];
  } catch (err) {
    const writeErrors = (err as { writeErrors?: Array<{ code?: number; index?: number; err?: { code?: number; index?: number } }> }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : null;
    if (!list || list.some((e) => (e.code ?? e.err?.code) !== 11000)) throw err;
    const at = list.map((e) => e.index ?? e.err?.index);
    if (at.some((i) => typeof i !== 'number' || !docs[i])) throw err;
    return at.map((i) => docs[i as number]!);
  }
}

