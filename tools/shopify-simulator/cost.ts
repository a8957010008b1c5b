// Shopify's calculated query cost (shopify.dev, "GraphQL Admin API rate limits"): scalars and enums 0,
// objects 1, connections 2 + first × (cost of one item), each mutation field 10. The requested cost is
// computed from the query; the actual cost from the data that came back (fewer items, lower cost).
import {
  GraphQLObjectType, getNamedType, isAbstractType, isLeafType, Kind, valueFromASTUntyped,
} from 'graphql';
import type {
  DirectiveNode, DocumentNode, FieldNode, FragmentDefinitionNode, GraphQLCompositeType, GraphQLSchema,
  OperationDefinitionNode, SelectionSetNode, GraphQLNamedType,
} from 'graphql';

export const MUTATION_COST = 10;
export const MAX_SINGLE_QUERY_COST = 1000;

type Vars = Record<string, unknown>;
interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Vars;
}

export function getOperation(doc: DocumentNode, operationName?: string | null): OperationDefinitionNode | undefined {
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName) return ops.find((o) => o.name?.value === operationName);
  return ops.length === 1 ? ops[0] : undefined;
}

function included(node: { directives?: readonly DirectiveNode[] }, vars: Vars): boolean {
  for (const d of node.directives ?? []) {
    const arg = d.arguments?.find((a) => a.name.value === 'if');
    if (!arg) continue;
    const v = Boolean(valueFromASTUntyped(arg.value, vars));
    if (d.name.value === 'skip' && v) return false;
    if (d.name.value === 'include' && !v) return false;
  }
  return true;
}

/** Fields selected on a concrete type, keyed by response name, with merged sub-selections. */
export function collectFields(w: Walk, sel: SelectionSetNode | undefined, type: GraphQLObjectType, out = new Map<string, FieldNode[]>()): Map<string, FieldNode[]> {
  for (const s of sel?.selections ?? []) {
    if (!included(s, w.variables)) continue;
    if (s.kind === Kind.FIELD) {
      const key = s.alias?.value ?? s.name.value;
      const list = out.get(key) ?? [];
      list.push(s);
      out.set(key, list);
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      if (!s.typeCondition || typeApplies(w.schema, s.typeCondition.name.value, type)) collectFields(w, s.selectionSet, type, out);
    } else if (s.kind === Kind.FRAGMENT_SPREAD) {
      const frag = w.fragments.get(s.name.value);
      if (frag && typeApplies(w.schema, frag.typeCondition.name.value, type)) collectFields(w, frag.selectionSet, type, out);
    }
  }
  return out;
}

function typeApplies(schema: GraphQLSchema, condition: string, type: GraphQLObjectType): boolean {
  if (condition === type.name) return true;
  const cond = schema.getType(condition);
  return Boolean(cond && isAbstractType(cond) && schema.isSubType(cond, type));
}

function mergedSelection(nodes: FieldNode[]): SelectionSetNode {
  return { kind: Kind.SELECTION_SET, selections: nodes.flatMap((n) => n.selectionSet?.selections ?? []) };
}

function argValue(w: Walk, node: FieldNode, name: string): unknown {
  const arg = node.arguments?.find((a) => a.name.value === name);
  return arg ? valueFromASTUntyped(arg.value, w.variables) : undefined;
}

export function isConnectionType(t: GraphQLNamedType): boolean {
  return t.name.endsWith('Connection');
}

/** Cost of a selection on a (possibly abstract) type; `data` given → actual cost of that data. */
function selectionCost(w: Walk, sel: SelectionSetNode | undefined, type: GraphQLCompositeType, data: unknown, actual: boolean): number {
  if (actual && (data === null || data === undefined)) return 0;
  const concrete: readonly GraphQLObjectType[] = isAbstractType(type)
    ? (actual && data && typeof data === 'object' && '__typename' in data
      ? [w.schema.getType(String((data as { __typename: unknown }).__typename)) as GraphQLObjectType]
      : w.schema.getPossibleTypes(type))
    : [type as GraphQLObjectType];
  let best = 0;
  for (const t of concrete) {
    let sum = 0;
    for (const [key, nodes] of collectFields(w, sel, t)) {
      const first = nodes[0] as FieldNode;
      if (first.name.value === '__typename') continue;
      const def = t.getFields()[first.name.value];
      if (!def) continue;
      const named = getNamedType(def.type);
      if (isLeafType(named)) continue;
      const value = actual ? (data as Record<string, unknown>)[key] : undefined;
      sum += fieldCost(w, nodes, named as GraphQLCompositeType, value, actual);
    }
    best = Math.max(best, sum);
  }
  return best;
}

function fieldCost(w: Walk, nodes: FieldNode[], named: GraphQLCompositeType, value: unknown, actual: boolean): number {
  const first = nodes[0] as FieldNode;
  const merged = mergedSelection(nodes);
  if (isConnectionType(named) && named instanceof GraphQLObjectType) {
    if (actual && (value === null || value === undefined)) return 0;
    const fields = collectFields(w, merged, named);
    const edgeType = getNamedType(named.getFields().edges?.type ?? named) as GraphQLObjectType;
    const nodeType = getNamedType(named.getFields().nodes?.type ?? named) as GraphQLCompositeType;
    const nodeSelections: SelectionSetNode[] = [];
    for (const [key, fnodes] of fields) {
      const name = (fnodes[0] as FieldNode).name.value;
      if (name === 'nodes') nodeSelections.push(mergedSelection(fnodes));
      if (name === 'edges') {
        for (const [, enodes] of collectFields(w, mergedSelection(fnodes), edgeType)) {
          if ((enodes[0] as FieldNode).name.value === 'node') nodeSelections.push(mergedSelection(enodes));
        }
      }
      void key;
    }
    const itemSel: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: nodeSelections.flatMap((s) => s.selections) };
    if (!actual) {
      const size = Number(argValue(w, first, 'first') ?? argValue(w, first, 'last') ?? 0) || 0;
      return 2 + size * (1 + selectionCost(w, itemSel, nodeType, undefined, false));
    }
    const items = connectionItems(value);
    let sum = 2;
    for (const item of items) sum += 1 + selectionCost(w, itemSel, nodeType, item, true);
    return sum;
  }
  if (actual && Array.isArray(value)) {
    return value.reduce((s: number, v) => s + 1 + selectionCost(w, merged, named, v, true), 0);
  }
  return 1 + selectionCost(w, merged, named, value, actual);
}

/** Items of a returned connection, read from `nodes` or `edges[].node` under any alias. */
function connectionItems(value: unknown): Record<string, unknown>[] {
  if (!value || typeof value !== 'object') return [];
  let best: Record<string, unknown>[] = [];
  for (const v of Object.values(value as Record<string, unknown>)) {
    if (!Array.isArray(v)) continue;
    const items = v.map((e: unknown) => (e && typeof e === 'object' && 'node' in e ? (e as { node: Record<string, unknown> }).node : e as Record<string, unknown>));
    if (items.length > best.length) best = items;
  }
  return best;
}

export interface CostInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Vars;
}

function walkOf(input: CostInput): Walk {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of input.document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return { schema: input.schema, fragments, variables: input.variables };
}

export function requestedCost(input: CostInput): number {
  return cost(input, undefined, false);
}

export function actualCost(input: CostInput, data: unknown): number {
  return cost(input, data, true);
}

function cost(input: CostInput, data: unknown, actual: boolean): number {
  const w = walkOf(input);
  if (input.operation.operation === 'mutation') {
    const root = input.schema.getMutationType() as GraphQLObjectType;
    const fields = collectFields(w, input.operation.selectionSet, root);
    let n = 0;
    for (const [key, nodes] of fields) {
      if ((nodes[0] as FieldNode).name.value === '__typename') continue;
      if (actual && (data as Record<string, unknown> | null)?.[key] === undefined) continue;
      n += MUTATION_COST;
    }
    return n;
  }
  const root = input.schema.getQueryType() as GraphQLObjectType;
  return selectionCost(w, input.operation.selectionSet, root, actual ? (data ?? null) : undefined, actual);
}
