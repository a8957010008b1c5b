// Horizontal bars: one row per segment, value at the end of the bar. With `href`, every bar is a link
// (keyboard-focusable; its name is what it shows: the segment and its count) that opens the segment's customers.
import { colourAt } from './palette.ts';

export interface Bar { key: string; label: string; value: number; display?: string }

export function BarChart({ bars, testId, label, href, onOpen }: { bars: Bar[]; testId: string; label: string; href?: (b: Bar) => string; onOpen?: (b: Bar) => void }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 26;
  // Room for the longest label (German and French names run long), within reason.
  const labelW = Math.min(240, Math.max(120, 12 + 6.6 * Math.max(0, ...bars.map((b) => b.label.length))));
  const width = 540;
  const barW = width - labelW - 70;
  const rowOf = (b: Bar, i: number) => (
    <g transform={`translate(0, ${i * row + 2})`} data-segment={b.key} data-value={b.value}>
      <text x={labelW - 8} y={row / 2 + 4} textAnchor="end" fontSize="12" fill="#303030">{b.label}</text>
      <rect x={labelW} y={3} width={Math.max(b.value > 0 ? 2 : 0, (b.value / max) * barW)} height={row - 8} rx="3" fill={colourAt(i)} />
      <text x={labelW + (b.value / max) * barW + 6} y={row / 2 + 4} fontSize="12" fill="#303030">{b.display ?? b.value.toLocaleString()}</text>
    </g>
  );
  return (
    <svg data-testid={testId} role={href ? 'group' : 'img'} aria-label={label} viewBox={`0 0 ${width} ${bars.length * row + 4}`} width="100%" style={{ maxWidth: width }}>
      {bars.map((b, i) =>
        href && b.value > 0 ? (
          <a key={b.key} href={href(b)} className="chart-link" onClick={(e) => { if (onOpen) { e.preventDefault(); onOpen(b); } }}>
            {rowOf(b, i)}
          </a>
        ) : (
          <g key={b.key}>{rowOf(b, i)}</g>
        ),
      )}
    </svg>
  );
}
