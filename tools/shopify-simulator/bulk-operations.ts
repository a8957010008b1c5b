// bulkOperationRunQuery / bulkOperationRunMutation: validated up front, then run asynchronously,
// streaming JSONL to a temp file (never the whole result in memory) and announcing the end with the
// bulk_operations/finish webhook.
import { createReadStream, createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { executeSync, Kind, parse, validate } from 'graphql';
import type { DocumentNode, FieldNode, GraphQLSchema } from 'graphql';
import type { Clock } from './clock.ts';
import type { BulkApi, Installation, RequestContext, UserError } from './context.ts';
import { isRunning } from './bulk-record.ts';
import type { BulkOperationRecord } from './bulk-record.ts';
import { planBulkQuery } from './bulk-query-plan.ts';
import type { ConnectionPlan } from './bulk-query-plan.ts';
import { BULK_CONNECTIONS } from './resolvers.ts';
import { getOperation } from './cost.ts';
import { gid, parseGid } from './formats.ts';
import { derivedPrng } from '../seeded-random.ts';
import type { Prng } from '../seeded-random.ts';
import type { StagedUploads } from './staged-uploads.ts';

/** Per type (query, mutation) from API 2026-01. */
export const MAX_CONCURRENT_BULK_OPERATIONS = 5;
/** Lines written between yields to the event loop, so the HTTP server keeps answering. */
const YIELD_EVERY = 500;
/** Root objects rendered per graphql execution; bounds memory to one batch's subtree. */
const ROOT_BATCH = 100;

interface Rendered {
  gid: string;
  line: Record<string, unknown>;
  children: Rendered[];
}

interface Entry {
  rec: BulkOperationRecord;
  install: Installation;
  cancel: boolean;
  filePath: string;
  done: Promise<void>;
}

export interface BulkDeps {
  schema: GraphQLSchema;
  clock: Clock;
  tmpDir: string;
  seed: number;
  baseUrl: () => string;
  uploads: StagedUploads;
  /** Bulk finished (any terminal status): send bulk_operations/finish to the owning app. */
  onFinish: (rec: BulkOperationRecord, install: Installation) => void;
}

type Result = { bulkOperation: BulkOperationRecord | null; userErrors: UserError[] };

export class BulkOperations implements BulkApi {
  readonly #d: BulkDeps;
  readonly #ops = new Map<string, Entry>();
  readonly #prng: Prng;
  #nextId = 4_100_000_000_000;
  #closed = false;

  constructor(deps: BulkDeps) {
    this.#d = deps;
    this.#prng = derivedPrng(deps.seed, 'bulk');
    mkdirSync(join(deps.tmpDir, 'bulk'), { recursive: true });
  }

  #limitError(ctx: RequestContext, type: 'QUERY' | 'MUTATION'): UserError | null {
    const running = [...this.#ops.values()].filter((e) => e.install.id === ctx.install.id && isRunning(e.rec));
    // From API 2026-01, up to five bulk query operations and, separately, five bulk mutation
    // operations run at once per app and shop; before, one of each type.
    // https://shopify.dev/docs/api/usage/bulk-operations/queries (Limitations)
    // https://shopify.dev/docs/api/usage/bulk-operations/imports (Limitations)
    const sameType = running.filter((e) => e.rec.type === type);
    if (ctx.apiVersion >= '2026-01') {
      if (sameType.length >= MAX_CONCURRENT_BULK_OPERATIONS) {
        return { field: null, code: 'LIMIT_REACHED', message: `The limit of ${MAX_CONCURRENT_BULK_OPERATIONS} concurrent bulk ${type.toLowerCase()} operations for this app and shop has been reached.` };
      }
      return null;
    }
    const same = sameType[0];
    if (same) {
      return { field: null, code: 'OPERATION_IN_PROGRESS', message: `A bulk ${type.toLowerCase()} operation for this app and shop is already in progress: ${same.rec.gid}.` };
    }
    return null;
  }

  #create(ctx: RequestContext, type: 'QUERY' | 'MUTATION', query: string): Entry {
    const id = String(this.#nextId++);
    const rec: BulkOperationRecord = {
      id, gid: gid('BulkOperation', id), shopId: ctx.shop.id, installationId: ctx.install.id, type, status: 'CREATED',
      errorCode: null, objectCount: 0, rootObjectCount: 0, fileSize: null, url: null, partialDataUrl: null, query,
      createdAt: this.#d.clock.now(), completedAt: null,
    };
    const dir = join(this.#d.tmpDir, 'bulk', ctx.shop.id);
    mkdirSync(dir, { recursive: true });
    const entry: Entry = { rec, install: ctx.install, cancel: false, filePath: join(dir, `${id}.jsonl`), done: Promise.resolve() };
    this.#ops.set(id, entry);
    ctx.shop.stats.bulkOperations[type === 'QUERY' ? 'query' : 'mutation']++;
    return entry;
  }

  runQuery(ctx: RequestContext, query: string): Result {
    const planned = planBulkQuery(this.#d.schema, query);
    if (!planned.ok) return { bulkOperation: null, userErrors: [{ field: ['query'], message: planned.message, code: 'INVALID' }] };
    const limit = this.#limitError(ctx, 'QUERY');
    if (limit) return { bulkOperation: null, userErrors: [limit] };
    const entry = this.#create(ctx, 'QUERY', query);
    entry.done = this.#run(entry, ctx, (out, stopAt) => this.#produceQuery(entry, ctx, planned.plan, out, stopAt));
    return { bulkOperation: entry.rec, userErrors: [] };
  }

  runMutation(ctx: RequestContext, mutation: string, stagedUploadPath: string): Result {
    let doc: DocumentNode;
    try {
      doc = parse(mutation);
    } catch (err) {
      return { bulkOperation: null, userErrors: [{ field: ['mutation'], message: `Failed to parse the mutation - ${(err as Error).message}`, code: 'INVALID_MUTATION' }] };
    }
    const errors = validate(this.#d.schema, doc);
    const op = getOperation(doc);
    const roots = op?.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD) ?? [];
    if (errors.length > 0 || !op || op.operation !== 'mutation' || roots.length !== 1) {
      const why = errors.length > 0 ? errors.map((e) => e.message).join('; ') : 'the document must hold exactly one mutation with one mutation field';
      return { bulkOperation: null, userErrors: [{ field: ['mutation'], message: `Invalid mutation: ${why}`, code: 'INVALID_MUTATION' }] };
    }
    const rootName = (roots[0] as FieldNode).name.value;
    if (rootName.startsWith('bulkOperation') || rootName === 'stagedUploadsCreate') {
      return { bulkOperation: null, userErrors: [{ field: ['mutation'], message: `You must use an allowed mutation name: ${rootName} cannot run in bulk.`, code: 'INVALID_MUTATION' }] };
    }
    const file = this.#d.uploads.filePath(ctx.shop.id, stagedUploadPath);
    if (!file) {
      return { bulkOperation: null, userErrors: [{ field: null, message: "The JSONL file could not be found. Try uploading the file again, and check that you've entered the URL correctly for the stagedUploadPath mutation argument.", code: 'NO_SUCH_FILE' }] };
    }
    const limit = this.#limitError(ctx, 'MUTATION');
    if (limit) return { bulkOperation: null, userErrors: [{ ...limit, field: null }] };
    const entry = this.#create(ctx, 'MUTATION', mutation);
    entry.done = this.#run(entry, ctx, (out, stopAt) => this.#produceMutation(entry, ctx, doc, file, out, stopAt));
    return { bulkOperation: entry.rec, userErrors: [] };
  }

  cancel(ctx: RequestContext, id: string): Result {
    const e = this.#entry(ctx, id);
    if (!e) return { bulkOperation: null, userErrors: [{ field: ['id'], message: 'Bulk operation does not exist' }] };
    if (!isRunning(e.rec)) {
      return { bulkOperation: e.rec, userErrors: [{ field: null, message: `A bulk operation cannot be canceled when it is ${e.rec.status.toLowerCase()}` }] };
    }
    e.cancel = true;
    e.rec.status = 'CANCELING';
    return { bulkOperation: e.rec, userErrors: [] };
  }

  #entry(ctx: RequestContext, id: string): Entry | undefined {
    const p = parseGid(id);
    const e = p?.type === 'BulkOperation' ? this.#ops.get(p.id) : undefined;
    return e && e.install.id === ctx.install.id ? e : undefined;
  }

  get(ctx: RequestContext, id: string): BulkOperationRecord | null {
    return this.#entry(ctx, id)?.rec ?? null;
  }

  current(ctx: RequestContext, type: 'QUERY' | 'MUTATION'): BulkOperationRecord | null {
    let latest: BulkOperationRecord | null = null;
    for (const e of this.#ops.values()) if (e.install.id === ctx.install.id && e.rec.type === type) latest = e.rec;
    return latest;
  }

  /** For the programmatic API: the record by gid or numeric id, any app. */
  find(id: string): BulkOperationRecord | undefined {
    const p = parseGid(id);
    return p ? this.#ops.get(p.id)?.rec : undefined;
  }

  async wait(id: string): Promise<BulkOperationRecord> {
    const p = parseGid(id);
    const e = p ? this.#ops.get(p.id) : undefined;
    if (!e) throw new Error(`no bulk operation ${id}`);
    await e.done;
    return e.rec;
  }

  /** File to serve for GET /bulk/:shopId/:name (result or partial data). */
  resultFile(shopId: string, name: string): string | null {
    const m = /^(\d+)(-partial)?\.jsonl$/.exec(name);
    const e = m ? this.#ops.get(m[1] as string) : undefined;
    if (!e || e.rec.shopId !== shopId) return null;
    if (m?.[2] ? e.rec.partialDataUrl : e.rec.url) return e.filePath;
    return null;
  }

  #run(entry: Entry, ctx: RequestContext, produce: (out: LineWriter, stopAt: number | null) => Promise<void>): Promise<void> {
    // Never rejects: a broken run ends FAILED (or silently when the simulator is closing).
    return this.#runUnsafe(entry, ctx, produce).catch(() => {
      if (this.#closed || !isRunning(entry.rec)) return;
      entry.rec.status = 'FAILED';
      entry.rec.errorCode = 'INTERNAL_SERVER_ERROR';
      entry.rec.completedAt = this.#d.clock.now();
      this.#d.onFinish(entry.rec, entry.install);
    });
  }

  async #runUnsafe(entry: Entry, ctx: RequestContext, produce: (out: LineWriter, stopAt: number | null) => Promise<void>): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (ctx.shop.faults.holdBulk && !entry.cancel && !this.#closed) await new Promise((r) => setTimeout(r, 5));
    const rec = entry.rec;
    if (this.#closed) return;
    if (!entry.cancel) rec.status = 'RUNNING';
    const failure = ctx.shop.faults.bulkFailure;
    const out = new LineWriter(createWriteStream(entry.filePath));
    let crashed = false;
    try {
      // A forced failure stops halfway, like a run that dies mid-file, leaving partial data.
      await produce(out, failure ? 0.5 : null);
    } catch {
      crashed = true;
    }
    await out.close();
    if (this.#closed) return;
    rec.objectCount = out.lines;
    rec.completedAt = this.#d.clock.now();
    const base = `${this.#d.baseUrl()}/bulk/${rec.shopId}/${rec.id}`;
    const size = statSync(entry.filePath).size;
    if (entry.cancel) {
      rec.status = 'CANCELED';
      rec.partialDataUrl = size > 0 ? `${base}-partial.jsonl` : null;
    } else if (failure || crashed) {
      rec.status = 'FAILED';
      rec.errorCode = failure ?? 'INTERNAL_SERVER_ERROR';
      rec.partialDataUrl = size > 0 ? `${base}-partial.jsonl` : null;
    } else {
      rec.status = 'COMPLETED';
      rec.fileSize = size;
      // Shopify returns url null when the result is empty.
      rec.url = size > 0 ? `${base}.jsonl` : null;
    }
    this.#d.onFinish(rec, entry.install);
  }

  async #produceQuery(entry: Entry, ctx: RequestContext, plan: ConnectionPlan, out: LineWriter, stopAt: number | null): Promise<void> {
    const runCtx: RequestContext = { ...ctx, now: this.#d.clock.now(), search: [] };
    const roots = BULK_CONNECTIONS[plan.source]?.(runCtx, null, plan.args);
    if (!roots) return;
    const limit = stopAt === null ? roots.items.length : Math.floor(roots.items.length * stopAt);
    for (let from = 0; from < limit; from += ROOT_BATCH) {
      if (entry.cancel || this.#closed) return;
      const batch = roots.items.slice(from, Math.min(limit, from + ROOT_BATCH));
      const rendered = this.#render(runCtx, plan, batch);
      for (const r of rendered) {
        await this.#write(r, null, out);
        entry.rec.rootObjectCount++;
        entry.rec.objectCount = out.lines;
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Renders a batch of items level by level: one graphql execution per connection level and batch
   * (executing per object costs ~10× more), keeping each object's children with it.
   */
  #render(ctx: RequestContext, plan: ConnectionPlan, items: Array<{ id: string }>): Rendered[] {
    const res = executeSync({
      schema: this.#d.schema, document: plan.lineDocument,
      contextValue: { ...ctx, bulkItems: items.map((rec) => ({ __typename: plan.itemType, rec })) },
    });
    const lines = (res.data?.nodes as Array<Record<string, unknown>> | undefined) ?? [];
    const out: Rendered[] = items.map((item, i) => ({ gid: gid(plan.itemType, item.id), line: lines[i] ?? {}, children: [] }));
    for (const child of plan.children) {
      const perParent = items.map((item) => BULK_CONNECTIONS[child.source]?.(ctx, item, child.args).items ?? []);
      const rendered = this.#render(ctx, child, perParent.flat());
      let k = 0;
      perParent.forEach((list, i) => {
        (out[i] as Rendered).children.push(...rendered.slice(k, k + list.length));
        k += list.length;
      });
    }
    return out;
  }

  async #write(r: Rendered, parentGid: string | null, out: LineWriter): Promise<void> {
    const line = parentGid ? { ...r.line, __parentId: parentGid } : r.line;
    await out.write(JSON.stringify(line));
    for (const c of r.children) await this.#write(c, r.gid, out);
  }

  async #produceMutation(entry: Entry, ctx: RequestContext, doc: DocumentNode, file: string, out: LineWriter, stopAt: number | null): Promise<void> {
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    // Results come back a little out of order, as Shopify warns they may.
    const window: string[] = [];
    const flush = async (all: boolean): Promise<void> => {
      while (window.length > (all ? 0 : 7)) {
        const [line] = window.splice(this.#prng.int(0, window.length - 1), 1);
        await out.write(line as string);
      }
    };
    let n = 0;
    const total = stopAt === null ? Infinity : Math.max(1, Math.floor(countLinesSync(file) * stopAt));
    for await (const raw of lines) {
      if (entry.cancel || this.#closed || n >= total) break;
      const lineNumber = n++;
      if (!raw.trim()) continue;
      let result: Record<string, unknown>;
      try {
        const variables = JSON.parse(raw) as Record<string, unknown>;
        const r = executeSync({ schema: this.#d.schema, document: doc, variableValues: variables, contextValue: { ...ctx, now: this.#d.clock.now(), search: [] } });
        result = r.errors ? { errors: r.errors.map((e) => e.toJSON()), data: r.data ?? null } : { data: r.data };
      } catch (err) {
        result = { errors: [{ message: `Invalid JSONL line: ${(err as Error).message}` }] };
      }
      window.push(JSON.stringify({ ...result, __lineNumber: lineNumber }));
      entry.rec.rootObjectCount++;
      await flush(false);
    }
    lines.close();
    await flush(true);
  }

  close(): void {
    this.#closed = true;
    for (const e of this.#ops.values()) e.cancel = true;
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#ops.values()].map((e) => e.done));
  }
}

function countLinesSync(file: string): number {
  const size = statSync(file).size;
  if (size === 0) return 0;
  // Only used by forced-failure runs (tests with small files), so reading it whole is fine.
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).length;
}

/** JSONL writer that honours back-pressure and yields to the event loop now and then. */
class LineWriter {
  readonly #stream: WriteStream;
  lines = 0;
  constructor(stream: WriteStream) {
    this.#stream = stream;
  }
  async write(line: string): Promise<void> {
    this.lines++;
    if (!this.#stream.write(`${line}\n`)) await once(this.#stream, 'drain');
    if (this.lines % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
  }
  async close(): Promise<void> {
    this.#stream.end();
    await once(this.#stream, 'close');
  }
}
