// Prints the RFM grid as Markdown, generated from the engine's own table (src/segments/rfm-grid.ts),
// for docs/segments.md: the rules (first match wins) and all 125 cells.
//   node scripts/print-rfm-grid.ts
import { RFM_RULES, RFM_SEGMENTS, rfmCellSegment } from '../src/segments/rfm-grid.ts';

const label = (id: string): string => RFM_SEGMENTS.find((s) => s.id === id)!.label;
const lines: string[] = [];
lines.push('| Segment | Cells (R / F / M scores, first rule that matches wins) | Meaning |', '| --- | --- | --- |');
for (const rule of RFM_RULES) lines.push(`| ${label(rule.segment)} | ${rule.when} | ${RFM_SEGMENTS.find((s) => s.id === rule.segment)!.meaning} |`);
lines.push('', '| R | F | M = 1 | M = 2 | M = 3 | M = 4 | M = 5 |', '| --- | --- | --- | --- | --- | --- | --- |');
for (let r = 5; r >= 1; r--) {
  for (let f = 5; f >= 1; f--) {
    const cells = [1, 2, 3, 4, 5].map((m) => label(rfmCellSegment(r, f, m)));
    lines.push(`| ${r} | ${f} | ${cells.join(' | ')} |`);
  }
}
console.log(lines.join('\n'));
