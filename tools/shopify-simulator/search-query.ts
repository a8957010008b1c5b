// Shopify's search syntax for the `query` argument: `field:value`, `field:'quoted'`, `:>` `:>=` `:<` `:<=`,
// `-field:value` / `NOT`, implicit AND, `AND`, `OR`, parentheses. Unknown fields are ignored with a
// warning (Shopify reports them in extensions.search and does not filter on them).
import { compareIds } from './store.ts';
import { parseGid } from './formats.ts';

export type FieldKind = 'id' | 'date' | 'number' | 'string' | 'tags' | 'bool';
export type FieldValue = string | number | boolean | readonly string[] | null;
export interface FieldSpec<T> {
  kind: FieldKind;
  get(record: T): FieldValue;
  /** tag_not: the term matches when the positive test fails. */
  negate?: boolean;
}

type Op = ':' | '>' | '>=' | '<' | '<=';
type Node =
  | { type: 'and' | 'or'; items: Node[] }
  | { type: 'not'; item: Node }
  | { type: 'term'; field: string; op: Op; value: string }
  | { type: 'all' };

export interface SearchWarning {
  field: string;
  message: string;
}

export interface CompiledSearch<T> {
  matches(record: T): boolean;
  warnings: SearchWarning[];
}

const TOKEN = /\s*(\(|\)|-?[A-Za-z_]+:(?:>=|<=|>|<)?(?:'[^']*'|"[^"]*"|[^\s()]*)|'[^']*'|"[^"]*"|[^\s()]+)/y;

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < query.length && (m = TOKEN.exec(query))) tokens.push(m[1] as string);
  return tokens;
}

function unquote(v: string): string {
  return (v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"')) ? v.slice(1, -1) : v;
}

function parse(tokens: string[]): Node {
  let pos = 0;
  const parseOr = (): Node => {
    const items = [parseAnd()];
    while (tokens[pos] === 'OR') {
      pos++;
      items.push(parseAnd());
    }
    return items.length === 1 ? (items[0] as Node) : { type: 'or', items };
  };
  const parseAnd = (): Node => {
    const items: Node[] = [];
    while (pos < tokens.length && tokens[pos] !== ')' && tokens[pos] !== 'OR') {
      if (tokens[pos] === 'AND') {
        pos++;
        continue;
      }
      items.push(parseUnary());
    }
    return items.length === 1 ? (items[0] as Node) : items.length === 0 ? { type: 'all' } : { type: 'and', items };
  };
  const parseUnary = (): Node => {
    const t = tokens[pos++] as string;
    if (t === 'NOT') return { type: 'not', item: parseUnary() };
    if (t === '(') {
      const inner = parseOr();
      if (tokens[pos] === ')') pos++;
      return inner;
    }
    const m = /^(-?)([A-Za-z_]+):(>=|<=|>|<)?(.*)$/.exec(t);
    if (!m) return { type: 'term', field: '', op: ':', value: unquote(t) };
    const term: Node = { type: 'term', field: (m[2] as string).toLowerCase(), op: (m[3] as Op | undefined) ?? ':', value: unquote(m[4] as string) };
    return m[1] ? { type: 'not', item: term } : term;
  };
  const root = parseOr();
  return root;
}

function compare(kind: FieldKind, actual: FieldValue, op: Op, raw: string): boolean {
  if (actual === null || actual === undefined) return false;
  switch (kind) {
    case 'tags': {
      const want = raw.toLowerCase();
      return (actual as readonly string[]).some((t) => t.toLowerCase() === want);
    }
    case 'bool':
      return String(actual) === raw.toLowerCase();
    case 'string': {
      const a = String(actual).toLowerCase();
      const v = raw.toLowerCase();
      if (op !== ':') return ordered(a < v ? -1 : a > v ? 1 : 0, op);
      return v.endsWith('*') ? a.startsWith(v.slice(0, -1)) : a === v;
    }
    case 'number': {
      const v = Number(raw);
      if (!Number.isFinite(v)) return false;
      const a = Number(actual);
      return ordered(a < v ? -1 : a > v ? 1 : 0, op);
    }
    case 'id': {
      const parsed = parseGid(raw);
      if (!parsed) return false;
      return ordered(compareIds(String(actual), parsed.id), op);
    }
    case 'date': {
      const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(raw);
      const v = Date.parse(dateOnly ? `${raw}T00:00:00Z` : raw);
      if (Number.isNaN(v)) return false;
      const a = Number(actual);
      if (op === ':' && dateOnly) return a >= v && a < v + 86_400_000;
      // Shopify compares at second precision.
      const as = Math.floor(a / 1000);
      const vs = Math.floor(v / 1000);
      return ordered(as < vs ? -1 : as > vs ? 1 : 0, op);
    }
  }
}

function ordered(cmp: number, op: Op): boolean {
  switch (op) {
    case ':': return cmp === 0;
    case '>': return cmp > 0;
    case '>=': return cmp >= 0;
    case '<': return cmp < 0;
    case '<=': return cmp <= 0;
  }
}

export function compileSearch<T>(query: string | null | undefined, fields: Record<string, FieldSpec<T>>): CompiledSearch<T> {
  const warnings: SearchWarning[] = [];
  if (!query || !query.trim()) return { matches: () => true, warnings };
  const root = parse(tokenize(query));
  const build = (n: Node): ((r: T) => boolean) => {
    switch (n.type) {
      case 'all':
        return () => true;
      case 'and': {
        const parts = n.items.map(build);
        return (r) => parts.every((p) => p(r));
      }
      case 'or': {
        const parts = n.items.map(build);
        return (r) => parts.some((p) => p(r));
      }
      case 'not': {
        const inner = build(n.item);
        return (r) => !inner(r);
      }
      case 'term': {
        const spec = fields[n.field];
        if (!spec) {
          warnings.push({ field: n.field || 'default', message: n.field ? 'Invalid search field for this query.' : 'Free-text search is not supported by the simulator; term ignored.' });
          return () => true;
        }
        return (r) => {
          const hit = compare(spec.kind, spec.get(r), n.op, n.value);
          return spec.negate ? !hit : hit;
        };
      }
    }
  };
  return { matches: build(root), warnings };
}
