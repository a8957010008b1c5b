// Indexes are declared at every process start; only missing ones are created. On FerretDB (SQLite)
// createIndexes takes the metadata registry's write lock and then waits for a pooled SQLite connection,
// while open cursors hold connections and their getMore waits for that registry's read lock: with
// ≥ 100 cursors open (the pool's size) the server hangs for good. Found by the chaos suite (full size,
// seed 400: a worker respawned after the FerretDB restart re-declared every index; goroutine dump in
// docs/reliability.md). listIndexes only reads the registry.

interface IndexedModel {
  createIndexes(): Promise<unknown>;
  diffIndexes(): Promise<{ toCreate: unknown[] }>;
}

/** Creates the model's schema indexes unless all of them exist already (then nothing is written). */
export async function createMissingIndexes(model: IndexedModel): Promise<void> {
  // A collection that does not exist yet makes listIndexes fail: create.
  const diff = await model.diffIndexes().catch(() => null);
  if (diff && diff.toCreate.length === 0) return;
  await model.createIndexes();
}
