// RFM scores 1–5 by quintiles within the shop.
//
// Ties are never split: every customer with the same value gets the same score, so scores cannot
// depend on input order. Plain quantile cut points collapse when values are heavily tied (60 % of
// buyers with one order puts the 20th, 40th and 60th percentiles all at "1 order"), so the cut points
// are placed between *distinct* values instead: the k-th cut goes after the distinct value whose
// cumulative share is closest to k/5, keeping at least one distinct value for every score still to
// come. With five or more distinct values all five scores are used; with fewer, the distinct values
// are spread over 1..5 (two values → 1 and 5).

export interface ScoreScale {
  /** Ascending cut values: a value v falls in group i = number of cuts strictly below v. */
  cuts: number[];
  /** Score of each group (length cuts.length + 1). */
  scores: number[];
}

export interface RfmBreakpoints {
  /** Days since the last order; fewer days score higher. */
  recencyDays: ScoreScale;
  /** Counted orders. */
  frequency: ScoreScale;
  /** Total spend, minor units. */
  monetaryMinor: ScoreScale;
  /** Day recency is measured from when settings.rfm.recencyReference is 'latest-order'; null = asOf. */
  referenceDay: number | null;
}

/** Days since the last order as RFM sees it (never negative). */
export function rfmRecencyDays(b: RfmBreakpoints, lastDay: number, asOfDay: number): number {
  return Math.max(0, (b.referenceDay ?? asOfDay) - lastDay);
}

export interface RfmScores {
  r: number;
  f: number;
  m: number;
}

/** Builds a scale from values sorted ascending. lowerIsBetter reverses the scores (recency). */
export function quintileScale(sorted: ArrayLike<number>, lowerIsBetter: boolean): ScoreScale {
  const n = sorted.length;
  const distinct: number[] = [];
  const cumShare: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = sorted[i]!;
    if (i + 1 < n && sorted[i + 1] === v) continue;
    distinct.push(v);
    cumShare.push((i + 1) / n);
  }
  const k = distinct.length;
  let cuts: number[];
  let ascendingScores: number[];
  if (k === 0) {
    cuts = [];
    ascendingScores = [lowerIsBetter ? 5 : 1];
    return { cuts, scores: ascendingScores };
  }
  if (k < 5) {
    cuts = distinct.slice(0, k - 1);
    ascendingScores = distinct.map((_, i) => (k === 1 ? 1 : 1 + Math.round((4 * i) / (k - 1))));
  } else {
    cuts = [];
    let prev = -1;
    for (let q = 1; q <= 4; q++) {
      const target = q / 5;
      const hi = k - 6 + q; // leave one distinct value for each later group
      let best = prev + 1;
      for (let j = prev + 1; j <= hi; j++) {
        if (Math.abs(cumShare[j]! - target) < Math.abs(cumShare[best]! - target)) best = j;
        if (cumShare[j]! > target) break; // shares only grow from here
      }
      cuts.push(distinct[best]!);
      prev = best;
    }
    ascendingScores = [1, 2, 3, 4, 5];
  }
  const scores = lowerIsBetter ? ascendingScores.map((s) => 6 - s) : ascendingScores;
  return { cuts, scores };
}

/** Group index of a value: the number of cuts strictly below it. */
export function groupOf(scale: ScoreScale, value: number): number {
  let i = 0;
  while (i < scale.cuts.length && scale.cuts[i]! < value) i++;
  return i;
}

export function scoreOf(scale: ScoreScale, value: number): number {
  return scale.scores[groupOf(scale, value)]!;
}

export function rfmScores(b: RfmBreakpoints, daysSinceLastOrder: number, orders: number, spendMinor: number): RfmScores {
  return { r: scoreOf(b.recencyDays, daysSinceLastOrder), f: scoreOf(b.frequency, orders), m: scoreOf(b.monetaryMinor, spendMinor) };
}
