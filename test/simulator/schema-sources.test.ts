// The simulator follows the documentation visibly: every definition in schema.graphql, and every root
// query and mutation field, carries the shopify.dev page it follows in a `# shopify.dev:` comment right
// above it; every type the app's documents touch is such a definition.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema, getNamedType, parse, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import { SCHEMA_SDL } from '../../tools/shopify-simulator/schema.ts';
import { APP_GRAPHQL_DOCUMENTS } from '../../src/shopify/graphql-documents.ts';

const PAGE = /^\s*# shopify\.dev: https:\/\/shopify\.dev\/\S+/;
const lines = SCHEMA_SDL.split('\n');

/** Line index → the comment line right above it (blank lines not allowed in between). */
const cites = (i: number): boolean => i > 0 && PAGE.test(lines[i - 1]!);

describe('simulator schema sources', () => {
  it('cites a shopify.dev page above every definition and every root field', () => {
    const missing: string[] = [];
    let root: string | null = null;
    lines.forEach((line, i) => {
      const def = /^(scalar|interface|type|enum|input|union) (\w+)/.exec(line);
      if (def) {
        if (!cites(i)) missing.push(`${def[1]} ${def[2]}`);
        root = def[2] === 'Query' || def[2] === 'Mutation' ? def[2] : null;
        return;
      }
      if (line.startsWith('}')) root = null;
      const field = /^ {2}(\w+)[(:]/.exec(line);
      if (root && field && !cites(i)) missing.push(`${root}.${field[1]}`);
    });
    assert.deepEqual(missing, []);
  });

  it('defines, with a citation, every type the app\'s documents use', () => {
    const schema = buildSchema(SCHEMA_SDL);
    const used = new Set<string>();
    for (const d of APP_GRAPHQL_DOCUMENTS) {
      const info = new TypeInfo(schema);
      visit(parse(d.document), visitWithTypeInfo(info, {
        Field() {
          const parent = info.getParentType();
          const type = info.getType();
          if (parent) used.add(parent.name);
          if (type) used.add(getNamedType(type).name);
        },
        InlineFragment() {
          const t = info.getType();
          if (t) used.add(getNamedType(t).name);
        },
      }));
    }
    const builtIn = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
    const uncited = [...used].filter((t) => !builtIn.has(t)).filter((t) => {
      const i = lines.findIndex((l) => new RegExp(`^(scalar|interface|type|enum|input|union) ${t}\\b`).test(l));
      return i < 0 || !cites(i);
    });
    assert.ok(used.has('PurchasingCompany') && used.has('BulkOperation'), 'the walk reaches fragments and bulk documents');
    assert.deepEqual(uncited, []);
  });
});
