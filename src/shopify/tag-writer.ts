// Writes tag changes to Shopify: one request per changed customer carrying tagsRemove and tagsAdd as
// aliases of one mutation, no request for unchanged customers. tagsAdd/tagsRemove only touch the
// listed tags (customerUpdate would replace them all), and tagDiff lists only our prefixed tags.
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import { customerGid } from './gid.ts';
import { isNoChange, type TagChange } from './tag-diff.ts';

export interface CustomerTagChange extends TagChange {
  customerId: string;
}

export type TagWriteStatus = 'written' | 'unchanged' | 'not_found' | 'rejected';

export interface TagWriteResult {
  customerId: string;
  status: TagWriteStatus;
  /** userErrors messages when rejected. */
  errors?: string[];
}

interface MutationPayload { node: { id: string } | null; userErrors: Array<{ field?: string[] | null; message: string }> }

export function tagMutationFor(change: TagChange): string {
  // Fields of a mutation run in order: removal first, so a case-only rename cannot be undone by it.
  const vars = ['$id: ID!'];
  const fields: string[] = [];
  if (change.remove.length) {
    vars.push('$remove: [String!]!');
    fields.push('removed: tagsRemove(id: $id, tags: $remove) { node { id } userErrors { field message } }');
  }
  if (change.add.length) {
    vars.push('$add: [String!]!');
    fields.push('added: tagsAdd(id: $id, tags: $add) { node { id } userErrors { field message } }');
  }
  return `mutation SegmentTags(${vars.join(', ')}) { ${fields.join(' ')} }`;
}

const NOT_FOUND = /(not exist|not found|could not be found)/i;

/** Writes one customer's change. Transport failures throw (typed, see errors.ts); userErrors are returned. */
export async function writeCustomerTagChange(client: AdminGraphqlClient, change: CustomerTagChange): Promise<TagWriteResult> {
  if (isNoChange(change)) return { customerId: change.customerId, status: 'unchanged' };
  const variables: Record<string, unknown> = { id: customerGid(change.customerId) };
  if (change.remove.length) variables.remove = change.remove;
  if (change.add.length) variables.add = change.add;
  const { data } = await client.request<{ added?: MutationPayload | null; removed?: MutationPayload | null }>(tagMutationFor(change), variables);
  const payloads = [data.removed, data.added].filter((p): p is MutationPayload => p !== undefined);
  const errors = payloads.flatMap((p) => (p ? p.userErrors.map((e) => e.message) : ['no payload']));
  if (errors.length === 0 && payloads.every((p) => p?.node)) return { customerId: change.customerId, status: 'written' };
  if (payloads.some((p) => !p?.node) && (errors.length === 0 || errors.every((m) => NOT_FOUND.test(m)))) {
    return { customerId: change.customerId, status: 'not_found', errors };
  }
  return { customerId: change.customerId, status: 'rejected', errors };
}

/**
 * Writes many customers' changes through the per-shop client, a few in flight at a time (the client
 * paces them to the shop's restore rate). `onResult` sees each result as it lands, so a caller can
 * record progress; on a transport failure (typed error from the client) no new request starts, the
 * ones in flight finish, and the first error is rethrown.
 */
export async function writeTagChanges(
  client: AdminGraphqlClient,
  changes: readonly CustomerTagChange[],
  opts: { concurrency?: number; onResult?: (r: TagWriteResult) => void | Promise<void> } = {},
): Promise<TagWriteResult[]> {
  const results: TagWriteResult[] = [];
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < changes.length) {
      const change = changes[next++]!;
      try {
        const r = await writeCustomerTagChange(client, change);
        results.push(r);
        await opts.onResult?.(r);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, changes.length)) }, worker));
  if (failure !== null) throw failure;
  return results;
}
