// Relay-style cursor pagination as Shopify does it: `first`/`last` required (≤ 250), opaque cursors
// that encode the sort position (last_id, last_value), stable across pages.
import { GraphQLError } from 'graphql';
import { compareIds } from './store.ts';

export const MAX_PAGE_SIZE = 250;

export interface SortKey {
  id: string;
  value: number | string;
}

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  reverse?: boolean | null;
}

export interface Connection<N> {
  edges: Array<{ cursor: string; node: N }>;
  nodes: N[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export function compareKeys(a: SortKey, b: SortKey): number {
  let c: number;
  if (typeof a.value === 'number' && typeof b.value === 'number') c = a.value - b.value;
  else if (typeof a.value === 'string' && typeof b.value === 'string' && /^\d+$/.test(a.value) && /^\d+$/.test(b.value)) c = compareIds(a.value, b.value);
  else c = String(a.value) < String(b.value) ? -1 : String(a.value) > String(b.value) ? 1 : 0;
  return c || compareIds(a.id, b.id);
}

export function encodeCursor(k: SortKey): string {
  return Buffer.from(JSON.stringify({ last_id: k.id, last_value: k.value })).toString('base64');
}

function decodeCursor(cursor: string): SortKey {
  try {
    const o = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { last_id?: unknown; last_value?: unknown };
    if (typeof o.last_id === 'string' && (typeof o.last_value === 'string' || typeof o.last_value === 'number')) return { id: o.last_id, value: o.last_value };
  } catch {
    // fall through
  }
  throw new GraphQLError('Invalid cursor for current pagination sort.', { extensions: { code: 'BAD_REQUEST' } });
}

export function checkPageArgs(args: ConnectionArgs): void {
  const size = args.first ?? args.last;
  if (size === null || size === undefined) {
    throw new GraphQLError('you must provide one of first or last', { extensions: { code: 'BAD_REQUEST' } });
  }
  if (args.first != null && args.last != null) {
    throw new GraphQLError('providing both first and last is not supported', { extensions: { code: 'BAD_REQUEST' } });
  }
  if (size < 0 || size > MAX_PAGE_SIZE) {
    throw new GraphQLError(`The page size must be between 0 and ${MAX_PAGE_SIZE}.`, { extensions: { code: 'BAD_REQUEST' } });
  }
}

/** `items` must already be sorted ascending by `keyOf`; `reverse` flips the order. */
export function paginate<T, N>(items: readonly T[], args: ConnectionArgs, keyOf: (t: T) => SortKey, wrap: (t: T) => N): Connection<N> {
  checkPageArgs(args);
  const dir = args.reverse ? -1 : 1;
  const cmp = (t: T, k: SortKey): number => dir * compareKeys(keyOf(t), k);
  const ordered = args.reverse ? [...items].reverse() : items;
  let start = 0;
  let end = ordered.length;
  if (args.after) {
    const k = decodeCursor(args.after);
    start = firstIndex(ordered, (t) => cmp(t, k) > 0);
  }
  if (args.before) {
    const k = decodeCursor(args.before);
    end = Math.max(start, firstIndex(ordered, (t) => cmp(t, k) >= 0));
  }
  let from = start;
  let to = end;
  if (args.first != null) to = Math.min(end, start + args.first);
  else if (args.last != null) from = Math.max(start, end - args.last);
  const page = ordered.slice(from, to);
  const edges = page.map((t) => ({ cursor: encodeCursor(keyOf(t)), node: wrap(t) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: to < end,
      hasPreviousPage: from > start,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** Binary search: first index where `pred` holds (pred is monotone false…true over the sorted list). */
function firstIndex<T>(items: readonly T[], pred: (t: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(items[mid] as T)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
