// A deliberate bug for the chaos suite's self-test (`--inject-bug lost-tag-write`; never loaded otherwise):
// preloaded into the worker processes with `node --import`, it makes the Admin API client acknowledge
// the tag writes of the customers named in CHAOS_BUG_CUSTOMERS without sending them — the app records
// them as applied, Shopify never stores them. The suite must fail and name those customers
// (test/proof/chaos-catches-a-lost-write.int.test.ts keeps proving it).
import { AdminGraphqlClient, type GraphqlResult } from '../../src/shopify/admin-graphql-client.ts';

const victims = new Set((process.env.CHAOS_BUG_CUSTOMERS ?? '').split(',').filter(Boolean));
const send = AdminGraphqlClient.prototype.request;

AdminGraphqlClient.prototype.request = async function request<T>(this: AdminGraphqlClient, query: string, variables?: Record<string, unknown>): Promise<GraphqlResult<T>> {
  const gid = typeof variables?.id === 'string' ? variables.id : '';
  const customerId = /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(gid)?.[1];
  if (customerId && victims.has(customerId) && query.startsWith('mutation SegmentTags')) {
    // As if written: the answer Shopify gives for a stored write, for each field the mutation has.
    const payload = { node: { id: gid }, userErrors: [] };
    const data = { ...(variables?.remove ? { removed: payload } : {}), ...(variables?.add ? { added: payload } : {}) };
    return { data: data as T, cost: null };
  }
  return send.call(this, query, variables) as Promise<GraphqlResult<T>>;
};
