// The 5×5 Recency × Frequency grid: rows R5 (most recent) to R1, columns F1 to F5. With `onOpen`,
// every non-empty cell is a link (keyboard-focusable, named) to the cell's customers.
export function Heatmap({ counts, format = (n) => n.toLocaleString(), href, cellLabel, onOpen }: {
  counts: number[][];
  format?: (n: number) => string;
  href?: (r: number, f: number) => string;
  cellLabel?: (r: number, f: number, n: number) => string;
  onOpen?: (r: number, f: number) => void;
}) {
  const max = Math.max(1, ...counts.flat());
  const cell = 64;
  const pad = 40;
  const size = pad + cell * 5;
  const rows = [5, 4, 3, 2, 1];
  return (
    <svg data-testid="rfm-heatmap" role={href ? 'group' : 'img'} aria-label="RFM" viewBox={`0 0 ${size + 8} ${size + 24}`} width="100%" style={{ maxWidth: size + 8 }}>
      {rows.map((r, ri) =>
        [1, 2, 3, 4, 5].map((f) => {
          const n = counts[r - 1]?.[f - 1] ?? 0;
          const t = n / max;
          const fill = `rgba(44, 110, 203, ${0.08 + 0.92 * t})`;
          const body = (
            <g data-r={r} data-f={f} data-count={n}>
              <rect x={pad + (f - 1) * cell} y={ri * cell} width={cell - 2} height={cell - 2} rx="4" fill={fill} />
              <text x={pad + (f - 1) * cell + cell / 2 - 1} y={ri * cell + cell / 2 + 4} textAnchor="middle" fontSize="13" fill={t > 0.45 ? '#fff' : '#202223'}>{format(n)}</text>
            </g>
          );
          return href && n > 0 ? (
            <a key={`${r}-${f}`} href={href(r, f)} aria-label={cellLabel?.(r, f, n)} className="chart-link" onClick={(e) => { if (onOpen) { e.preventDefault(); onOpen(r, f); } }}>{body}</a>
          ) : (
            <g key={`${r}-${f}`}>{body}</g>
          );
        }),
      )}
      {rows.map((r, ri) => (
        <text key={`r${r}`} x={pad - 8} y={ri * cell + cell / 2 + 4} textAnchor="end" fontSize="12" fill="#616161">R{r}</text>
      ))}
      {[1, 2, 3, 4, 5].map((f) => (
        <text key={`f${f}`} x={pad + (f - 1) * cell + cell / 2} y={5 * cell + 16} textAnchor="middle" fontSize="12" fill="#616161">F{f}</text>
      ))}
    </svg>
  );
}
