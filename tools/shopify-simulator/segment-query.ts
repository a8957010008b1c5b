// Shopify's segment query language, the part the app writes: `customer_tags CONTAINS 'tag'` and
// `customer_tags NOT CONTAINS 'tag'` clauses joined with AND / OR (AND binds tighter). List<String>
// values are single-quoted, a quote inside escaped as \', and compared case-insensitively:
// https://shopify.dev/api/shopifyql/list (List-type attributes) and
// https://shopify.dev/docs/api/shopifyql/segment-query-language-reference (query syntax).
// Anything else is refused the way segmentCreate refuses an invalid query (a userError on `query`):
// the simulator evaluates membership only for what it understands.

export type SegmentMatcher = (tags: readonly string[]) => boolean;
export type SegmentQueryResult = { ok: true; matches: SegmentMatcher } | { ok: false; error: string };

interface Clause { negated: boolean; value: string }

function readQuoted(src: string, at: number): { value: string; end: number } | null {
  if (src[at] !== "'") return null;
  let value = '';
  for (let i = at + 1; i < src.length; i++) {
    const ch = src[i]!;
    if (ch === '\\' && src[i + 1] === "'") {
      value += "'";
      i++;
    } else if (ch === "'") return { value, end: i + 1 };
    else value += ch;
  }
  return null;
}

export function parseSegmentQuery(query: string): SegmentQueryResult {
  const groups: Clause[][] = [[]];
  let i = 0;
  const skip = () => { while (i < query.length && /\s/.test(query[i]!)) i++; };
  const word = (w: string): boolean => {
    skip();
    if (query.slice(i, i + w.length).toUpperCase() === w && !/\w/.test(query[i + w.length] ?? '')) {
      i += w.length;
      return true;
    }
    return false;
  };
  for (;;) {
    if (!word('CUSTOMER_TAGS')) return { ok: false, error: `Unsupported or invalid filter near position ${i}` };
    const negated = word('NOT');
    if (!word('CONTAINS')) return { ok: false, error: `Expected CONTAINS near position ${i}` };
    skip();
    const q = readQuoted(query, i);
    if (!q) return { ok: false, error: `Expected a single-quoted value near position ${i}` };
    i = q.end;
    groups.at(-1)!.push({ negated, value: q.value.toLowerCase() });
    skip();
    if (i >= query.length) break;
    if (word('AND')) continue;
    if (word('OR')) {
      groups.push([]);
      continue;
    }
    return { ok: false, error: `Unexpected input near position ${i}` };
  }
  return {
    ok: true,
    matches: (tags) => {
      const lower = new Set(tags.map((t) => t.toLowerCase()));
      return groups.some((g) => g.every((c) => lower.has(c.value) !== c.negated));
    },
  };
}
