// Checks a bulk query the way Shopify does (one root connection, ≤ 5 connections, nesting ≤ 2) and
// turns it into a plan: per connection level, a small document that renders one object's line.
import { getNamedType, Kind, parse, print, validate, valueFromASTUntyped } from 'graphql';
import type { DocumentNode, FieldNode, GraphQLObjectType, GraphQLSchema, SelectionNode, SelectionSetNode } from 'graphql';
import { BULK_CONNECTIONS } from './resolvers.ts';
import { getOperation, isConnectionType } from './cost.ts';

export interface ConnectionPlan {
  /** 'Query.customers', 'Customer.orders', … (a key of BULK_CONNECTIONS). */
  source: string;
  args: Record<string, unknown>;
  itemType: string;
  /** `query { nodes(ids: []) { ... on Item { <non-connection selections> } } }`, run over a batch of items. */
  lineDocument: DocumentNode;
  children: ConnectionPlan[];
}

export const MAX_BULK_CONNECTIONS = 5;
export const MAX_BULK_NESTING = 2;

export type PlanResult = { ok: true; plan: ConnectionPlan } | { ok: false; message: string };

export function planBulkQuery(schema: GraphQLSchema, query: string): PlanResult {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch (err) {
    return { ok: false, message: `Invalid bulk query: ${(err as Error).message}` };
  }
  const errors = validate(schema, doc);
  if (errors.length > 0) return { ok: false, message: `Invalid bulk query: ${errors.map((e) => e.message).join('; ')}` };
  const op = getOperation(doc);
  if (!op || op.operation !== 'query') return { ok: false, message: 'Bulk queries must contain exactly one query operation.' };
  const fragments = doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => print(d)).join('\n');
  const roots = op.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value !== '__typename');
  if (roots.length !== 1 || op.selectionSet.selections.length !== roots.length) {
    return { ok: false, message: 'Bulk queries must select exactly one top-level connection field.' };
  }
  let count = 0;
  const build = (field: FieldNode, parentType: string, depth: number): ConnectionPlan | string => {
    const source = `${parentType}.${field.name.value}`;
    if (!BULK_CONNECTIONS[source]) return `The simulator does not support the connection ${source} in bulk queries (or it is not a connection).`;
    count++;
    if (count > MAX_BULK_CONNECTIONS) return `Bulk queries cannot contain more than ${MAX_BULK_CONNECTIONS} connections.`;
    if (depth > MAX_BULK_NESTING) return `Bulk queries cannot contain connections with a nesting depth greater than ${MAX_BULK_NESTING}.`;
    const parent = schema.getType(parentType) as GraphQLObjectType;
    const connType = getNamedType(parent.getFields()[field.name.value]?.type) as GraphQLObjectType;
    const itemType = (getNamedType(connType.getFields().nodes?.type) as GraphQLObjectType).name;
    const itemSelections: SelectionNode[] = [];
    for (const s of field.selectionSet?.selections ?? []) {
      if (s.kind !== Kind.FIELD) continue;
      if (s.name.value === 'nodes') itemSelections.push(...(s.selectionSet?.selections ?? []));
      if (s.name.value === 'edges') {
        for (const e of s.selectionSet?.selections ?? []) {
          if (e.kind === Kind.FIELD && e.name.value === 'node') itemSelections.push(...(e.selectionSet?.selections ?? []));
        }
      }
    }
    const item = schema.getType(itemType) as GraphQLObjectType;
    const flat: SelectionNode[] = [];
    const children: ConnectionPlan[] = [];
    for (const s of itemSelections) {
      const def = s.kind === Kind.FIELD ? item.getFields()[s.name.value] : undefined;
      if (s.kind === Kind.FIELD && def && isConnectionType(getNamedType(def.type))) {
        const child = build(s, itemType, depth + 1);
        if (typeof child === 'string') return child;
        children.push(child);
      } else {
        flat.push(s);
      }
    }
    const args: Record<string, unknown> = {};
    for (const a of field.arguments ?? []) args[a.name.value] = valueFromASTUntyped(a.value, {});
    const selection: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: flat };
    const body = flat.length > 0 ? print(selection) : '{ __typename }';
    const lineDocument = parse(`query BulkLines { nodes(ids: []) { ... on ${itemType} ${body} } }\n${fragments}`);
    return { source, args, itemType, lineDocument, children };
  };
  const plan = build(roots[0] as FieldNode, 'Query', 0);
  if (typeof plan === 'string') return { ok: false, message: plan };
  return { ok: true, plan };
}
