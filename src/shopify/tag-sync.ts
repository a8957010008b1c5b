// The pipeline's entry point for writing segments back: read the customers' current tags, diff them
// against the desired app tags (tagDiff: merchant tags are never touched), and write only the changes —
// per customer below the threshold, through bulk mutations at or above it.
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import { writeTagChangesInBulk, type BulkTagOptions } from './bulk-tag-mutation.ts';
import { settleRunningBulkMutation } from './bulk-operations.ts';
import { customerGid, legacyId } from './gid.ts';
import { isNoChange, tagDiff } from './tag-diff.ts';
import { writeTagChanges, type CustomerTagChange, type TagWriteResult } from './tag-writer.ts';

export interface DesiredTags {
  customerId: string;
  /** Every app tag the customer should carry (with the prefix); others are ignored. */
  tags: string[];
}

export interface TagSyncOptions extends BulkTagOptions {
  prefix: string;
  /** BULK_MUTATION_THRESHOLD: this many changed customers or more → bulk mutation. */
  bulkThreshold: number;
  concurrency?: number;
  /** Known current tags (skips the read for those customers). */
  currentTags?: ReadonlyMap<string, readonly string[]>;
}

export interface TagSyncReport {
  mode: 'none' | 'per-customer' | 'bulk';
  unchanged: number;
  results: TagWriteResult[];
}

const READ_BATCH = 100;
export const CUSTOMER_TAGS_QUERY = 'query CustomerTags($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { id tags } } }';

/** Current tags of customers by id; customers that no longer exist are absent from the map. */
export async function readCustomerTags(client: AdminGraphqlClient, customerIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < customerIds.length; i += READ_BATCH) {
    const ids = customerIds.slice(i, i + READ_BATCH).map(customerGid);
    const { data } = await client.request<{ nodes: Array<{ id: string; tags: string[] } | null> }>(
      CUSTOMER_TAGS_QUERY, { ids },
    );
    for (const n of data.nodes) if (n?.id) out.set(legacyId(n.id), n.tags);
  }
  return out;
}

export async function syncCustomerTags(client: AdminGraphqlClient, desired: readonly DesiredTags[], opts: TagSyncOptions): Promise<TagSyncReport> {
  // A bulk mutation of an earlier sync (its worker killed) may still be running: it ends before the read.
  await settleRunningBulkMutation(client, opts);
  const unknown = desired.filter((d) => !opts.currentTags?.has(d.customerId)).map((d) => d.customerId);
  const fetched = unknown.length ? await readCustomerTags(client, unknown) : new Map<string, string[]>();
  const results: TagWriteResult[] = [];
  const changes: CustomerTagChange[] = [];
  let unchanged = 0;
  for (const d of desired) {
    const current = opts.currentTags?.get(d.customerId) ?? fetched.get(d.customerId);
    if (!current) {
      results.push({ customerId: d.customerId, status: 'not_found' });
      continue;
    }
    const change = tagDiff(d.tags, current, opts.prefix);
    if (isNoChange(change)) unchanged += 1;
    else changes.push({ customerId: d.customerId, ...change });
  }
  if (changes.length === 0) return { mode: 'none', unchanged, results };
  if (changes.length >= opts.bulkThreshold) {
    results.push(...(await writeTagChangesInBulk(client, changes, opts)));
    return { mode: 'bulk', unchanged, results };
  }
  results.push(...(await writeTagChanges(client, changes, { concurrency: opts.concurrency ?? 4 })));
  return { mode: 'per-customer', unchanged, results };
}
