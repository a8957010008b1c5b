// The few numbers the dashboard reads from a profile's metrics (stored by the pipeline as JSON text).
// Tolerant by design: the engine's metrics object may grow, and older profiles may lack a field.

export interface DashboardMetrics {
  orders: number | null;
  spendMinor: number | null;
  scores: { r: number; f: number; m: number } | null;
  lastOrderAt: number | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const score = (v: unknown): number | null => {
  const n = num(v);
  return n !== null && Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
};

function scoresIn(o: Obj): DashboardMetrics['scores'] {
  for (const candidate of [o.scores, o.rfmScores, isObj(o.rfm) ? o.rfm.scores : undefined, o.rfm]) {
    if (!isObj(candidate)) continue;
    const r = score(candidate.r);
    const f = score(candidate.f);
    const m = score(candidate.m);
    if (r !== null && f !== null && m !== null) return { r, f, m };
  }
  return null;
}

export function parseMetricsJson(json: string | undefined): Obj {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    return isObj(v) ? v : {};
  } catch {
    return {};
  }
}

export function dashboardMetrics(metrics: Obj): DashboardMetrics {
  const summary = isObj(metrics.summary) ? metrics.summary : metrics;
  return {
    orders: num(metrics.orders) ?? num(summary.orders),
    spendMinor: num(metrics.spendMinor) ?? num(summary.spendMinor),
    scores: scoresIn(metrics),
    lastOrderAt: num(metrics.lastAt) ?? num(metrics.lastOrderAt) ?? num(summary.lastAt),
  };
}
