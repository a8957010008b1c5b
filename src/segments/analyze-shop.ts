// Whole-shop analysis = calibrate, then segment every customer against that calibration — exactly
// what the pipeline does (calibrate, then recompute customers one by one), so counts agree.
// Each customer is summarised once; profiles are produced lazily so a million of them never sit
// in memory at once.
import { calibrateFromSummaries } from './calibrate-shop.ts';
import type { Calibration } from './calibrate-shop.ts';
import { summarizeAll } from './customer-summary.ts';
import { segmentSummary } from './segment-customer.ts';
import type { CustomerSegmentation } from './segment-customer.ts';
import type { ShopSettings } from './settings.ts';
import { FAMILIES } from './tags.ts';
import type { Family } from './tags.ts';
import type { CustomerInput } from './types.ts';

export type SegmentCounts = Record<Family, Record<string, number>>;

export interface ShopAnalysis {
  calibration: Calibration;
  counts: SegmentCounts;
  /** Re-iterable: each pass segments the customers again (same results every time). */
  profiles: Iterable<CustomerSegmentation>;
}

export interface AnalyzeOptions {
  /** Called every `progressEvery` customers while summarising and while segmenting. */
  onProgress?: (phase: 'summarize' | 'segment', done: number) => void;
  progressEvery?: number;
}

export function emptyCounts(): SegmentCounts {
  return Object.fromEntries(FAMILIES.map((f) => [f, {}])) as SegmentCounts;
}

export function countMemberships(counts: SegmentCounts, profile: CustomerSegmentation): void {
  for (const m of profile.memberships) counts[m.family][m.segment] = (counts[m.family][m.segment] ?? 0) + 1;
}

export function analyzeShop(customers: Iterable<CustomerInput>, settings: ShopSettings, asOf: number, options: AnalyzeOptions = {}): ShopAnalysis {
  const every = options.progressEvery ?? 100_000;
  const summaries = summarizeAll(customers, settings, asOf, (n) => { if (options.onProgress && n % every === 0) options.onProgress('summarize', n); });
  const calibration = calibrateFromSummaries(summaries, settings, asOf);
  const counts = emptyCounts();
  let done = 0;
  for (const s of summaries) {
    countMemberships(counts, segmentSummary(s, calibration, settings, asOf, undefined, { explanations: false, nextChange: false }));
    if (options.onProgress && ++done % every === 0) options.onProgress('segment', done);
  }
  const profiles: Iterable<CustomerSegmentation> = {
    *[Symbol.iterator]() {
      for (const s of summaries) yield segmentSummary(s, calibration, settings, asOf);
    },
  };
  return { calibration, counts, profiles };
}
