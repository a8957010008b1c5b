// Bulk operations: start a bulk query, stage + start a bulk mutation, wait for completion (woken by
// the bulk_operations/finish webhook, with polling as the fallback), and stream the result JSONL line
// by line so a large file is never held in memory.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import type { FetchFn } from './admin-fetch.ts';
import { ShopifyTransientError, ShopifyUserError } from './errors.ts';

export type BulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'EXPIRED';
const TERMINAL: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELED', 'EXPIRED']);

export interface BulkOperation {
  id: string;
  status: BulkStatus;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
}

const BULK_FIELDS = 'id status errorCode objectCount rootObjectCount fileSize url partialDataUrl';
type UserErrors = Array<{ field?: string[] | null; message: string; code?: string | null }>;

export const RUN_BULK_QUERY_MUTATION = 'mutation RunBulkQuery($query: String!) { bulkOperationRunQuery(query: $query, groupObjects: true) { bulkOperation { id status } userErrors { field message code } } }';
export const STAGE_UPLOAD_MUTATION = 'mutation Stage($input: [StagedUploadInput!]!) { stagedUploadsCreate(input: $input) { stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } } }';
export const RUN_BULK_MUTATION_MUTATION = 'mutation RunBulkMutation($mutation: String!, $path: String!) { bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $path) { bulkOperation { id status } userErrors { field message code } } }';
export const BULK_OPERATION_QUERY = `query BulkOp($id: ID!) { node(id: $id) { ... on BulkOperation { ${BULK_FIELDS} } } }`;
/** The app's most recent bulk mutation on the shop: https://shopify.dev/docs/api/admin-graphql/latest/queries/currentBulkOperation */
export const CURRENT_BULK_MUTATION_QUERY = `query CurrentBulkMutation { currentBulkOperation(type: MUTATION) { ${BULK_FIELDS} } }`;

/**
 * Five bulk queries and, separately, five bulk mutations may run per app and shop (API 2026-01 on;
 * one of each before): a start refused for that is a wait, not a broken request.
 * https://shopify.dev/docs/api/usage/bulk-operations/queries and …/imports ("Limitations")
 */
const BUSY_CODES: ReadonlySet<string> = new Set(['LIMIT_REACHED', 'OPERATION_IN_PROGRESS']);

function assertNoUserErrors(shop: string, what: string, errors: UserErrors | undefined): void {
  if (!errors || errors.length === 0) return;
  const message = `${what}: ${errors.map((e) => e.message).join('; ')}`;
  if (errors.every((e) => e.code && BUSY_CODES.has(e.code))) throw new ShopifyTransientError(message, { shop });
  throw new ShopifyUserError(message, { shop, userErrors: errors });
}

/** Wakes waiters when bulk_operations/finish arrives (in this process; the pipeline may relay it via Redis). */
export class BulkOperationSignals {
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(bulkOperationId: string): void {
    const set = this.waiters.get(bulkOperationId);
    if (!set) return;
    this.waiters.delete(bulkOperationId);
    for (const wake of set) wake();
  }

  /** Resolves when notified or after `ms`, whichever comes first. */
  wait(bulkOperationId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(bulkOperationId) ?? new Set<() => void>();
      this.waiters.set(bulkOperationId, set);
      const wake = () => { clearTimeout(timer); set.delete(wake); resolve(); };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }
}

export async function startBulkQuery(client: AdminGraphqlClient, query: string): Promise<string> {
  const { data } = await client.request<{ bulkOperationRunQuery: { bulkOperation: { id: string } | null; userErrors: UserErrors } }>(
    RUN_BULK_QUERY_MUTATION, { query },
  );
  assertNoUserErrors(client.shop, 'bulkOperationRunQuery', data.bulkOperationRunQuery.userErrors);
  return data.bulkOperationRunQuery.bulkOperation!.id;
}

/** stagedUploadsCreate → multipart POST of every returned parameter plus `file` → the `key` to pass on. */
export async function stageBulkVariables(client: AdminGraphqlClient, fetchFn: FetchFn, jsonl: string, filename = 'variables.jsonl'): Promise<string> {
  const { data } = await client.request<{ stagedUploadsCreate: { stagedTargets: Array<{ url: string; parameters: Array<{ name: string; value: string }> }> | null; userErrors: UserErrors } }>(
    STAGE_UPLOAD_MUTATION,
    { input: [{ resource: 'BULK_MUTATION_VARIABLES', filename, mimeType: 'text/jsonl', httpMethod: 'POST' }] },
  );
  assertNoUserErrors(client.shop, 'stagedUploadsCreate', data.stagedUploadsCreate.userErrors);
  const target = data.stagedUploadsCreate.stagedTargets?.[0];
  if (!target) throw new ShopifyTransientError('stagedUploadsCreate returned no target', { shop: client.shop });
  const form = new FormData();
  for (const p of target.parameters) form.append(p.name, p.value);
  form.append('file', new Blob([jsonl], { type: 'text/jsonl' }), filename);
  const res = await fetchFn(target.url, { method: 'POST', body: form });
  if (!res.ok) {
    await res.body?.cancel();
    throw new ShopifyTransientError(`staged upload answered ${res.status}`, { shop: client.shop, status: res.status });
  }
  await res.body?.cancel();
  const key = target.parameters.find((p) => p.name === 'key')?.value;
  if (!key) throw new ShopifyTransientError('staged upload target has no key parameter', { shop: client.shop });
  return key;
}

export async function startBulkMutation(client: AdminGraphqlClient, mutation: string, stagedUploadPath: string): Promise<string> {
  const { data } = await client.request<{ bulkOperationRunMutation: { bulkOperation: { id: string } | null; userErrors: UserErrors } }>(
    RUN_BULK_MUTATION_MUTATION, { mutation, path: stagedUploadPath },
  );
  assertNoUserErrors(client.shop, 'bulkOperationRunMutation', data.bulkOperationRunMutation.userErrors);
  return data.bulkOperationRunMutation.bulkOperation!.id;
}

export async function getBulkOperation(client: AdminGraphqlClient, id: string): Promise<BulkOperation> {
  const { data } = await client.request<{ node: BulkOperation | null }>(
    BULK_OPERATION_QUERY, { id },
  );
  if (!data.node) throw new ShopifyTransientError(`bulk operation ${id} not found`, { shop: client.shop });
  return data.node;
}

export interface WaitOptions {
  signals?: BulkOperationSignals;
  /** Polling fallback when the webhook does not come. Default 5 s. */
  pollIntervalMs?: number;
  /** Give up (transient error) after this long. Default 6 h. */
  timeoutMs?: number;
  now?: () => number;
}

export async function waitForBulkOperation(client: AdminGraphqlClient, id: string, opts: WaitOptions = {}): Promise<BulkOperation> {
  const now = opts.now ?? Date.now;
  const interval = opts.pollIntervalMs ?? 5000;
  const deadline = now() + (opts.timeoutMs ?? 6 * 60 * 60 * 1000);
  for (;;) {
    // Status is read before every wait, so a webhook that arrived before we started waiting is not lost.
    const op = await getBulkOperation(client, id);
    if (TERMINAL.has(op.status)) return op;
    if (now() >= deadline) throw new ShopifyTransientError(`bulk operation ${id} still ${op.status} at the deadline`, { shop: client.shop });
    if (opts.signals) await opts.signals.wait(id, interval);
    else await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Waits until the app's most recent bulk mutation on the shop has ended; returns it (null when none
 * was running). A sync whose worker was killed while its bulk mutation ran leaves that mutation running
 * at Shopify, and it lands whenever Shopify finishes it — after a newer sync had read the tags and
 * written its own, putting the older tags back (found by the chaos run, seed 2001: 33 customers' stale
 * tags landed 3 minutes after the kill). A sync therefore lets it end before it reads the tags it diffs
 * against. Our syncs run one bulk mutation at a time per shop, so the most recent one is the only one
 * that can still be running.
 */
export async function settleRunningBulkMutation(client: AdminGraphqlClient, opts: WaitOptions = {}): Promise<BulkOperation | null> {
  const { data } = await client.request<{ currentBulkOperation: BulkOperation | null }>(CURRENT_BULK_MUTATION_QUERY);
  const op = data.currentBulkOperation;
  if (!op || TERMINAL.has(op.status)) return null;
  return waitForBulkOperation(client, op.id, opts);
}

export interface JsonlStats { lines: number; bytes: number }

/** Streams a JSONL file: one parsed object per line, never the whole file in memory. */
export async function* streamJsonl(fetchFn: FetchFn, url: string, stats?: JsonlStats): AsyncGenerator<Record<string, unknown>> {
  const res = await fetchFn(url, { method: 'GET' });
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new ShopifyTransientError(`bulk result download answered ${res.status}`, { shop: new URL(url).host, status: res.status });
  }
  const input = Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>);
  if (stats) input.on('data', (chunk: Buffer) => { stats.bytes += chunk.length; });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.length === 0) continue;
      if (stats) stats.lines += 1;
      yield JSON.parse(line) as Record<string, unknown>;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
