// Every (R, F, M) cell of the 5×5×5 grid names exactly one segment. The rules below are read top to
// bottom, first match wins, and the last rule catches every remaining cell, so no cell is "Others".
// Meanings follow the segment names e-commerce teams already use (Reloadify's twelve RFM segments; the
// rule tables of the R package `rfm`), written out in docs/segments.md.
// "Lost but Engaged" and "Prospects" are not grid cells: Lost but Engaged is a Lost cell plus recent
// engagement (see rfm-segment.ts), Prospects are customers without a counted order.

export const RFM_SEGMENTS = [
  { id: 'champions', label: 'Champions', meaning: 'Bought very recently, buy often and spend the most.' },
  { id: 'loyal-customers', label: 'Loyal Customers', meaning: 'Order regularly and spend a lot; room to grow.' },
  { id: 'potential-loyalist', label: 'Potential Loyalist', meaning: 'Several recent purchases, still low value.' },
  { id: 'new-customers', label: 'New Customers', meaning: 'First order very recently, modest value so far.' },
  { id: 'promising', label: 'Promising', meaning: 'Recent first or second order of above-average value, no follow-up yet.' },
  { id: 'needs-attention', label: 'Needs Attention', meaning: 'Value too high for Potential Loyalists, too low for Loyal; recency slipping.' },
  { id: 'about-to-sleep', label: 'About to Sleep', meaning: 'Ordered some time ago, low value.' },
  { id: 'at-risk', label: 'At Risk', meaning: 'Ordered often and spent much, but long ago.' },
  { id: 'cant-lose-them', label: "Can't Lose Them", meaning: 'Top frequency and spend, but long ago (losing VIPs).' },
  { id: 'hibernating', label: 'Hibernating', meaning: 'Low scores throughout: some time ago, one order, little spent.' },
  { id: 'lost', label: 'Lost', meaning: 'Longest gone, low value or frequency collapsed.' },
  { id: 'lost-but-engaged', label: 'Lost but Engaged', meaning: 'Lost by RFM, but clicked an email or visited the store recently.' },
  { id: 'prospects', label: 'Prospects', meaning: 'A customer record with no counted order yet.' },
] as const;

export type RfmSegmentId = (typeof RFM_SEGMENTS)[number]['id'];
export type RfmGridSegmentId = Exclude<RfmSegmentId, 'lost-but-engaged' | 'prospects'>;

interface Rule {
  segment: RfmGridSegmentId;
  /** Plain-language condition, printed in docs/segments.md next to the rule. */
  when: string;
  test: (r: number, f: number, m: number) => boolean;
}

export const RFM_RULES: readonly Rule[] = [
  { segment: 'champions', when: 'R ≥ 4, F ≥ 4, M ≥ 4', test: (r, f, m) => r >= 4 && f >= 4 && m >= 4 },
  { segment: 'loyal-customers', when: 'R ≥ 3, F ≥ 3, M ≥ 3', test: (r, f, m) => r >= 3 && f >= 3 && m >= 3 },
  { segment: 'new-customers', when: 'R ≥ 4, F = 1, M ≤ 3', test: (r, f, m) => r >= 4 && f === 1 && m <= 3 },
  { segment: 'promising', when: 'R ≥ 4, F ≤ 2, M ≥ 4', test: (r, f, m) => r >= 4 && f <= 2 && m >= 4 },
  { segment: 'potential-loyalist', when: 'R ≥ 4 (the rest: F ≥ 2 with M ≤ 3)', test: (r) => r >= 4 },
  { segment: 'needs-attention', when: 'R = 3, F ≤ 2, M ≥ 3; or R = 2, F = 1, M ≥ 4', test: (r, f, m) => (r === 3 && f <= 2 && m >= 3) || (r === 2 && f === 1 && m >= 4) },
  { segment: 'about-to-sleep', when: 'R = 3 (the rest); or R = 2, F ≥ 2, with F + M ≤ 5 or M = 1', test: (r, f, m) => r === 3 || (r === 2 && f >= 2 && (f + m <= 5 || m === 1)) },
  { segment: 'cant-lose-them', when: 'R ≤ 2, F ≥ 4, M ≥ 4', test: (r, f, m) => r <= 2 && f >= 4 && m >= 4 },
  { segment: 'at-risk', when: 'R ≤ 2, F ≥ 2, M ≥ 2, F + M ≥ 6', test: (r, f, m) => r <= 2 && f >= 2 && m >= 2 && f + m >= 6 },
  { segment: 'hibernating', when: 'R = 2 (the rest: F = 1, M ≤ 3)', test: (r) => r === 2 },
  { segment: 'lost', when: 'R = 1 (the rest)', test: () => true },
];

function cellIndex(r: number, f: number, m: number): number {
  return (r - 1) * 25 + (f - 1) * 5 + (m - 1);
}

/** The full grid, precomputed: RFM_GRID[(r-1)*25 + (f-1)*5 + (m-1)]. */
export const RFM_GRID: readonly RfmGridSegmentId[] = (() => {
  const grid: RfmGridSegmentId[] = [];
  for (let r = 1; r <= 5; r++)
    for (let f = 1; f <= 5; f++)
      for (let m = 1; m <= 5; m++) grid.push(RFM_RULES.find((rule) => rule.test(r, f, m))!.segment);
  return grid;
})();

export function rfmCellSegment(r: number, f: number, m: number): RfmGridSegmentId {
  const s = RFM_GRID[cellIndex(r, f, m)];
  if (s === undefined) throw new RangeError(`RFM scores must be 1..5, got ${r}/${f}/${m}`);
  return s;
}

/** Rows for documentation: every cell with its segment, in R, F, M order. */
export function rfmGridRows(): Array<{ r: number; f: number; m: number; segment: RfmGridSegmentId }> {
  const rows = [];
  for (let r = 1; r <= 5; r++)
    for (let f = 1; f <= 5; f++)
      for (let m = 1; m <= 5; m++) rows.push({ r, f, m, segment: rfmCellSegment(r, f, m) });
  return rows;
}
