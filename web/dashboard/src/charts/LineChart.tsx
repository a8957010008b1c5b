// Segment sizes over time: one line per segment, a legend with today's size.
import { colourAt } from './palette.ts';

export function LineChart({ days, series, label }: { days: string[]; series: Array<{ key: string; label: string; values: number[] }>; label: string }) {
  const width = 640;
  const height = 220;
  const left = 48;
  const bottom = 22;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const xOf = (i: number) => left + (days.length <= 1 ? 0 : (i / (days.length - 1)) * (width - left - 10));
  const yOf = (v: number) => 8 + (1 - v / max) * (height - bottom - 8);
  const ticks = [0, 0.5, 1].map((t) => Math.round(max * t));
  return (
    <div data-testid="sizes-over-time">
      <svg role="img" aria-label={label} viewBox={`0 0 ${width} ${height}`} width="100%" style={{ maxWidth: width }}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={left} x2={width - 10} y1={yOf(t)} y2={yOf(t)} stroke="#e3e3e3" />
            <text x={left - 6} y={yOf(t) + 4} textAnchor="end" fontSize="11" fill="#616161">{t.toLocaleString('en-US')}</text>
          </g>
        ))}
        {days.length > 0 && (
          <>
            <text x={left} y={height - 4} fontSize="11" fill="#616161">{days[0]}</text>
            <text x={width - 10} y={height - 4} textAnchor="end" fontSize="11" fill="#616161">{days[days.length - 1]}</text>
          </>
        )}
        {series.map((s, i) => (
          <polyline key={s.key} data-segment={s.key} fill="none" stroke={colourAt(i)} strokeWidth="2" points={s.values.map((v, j) => `${xOf(j)},${yOf(v)}`).join(' ')} />
        ))}
      </svg>
      <ul style={{ listStyle: 'none', padding: 0, margin: '4px 0 0', columns: 3 }}>
        {series.map((s, i) => (
          <li key={s.key} style={{ fontSize: 12, lineHeight: '20px' }}>
            <span style={{ display: 'inline-block', width: 10, height: 3, background: colourAt(i), marginRight: 6, verticalAlign: 'middle' }} />
            {s.label} ({(s.values[s.values.length - 1] ?? 0).toLocaleString('en-US')})
          </li>
        ))}
      </ul>
    </div>
  );
}
