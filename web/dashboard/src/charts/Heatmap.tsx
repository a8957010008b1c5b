// The 5×5 Recency × Frequency grid: rows R5 (most recent) to R1, columns F1 to F5.
export function Heatmap({ counts }: { counts: number[][] }) {
  const max = Math.max(1, ...counts.flat());
  const cell = 64;
  const pad = 40;
  const size = pad + cell * 5;
  const rows = [5, 4, 3, 2, 1];
  return (
    <svg data-testid="rfm-heatmap" role="img" viewBox={`0 0 ${size + 8} ${size + 24}`} width="100%" style={{ maxWidth: size + 8 }}>
      {rows.map((r, ri) =>
        [1, 2, 3, 4, 5].map((f) => {
          const n = counts[r - 1]?.[f - 1] ?? 0;
          const t = n / max;
          const fill = `rgba(44, 110, 203, ${0.08 + 0.92 * t})`;
          return (
            <g key={`${r}-${f}`} data-r={r} data-f={f} data-count={n}>
              <rect x={pad + (f - 1) * cell} y={ri * cell} width={cell - 2} height={cell - 2} rx="4" fill={fill} />
              <text x={pad + (f - 1) * cell + cell / 2 - 1} y={ri * cell + cell / 2 + 4} textAnchor="middle" fontSize="13" fill={t > 0.55 ? '#fff' : '#202223'}>
                {n.toLocaleString('en-US')}
              </text>
            </g>
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
