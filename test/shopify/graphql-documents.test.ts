// Every GraphQL document the app sends (src/shopify/graphql-documents.ts) must be valid against the
// simulator's schema — which follows shopify.dev, page by page — so the app never relies on a field,
// argument or type the simulator (and so our evidence) does not have. A document sent from anywhere
// else, or inline, fails the completeness check.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, parse, validate, type OperationDefinitionNode } from 'graphql';
import { APP_GRAPHQL_DOCUMENTS } from '../../src/shopify/graphql-documents.ts';
import { SCHEMA_SDL } from '../../tools/shopify-simulator/schema.ts';

const schema = buildSchema(SCHEMA_SDL);
const root = new URL('../../', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) return name === 'dashboard' ? [] : sourceFiles(rel);
    return rel.endsWith('.ts') ? [rel] : [];
  });
}
const APP_DIRS = ['src', 'jobs', 'web', 'webhooks'];

/** The first argument of every `.request(` / `.request<…>(` call, as written. */
function requestArguments(text: string): string[] {
  const out: string[] = [];
  for (let i = text.indexOf('.request'); i !== -1; i = text.indexOf('.request', i + 1)) {
    let j = i + '.request'.length;
    if (text[j] === '<') {
      let depth = 0;
      for (; j < text.length; j++) {
        if (text[j] === '<') depth++;
        else if (text[j] === '>' && text[j - 1] !== '=' && --depth === 0) break;
      }
      j++;
    }
    if (text[j] !== '(') continue;
    out.push(text.slice(j + 1, j + 200).trimStart());
  }
  return out;
}

export function operationNames(doc: string): string[] {
  return parse(doc).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION).map((d) => d.name?.value ?? '(anonymous)');
}

describe('GraphQL documents the app sends', () => {
  it('are each valid against the simulator schema', () => {
    const problems: string[] = [];
    for (const d of APP_GRAPHQL_DOCUMENTS) {
      const errors = validate(schema, parse(d.document));
      for (const e of errors) problems.push(`${d.source}: ${e.message}`);
    }
    assert.deepEqual(problems, []);
  });

  it('are all listed: no inline document in a request call, every named operation in the list', () => {
    const listed = new Set(APP_GRAPHQL_DOCUMENTS.flatMap((d) => operationNames(d.document)));
    const inline: string[] = [];
    const unlisted: string[] = [];
    for (const file of APP_DIRS.flatMap(sourceFiles)) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const arg of requestArguments(text)) if (/^['"`]/.test(arg)) inline.push(`${file}: ${arg.slice(0, 60)}`);
      for (const m of text.matchAll(/['"`]\s*(?:query|mutation)\s+([A-Z]\w*)\s*[({]/g)) if (!listed.has(m[1]!)) unlisted.push(`${file}: ${m[1]}`);
    }
    assert.deepEqual(inline, [], 'export the document and add it to src/shopify/graphql-documents.ts');
    assert.deepEqual(unlisted, [], 'add the operation to src/shopify/graphql-documents.ts');
    assert.ok(listed.has('InstallFacts') && listed.has('SegmentTags') && listed.has('SegmentTagsBulk'), 'the scan sees the known operations');
  });

  it('would reject a field the simulator does not model (the check is live)', () => {
    const bad = APP_GRAPHQL_DOCUMENTS.find((d) => d.kind === 'bulk-query')!.document.replace('currentQuantity', 'currentQuantity discountedTotalSet');
    assert.ok(validate(schema, parse(bad)).length > 0);
  });
});
