// Builds the executable schema: the SDL in schema.graphql plus the resolvers in resolvers.ts.
// Custom scalars pass through: resolvers already return Shopify's wire forms (UnsignedInt64 and
// Decimal as strings, DateTime as UTC ISO).
import { readFileSync } from 'node:fs';
import { buildSchema, GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType } from 'graphql';
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { RESOLVERS } from './resolvers.ts';

let cached: GraphQLSchema | undefined;

// schema-shopify-objects.graphql extends Query and Mutation with segments, metafields and Flow triggers;
// schema-signals.graphql with the web pixel and abandoned checkouts.
export const SCHEMA_SDL = ['./schema.graphql', './schema-shopify-objects.graphql', './schema-signals.graphql'].map((f) => readFileSync(new URL(f, import.meta.url), 'utf8')).join('\n');

export function simulatorSchema(): GraphQLSchema {
  if (cached) return cached;
  const schema = buildSchema(SCHEMA_SDL);
  for (const [typeName, fields] of Object.entries(RESOLVERS)) {
    const type = schema.getType(typeName);
    if (!(type instanceof GraphQLObjectType)) throw new Error(`resolvers for unknown type ${typeName}`);
    const defs = type.getFields();
    for (const [fieldName, fn] of Object.entries(fields)) {
      const def = defs[fieldName];
      if (!def) throw new Error(`resolver for unknown field ${typeName}.${fieldName}`);
      def.resolve = fn as unknown as GraphQLFieldResolver<unknown, unknown>;
    }
  }
  for (const t of Object.values(schema.getTypeMap())) {
    if (t instanceof GraphQLInterfaceType || t instanceof GraphQLUnionType) t.resolveType = (v: unknown) => (v as { __typename: string }).__typename;
  }
  cached = schema;
  return schema;
}
