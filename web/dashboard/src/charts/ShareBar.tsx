// Revenue share: one 100 % stacked bar with a legend of the shares.
import { colourAt } from './palette.ts';
import { formatPercent } from '../api.ts';

export interface Share { key: string; label: string; share: number; display: string }

export function ShareBar({ shares, label }: { shares: Share[]; label: string }) {
  const width = 520;
  let x = 0;
  const visible = shares.filter((s) => s.share > 0);
  return (
    <div data-testid="revenue-share">
      <svg role="img" aria-label={label} viewBox={`0 0 ${width} 28`} width="100%" style={{ maxWidth: width }}>
        {visible.map((s) => {
          const w = s.share * width;
          const rect = <rect key={s.key} x={x} y={0} width={w} height={28} fill={colourAt(shares.indexOf(s))} />;
          x += w;
          return rect;
        })}
      </svg>
      <ul style={{ listStyle: 'none', padding: 0, margin: '8px 0 0', columns: 2 }}>
        {shares.map((s, i) => (
          <li key={s.key} data-segment={s.key} data-share={s.share} style={{ fontSize: 13, lineHeight: '22px' }}>
            <span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 2, background: colourAt(i), marginRight: 6 }} />
            {s.label}: <strong>{formatPercent(s.share)}</strong> <span style={{ color: '#616161' }}>({s.display})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
