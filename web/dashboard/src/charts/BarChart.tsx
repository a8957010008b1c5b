// Horizontal bars: one row per segment, value at the end of the bar.
import { colourAt } from './palette.ts';

export interface Bar { key: string; label: string; value: number; display?: string }

export function BarChart({ bars, testId }: { bars: Bar[]; testId: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 26;
  const labelW = 150;
  const width = 520;
  const barW = width - labelW - 70;
  return (
    <svg data-testid={testId} role="img" viewBox={`0 0 ${width} ${bars.length * row + 4}`} width="100%" style={{ maxWidth: width }}>
      {bars.map((b, i) => (
        <g key={b.key} transform={`translate(0, ${i * row + 2})`} data-segment={b.key} data-value={b.value}>
          <text x={labelW - 8} y={row / 2 + 4} textAnchor="end" fontSize="12" fill="#303030">{b.label}</text>
          <rect x={labelW} y={3} width={Math.max(b.value > 0 ? 2 : 0, (b.value / max) * barW)} height={row - 8} rx="3" fill={colourAt(i)} />
          <text x={labelW + (b.value / max) * barW + 6} y={row / 2 + 4} fontSize="12" fill="#303030">{b.display ?? b.value.toLocaleString('en-US')}</text>
        </g>
      ))}
    </svg>
  );
}
