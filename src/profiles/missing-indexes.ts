// Indexes are declared at every process start; only missing ones are created. On FerretDB (SQLite)
// createIndexes takes the metadata registry's write lock and then waits for a pooled SQLite connection,
// while open cursors hold connections and their getMore waits for that registry's read lock: with
// ≥ 100 cursors open (the pool's size) the server hangs for good. Found by the chaos suite (full size,
// seed 400: a worker respawned after the FerretDB restart re-declared every index; goroutine dump in
// docs/reliability.md). listIndexes only reads the registry.

interface IndexedModel {
  createIndexes(): Promise<unknown>;
  diffIndexes(): Promise<{ toCreate: unknown[]; toDrop?: string[] }>;
  collection: { dropIndex(name: string): Promise<unknown> };
}

/**
 * Creates the model's schema indexes unless all of them exist already (then nothing is written), and
 * drops those of `obsolete` (index names an earlier version declared) that are still there — only
 * those: an index an operator added by hand stays.
 */
export async function createMissingIndexes(model: IndexedModel, obsolete: readonly string[] = []): Promise<void> {
  // A collection that does not exist yet makes listIndexes fail: create.
  const diff = await model.diffIndexes().catch(() => null);
  for (const name of diff?.toDrop ?? []) {
    // Two processes starting together may both drop it: the second finds it gone (IndexNotFound, 27).
    if (obsolete.includes(name)) await model.collection.dropIndex(name).catch((err: { code?: number; codeName?: string }) => {
      if (err.code !== 27 && err.codeName !== 'IndexNotFound') throw err;
    });
  }
  if (diff && diff.toCreate.length === 0) return;
  await model.createIndexes();
}
