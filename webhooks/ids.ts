// Id fields in webhook payloads: numbers (exact when safe) or strings (big ids, kept by the parser).
import { z } from 'zod';

export const restId = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative().refine(Number.isSafeInteger)]).transform(String);

/** `admin_graphql_api_id` of a REST payload: must name the resource of the topic (and its id). */
export function graphqlIdOf(type: string) {
  const prefix = `gid://shopify/${type}/`;
  return z.string().refine((v) => v.startsWith(prefix) && /^\d+$/.test(v.slice(prefix.length)), `must be a ${prefix}… id`);
}

/** The payload's admin_graphql_api_id names the same resource as its `id`. */
export const sameGraphqlId = (type: string) => (p: { id: string; admin_graphql_api_id?: string | null | undefined }) =>
  p.admin_graphql_api_id == null || p.admin_graphql_api_id === `gid://shopify/${type}/${p.id}`;

/** A field the topic's payload never has (its presence means another topic's payload). */
export const absent = z.undefined().optional();
