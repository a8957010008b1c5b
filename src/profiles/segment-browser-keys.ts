// What the segment browser filters and sorts on, derived from a profile update when it is saved:
// "family/segment" keys (plus the RFM grid cell) and five numeric sort keys kept beside the opaque
// metrics JSON, so a segment page is one indexed range read instead of a parse of every profile.
// Unknown values are -1: they sort after every real value in descending order, before it ascending.

export const BROWSER_SORTS = {
  spend: 'bySpend',
  orders: 'byOrders',
  lastOrder: 'byLastOrder',
  churn: 'byChurn',
  clv: 'byClv',
} as const;
export type BrowserSort = keyof typeof BROWSER_SORTS;
export type BrowserSortField = (typeof BROWSER_SORTS)[BrowserSort];
export const BROWSER_SORT_FIELDS: readonly BrowserSortField[] = Object.values(BROWSER_SORTS);

export interface BrowserKeys {
  segmentKeys: string[];
  bySpend: number;
  byOrders: number;
  byLastOrder: number;
  byChurn: number;
  byClv: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : -1);

/** The RFM grid's cells are browsable like segments: family "rfm-cell", segment "r5f3". */
export const RFM_CELL_FAMILY = 'rfm-cell';
/** The RFM grid cell's key, e.g. "rfm-cell/r5f3" (recency 5, frequency 3). */
export const rfmCellKey = (r: number, f: number): string => `${RFM_CELL_FAMILY}/r${r}f${f}`;

export function browserKeys(u: { memberships: ReadonlyArray<{ family: string; segment: string }>; metrics: unknown; predictions: unknown }): BrowserKeys {
  const m = isObj(u.metrics) ? u.metrics : {};
  const p = isObj(u.predictions) ? u.predictions : {};
  const keys = u.memberships.map((x) => `${x.family}/${x.segment}`);
  const rfm = isObj(m.rfm) ? m.rfm : null;
  if (rfm && typeof rfm.r === 'number' && typeof rfm.f === 'number') keys.push(rfmCellKey(rfm.r, rfm.f));
  return {
    segmentKeys: keys,
    bySpend: num(m.spendMinor),
    byOrders: num(m.orders),
    byLastOrder: num(m.lastOrderAt),
    byChurn: num(p.churnProbability),
    byClv: num(p.clv12mMinor),
  };
}
