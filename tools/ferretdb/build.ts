// Builds the project's FerretDB (this folder's Go wrapper, FerretDB v1.24.2 with four patches) into
// .tools/bin, once per source change; used by `services:up` and by the private servers of the chaos
// suite, the benchmarks and the outage tests.
import { spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const HERE = import.meta.dirname;
const TOOLS = join(ROOT, '.tools');
export const FERRETDB_VERSION = 'v1.24.2';

interface SourcePatch { file: string; from: string; to: string }

/**
 * FerretDB 1.24's SQLite backend pushes a filter on `_id` down as `_ferretdb_sjson->'$._id' = ?`, but
 * creates its unique `_id_` index on the expression `_ferretdb_sjson->"_id"`. SQLite uses an expression
 * index only for the identical expression, so every lookup by `_id` scanned the whole table (measured
 * on 50,000 documents: 11 ms per read, 136 ms per update). The one-line patch below writes the
 * pushdown with the index's own spelling (`->'_id'` means `$._id` in SQLite's JSON operators): 0.8 ms
 * per read, 1.5 ms per update, same results. The app keys its hot collections by `_id` for this.
 */
const ID_INDEX_PATCH: SourcePatch = {
  file: 'internal/backends/sqlite/metadata/metadata.go',
  from: `IDColumn = DefaultColumn + "->'$._id'"`,
  to: `IDColumn = DefaultColumn + "->'_id'"`,
};

/**
 * A hang of the whole server, found by the chaos suite's full run: an update reads the matching
 * documents through an open query (one of the SQLite pool's 100 connections) and writes them in a
 * transaction that needs another connection, while the query stays open; `update` with many statements
 * keeps every statement's query open until the command ends. One `bulkWrite` of 100+ updateOne on
 * existing documents (or 100 updates in flight at once) held all 100 connections while each waited for
 * one more: every client of that FerretDB hung for good (goroutine dump: 100 open rows, 30 callers
 * waiting in database/sql's pool). Upstream reproduction: 150 updateOne by _id in one bulkWrite.
 * The patch reads the matches and closes the query before the first write (update, findAndModify);
 * `delete` already does so.
 */
const UPDATE_RELEASES_QUERY_PATCH: SourcePatch = {
  file: 'internal/handler/common/update.go',
  from: `	result := new(UpdateResult)
`,
  to: `	result := new(UpdateResult)

	// Patched (tools/ferretdb/build.ts): read the matches and release the query's pool connection before
	// the first write, which needs a connection of its own.
	docs, err := iterator.ConsumeValues(iter)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}
	iter = iterator.Values(iterator.ForSlice(docs))
	defer iter.Close()
`,
};

const FIND_AND_REMOVE_RELEASES_QUERY_PATCH: SourcePatch = {
  file: 'internal/handler/msg_findandmodify.go',
  from: `		if doc != nil {
			if _, err = c.DeleteAll(`,
  to: `		iter.Close() // patched (tools/ferretdb/build.ts): release the query before the write

		if doc != nil {
			if _, err = c.DeleteAll(`,
};

/**
 * FerretDB tracks the lifetime of every iterator and query result (resource.Track): a pprof profile
 * entry per object and a finalizer that panics — stops the whole server — when one is collected
 * unclosed (upstream does this in release builds too; only the creation stack is debug-only). A leak
 * detector for FerretDB's own development: `perf record` under our benchmarks put it at ≈ 6 % of
 * FerretDB's CPU (bench:scale 10,000: FerretDB 32.5 → 27.8 CPU s). Patched to track in debug builds
 * only: a leaked iterator in this build holds its pool connection instead of stopping the server.
 */
const trackedInDebugBuildsOnly = (signature: string): SourcePatch => ({
  file: 'internal/util/resource/resource.go',
  from: `${signature} {
	checkArgs(obj, token)
`,
  to: `${signature} {
	checkArgs(obj, token)

	// Patched (tools/ferretdb/build.ts): lifetimes tracked in debug builds only.
	if !debugbuild.Enabled {
		return
	}
`,
});
const RESOURCE_TRACKING_PATCHES = ['func Track(obj any, token *Token)', 'func Untrack(obj any, token *Token)'].map(trackedInDebugBuildsOnly);

const FERRETDB_PATCHES: readonly SourcePatch[] = [ID_INDEX_PATCH, UPDATE_RELEASES_QUERY_PATCH, FIND_AND_REMOVE_RELEASES_QUERY_PATCH, ...RESOURCE_TRACKING_PATCHES];

/** SQLite settings for FerretDB's data directory URL: WAL (FerretDB's default) with synchronous=NORMAL,
 * SQLite's recommended pairing for WAL — durable across process crashes (kill -9), only an OS crash can
 * lose the last commits; 2.3x the bulk write rate of the default FULL here. Test and demo data only. */
export const FERRETDB_SQLITE_PARAMS = '?_pragma=synchronous(normal)';

/** The path of a command on PATH, or null. */
export function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export const readIf = (file: string): string | null => (existsSync(file) ? readFileSync(file, 'utf8').trim() : null);

/** Identifies a build: the wrapper's sources, pinned modules and the patch. */
function ferretdbBuildStamp(): string {
  const h = createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) h.update(readFileSync(join(HERE, f)));
  h.update(JSON.stringify(FERRETDB_PATCHES));
  return `${FERRETDB_VERSION}-${h.digest('hex').slice(0, 16)}`;
}

/** The project's FerretDB build in .tools/bin, (re)built from tools/ferretdb when stale; else one on PATH. */
export function ferretdbBinary(): string {
  // A given build (comparing two builds in one benchmark, or a FerretDB of one's own).
  const given = process.env.FERRETDB_BINARY;
  if (given) {
    if (!existsSync(given)) throw new Error(`FERRETDB_BINARY=${given}: no such file`);
    return given;
  }
  const local = join(TOOLS, 'bin', 'ferretdb');
  const stamp = ferretdbBuildStamp();
  if (existsSync(local) && readIf(`${local}.build`) === stamp) return local;
  if (!which('go')) {
    if (existsSync(local)) return local;
    const onPath = which('ferretdb');
    if (onPath) return onPath;
    throw new Error('No MongoDB-compatible server found: MONGODB_URI does not answer, mongod is not installed and Go is not available to build FerretDB.\n' +
      '  Options: set MONGODB_URI to a MongoDB 6+ server (or Atlas); install MongoDB (mongod on PATH);\n' +
      `  install Go 1.24+ and re-run (FerretDB ${FERRETDB_VERSION} is then built automatically); or 'docker compose up -d' with compose.yaml.`);
  }
  console.error(`[services] building FerretDB ${FERRETDB_VERSION} (patched: _id index use, updates release their query, no lifetime tracking) into .tools/bin (first run only, a few minutes)…`);
  const t0 = Date.now();
  buildPatched(local);
  writeFileSync(`${local}.build`, stamp);
  console.error(`[services] FerretDB built in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  return local;
}

/**
 * This folder wraps FerretDB's embeddable package, pinned in its go.mod/go.sum: a plain
 * `go install .../cmd/ferretdb@v1.24.2` builds a binary that panics at start (missing version.txt).
 * The module is copied out of the (read-only, checksum-verified) module cache, patched, and used
 * through a generated go.mod with a replace directive; the committed go.mod stays untouched.
 */
function buildPatched(output: string): void {
  const env = { ...process.env, GOFLAGS: '-buildvcs=false -mod=readonly', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' };
  const mod = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`], { cwd: HERE, env }).toString()) as { Dir?: string; Error?: string };
  if (!mod.Dir) throw new Error(`go mod download FerretDB ${FERRETDB_VERSION} failed: ${mod.Error ?? 'no directory'}`);
  const src = join(TOOLS, 'ferretdb-src');
  if (existsSync(src)) execFileSync('chmod', ['-R', 'u+w', src]);
  rmSync(src, { recursive: true, force: true });
  cpSync(mod.Dir, src, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', src]);
  for (const patch of FERRETDB_PATCHES) {
    const target = join(src, patch.file);
    const original = readFileSync(target, 'utf8');
    if (!original.includes(patch.from)) throw new Error(`FerretDB patch does not apply: ${patch.file} has no ${patch.from}`);
    writeFileSync(target, original.replace(patch.from, patch.to));
  }
  const modDir = join(TOOLS, 'ferretdb-mod');
  mkdirSync(modDir, { recursive: true });
  writeFileSync(join(modDir, 'go.mod'), `${readFileSync(join(HERE, 'go.mod'), 'utf8')}\nreplace github.com/FerretDB/FerretDB => ${src}\n`);
  writeFileSync(join(modDir, 'go.sum'), readFileSync(join(HERE, 'go.sum')));
  mkdirSync(join(TOOLS, 'bin'), { recursive: true });
  // Built beside, then renamed over: a FerretDB running from the old binary keeps it (no "text file busy").
  const built = `${output}.new-${process.pid}`;
  execFileSync('go', ['build', `-modfile=${join(modDir, 'go.mod')}`, '-o', built, '.'], { cwd: HERE, env, stdio: 'inherit' });
  renameSync(built, output);
}
