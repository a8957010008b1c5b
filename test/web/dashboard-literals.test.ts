// No English left in the dashboard's markup: every word a store owner reads comes from the catalogues
// (i18n/locales/*), so the five languages cannot drift behind a page. Parsed with TypeScript's own
// parser (no ESLint i18n plugin is installed): JSX text with letters, and string literals inside JSX
// (attributes such as title, label, helpText, column headings) that read as words — "Save",
// "Preview changes" — are reported with file and line. Ids, CSS values, test ids and keys are not words
// by this rule (lower-case, no space). A phrase that must stay verbatim goes in ALLOWED with a reason.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../web/dashboard/src/', import.meta.url));
const ALLOWED = new Set<string>([]);

/** Sentences ("two words") or a capitalised word ("Save"); not keys, ids, CSS or acronyms ("RFM"). */
const looksLikeWords = (s: string): boolean => /[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}/.test(s) || /^\s*[A-Z][a-z]{2,}\s*[.:!?]?\s*$/.test(s);

function insideJsx(node: ts.Node): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (ts.isJsxAttribute(n) || ts.isJsxExpression(n)) return true;
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 't') return false;
  }
  return false;
}

function hardCodedText(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, text: string) => {
    const t = text.trim();
    if (!ALLOWED.has(t)) found.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${JSON.stringify(t)}`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node) && /[A-Za-z]{2,}/.test(node.text)) report(node, node.text);
    else if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && insideJsx(node) && looksLikeWords(node.text)) report(node, node.text);
    else if (ts.isTemplateExpression(node) && insideJsx(node)) {
      for (const part of [node.head.text, ...node.templateSpans.map((s) => s.literal.text)]) if (looksLikeWords(part)) report(node, part);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.tsx')).sort();

describe('dashboard markup has no hard-coded English', () => {
  it('finds the .tsx files', () => assert.ok(files.length >= 15, files.join(', ')));

  it('every page, chart and component takes its words from the catalogues', () => {
    const found = files.flatMap((f) => hardCodedText(f, readFileSync(SRC + f, 'utf8')));
    assert.deepEqual(found, []);
  });

  it('the rule catches what it is meant to (JSX text, word attributes, headings, template text) and spares ids', () => {
    const sample = `const A = () => <Card title="Preview changes"><p>Hello there</p><Button>Save</Button>
      <DataTable headings={['When', 'What']} rows={[]} /><Text as="p" tone="subdued" data-testid="x-y">{t('a.b')}</Text>
      <Badge>{\`Ignore: \${x}\`}</Badge><svg aria-label="RFM" fill="#616161" /></Card>;`;
    const found = hardCodedText('sample.tsx', sample).map((f) => f.replace(/^sample\.tsx:\d+: /, ''));
    assert.deepEqual(found, ['"Preview changes"', '"Hello there"', '"Save"', '"When"', '"What"', '"Ignore:"']);
  });
});
