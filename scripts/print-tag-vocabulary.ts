// Prints every tag the app can write, with its meaning, as a Markdown table (docs/segments.md).
//   node scripts/print-tag-vocabulary.ts [--prefix seg:]
import { parseArgs } from 'node:util';
import { parseShopSettings } from '../src/segments/settings.ts';
import { tagVocabulary } from '../src/segments/tags.ts';

const { values } = parseArgs({ options: { prefix: { type: 'string', default: 'seg:' } } });
const settings = parseShopSettings({ tagPrefix: values.prefix });
const lines = ['| Tag | Family | Segment | Meaning |', '| --- | --- | --- | --- |'];
for (const t of tagVocabulary(settings)) lines.push(`| \`${t.tag}\` | ${t.family} | ${t.label} | ${t.meaning} |`);
console.log(lines.join('\n'));
