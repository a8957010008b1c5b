// Large tag change sets go through bulk mutations instead of one request per customer: one bulk run
// for the removals (tagsRemove) and one for the additions (tagsAdd), each a JSONL of variables.
// Result lines ({"data":…,"__lineNumber":N}, any order) are matched back to customers; lines that
// failed transiently or are missing (a FAILED run, partial data) are retried in a further round.
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import type { FetchFn } from './admin-fetch.ts';
import { customerGid } from './gid.ts';
import { stageBulkVariables, startBulkMutation, streamJsonl, waitForBulkOperation, type WaitOptions } from './bulk-operations.ts';
import type { CustomerTagChange, TagWriteResult } from './tag-writer.ts';

type Field = 'tagsAdd' | 'tagsRemove';
export const bulkTagMutation = (field: Field) =>
  `mutation SegmentTagsBulk($id: ID!, $tags: [String!]!) { ${field}(id: $id, tags: $tags) { node { id } userErrors { field message } } }`;

interface LineOutcome { status: 'ok' | 'not_found' | 'rejected' | 'retry'; errors: string[] }
const NOT_FOUND = /(not exist|not found|could not be found)/i;

function classify(line: Record<string, unknown>, field: Field): LineOutcome {
  if (Array.isArray(line.errors) && line.errors.length > 0) {
    return { status: 'retry', errors: (line.errors as Array<{ message?: string }>).map((e) => e.message ?? 'error') };
  }
  const payload = (line.data as Record<string, { node?: unknown; userErrors?: Array<{ message: string }> } | null> | undefined)?.[field];
  const userErrors = payload?.userErrors?.map((e) => e.message) ?? [];
  if (payload && userErrors.length === 0 && payload.node !== null) return { status: 'ok', errors: [] };
  if (!payload) return { status: 'retry', errors: ['no payload'] };
  if (userErrors.length === 0 || userErrors.every((m) => NOT_FOUND.test(m))) return { status: 'not_found', errors: userErrors };
  return { status: 'rejected', errors: userErrors };
}

export interface BulkTagOptions extends WaitOptions {
  fetch: FetchFn;
  /** Bulk rounds per field including retries of failed lines. Default 3. */
  maxRounds?: number;
}

async function runField(client: AdminGraphqlClient, field: Field, items: Array<{ customerId: string; tags: string[] }>, opts: BulkTagOptions): Promise<Map<string, LineOutcome>> {
  const outcomes = new Map<string, LineOutcome>();
  let pending = items;
  for (let round = 1; pending.length > 0 && round <= (opts.maxRounds ?? 3); round++) {
    const jsonl = pending.map((i) => JSON.stringify({ id: customerGid(i.customerId), tags: i.tags })).join('\n') + '\n';
    const key = await stageBulkVariables(client, opts.fetch, jsonl, `${field}-${round}.jsonl`);
    const op = await waitForBulkOperation(client, await startBulkMutation(client, bulkTagMutation(field), key), opts);
    const seen = new Map<number, LineOutcome>();
    for (const url of [op.url, op.partialDataUrl]) {
      if (!url) continue;
      for await (const line of streamJsonl(opts.fetch, url)) {
        if (typeof line.__lineNumber === 'number') seen.set(line.__lineNumber, classify(line, field));
      }
    }
    const retry: typeof pending = [];
    pending.forEach((item, n) => {
      const o = seen.get(n) ?? { status: 'retry' as const, errors: [`no result line (operation ${op.status}${op.errorCode ? ` ${op.errorCode}` : ''})`] };
      outcomes.set(item.customerId, o);
      if (o.status === 'retry') retry.push(item);
    });
    pending = retry;
  }
  return outcomes;
}

/** Applies many customers' tag changes through bulk mutations; one result per customer. */
export async function writeTagChangesInBulk(client: AdminGraphqlClient, changes: readonly CustomerTagChange[], opts: BulkTagOptions): Promise<TagWriteResult[]> {
  const removals = changes.filter((c) => c.remove.length > 0).map((c) => ({ customerId: c.customerId, tags: c.remove }));
  const additions = changes.filter((c) => c.add.length > 0).map((c) => ({ customerId: c.customerId, tags: c.add }));
  const removed = removals.length ? await runField(client, 'tagsRemove', removals, opts) : new Map<string, LineOutcome>();
  const added = additions.length ? await runField(client, 'tagsAdd', additions, opts) : new Map<string, LineOutcome>();
  return changes.map((c): TagWriteResult => {
    const parts = [removed.get(c.customerId), added.get(c.customerId)].filter((o): o is LineOutcome => o !== undefined);
    if (parts.length === 0) return { customerId: c.customerId, status: 'unchanged' };
    const errors = parts.flatMap((p) => p.errors);
    if (parts.every((p) => p.status === 'ok')) return { customerId: c.customerId, status: 'written' };
    if (parts.some((p) => p.status === 'not_found')) return { customerId: c.customerId, status: 'not_found', errors };
    return { customerId: c.customerId, status: 'rejected', errors };
  });
}
