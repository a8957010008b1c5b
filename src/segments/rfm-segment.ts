// A customer's RFM segment: grid cell from the scores, Lost → Lost but Engaged on recent engagement,
// Prospects without orders; plus the next day the segment changes on its own (recency only).
import { DAY_MS } from './calendar.ts';
import type { CustomerSummary } from './customer-summary.ts';
import { rfmCellSegment } from './rfm-grid.ts';
import type { RfmSegmentId } from './rfm-grid.ts';
import { groupOf, rfmRecencyDays, rfmScores } from './rfm-scores.ts';
import type { RfmBreakpoints, RfmScores } from './rfm-scores.ts';
import type { ShopSettings } from './settings.ts';

export interface RfmResult {
  segment: RfmSegmentId;
  scores: RfmScores | null;
  /** Set for Lost but Engaged: what kept them engaged. */
  engagedBy: { kind: 'email-click' | 'visit'; at: number } | null;
}

function engagement(s: CustomerSummary, settings: ShopSettings, asOf: number): RfmResult['engagedBy'] {
  const click = s.lastEmailClickAt;
  if (click !== null && click <= asOf && asOf - click <= settings.rfm.engagedEmailClickDays * DAY_MS) return { kind: 'email-click', at: click };
  const visit = s.lastVisitAt;
  if (visit !== null && visit <= asOf && asOf - visit <= settings.rfm.engagedVisitDays * DAY_MS) return { kind: 'visit', at: visit };
  return null;
}

export function rfmSegment(s: CustomerSummary, b: RfmBreakpoints, settings: ShopSettings, asOf: number, asOfDay: number): RfmResult {
  if (s.orders === 0) return { segment: 'prospects', scores: null, engagedBy: null };
  const scores = rfmScores(b, rfmRecencyDays(b, s.lastDay, asOfDay), s.orders, s.spendMinor);
  const cell = rfmCellSegment(scores.r, scores.f, scores.m);
  if (cell === 'lost') {
    const engagedBy = engagement(s, settings, asOf);
    if (engagedBy !== null) return { segment: 'lost-but-engaged', scores, engagedBy };
  }
  return { segment: cell, scores, engagedBy: null };
}

/** First day after asOfDay on which the RFM segment differs with no new order, or null. */
export function nextRfmChangeDay(s: CustomerSummary, b: RfmBreakpoints, settings: ShopSettings, asOfDay: number, dayStart: (d: number) => number, current: RfmSegmentId): number | null {
  if (s.orders === 0) return null;
  const candidates = new Set<number>();
  // Recency cut points: the score drops the day after days-since-last-order passes a cut.
  // (Measured from a fixed reference day, recency does not change with time.)
  if (b.referenceDay === null) {
    for (let g = groupOf(b.recencyDays, asOfDay - s.lastDay); g < b.recencyDays.cuts.length; g++) candidates.add(s.lastDay + b.recencyDays.cuts[g]! + 1);
  }
  // Engagement windows lapsing (matters for Lost but Engaged).
  const addExpiry = (at: number | null, days: number): void => {
    if (at !== null) candidates.add(Math.floor((at + days * DAY_MS - dayStart(0)) / DAY_MS) + 1);
  };
  addExpiry(s.lastEmailClickAt, settings.rfm.engagedEmailClickDays);
  addExpiry(s.lastVisitAt, settings.rfm.engagedVisitDays);
  for (const day of [...candidates].filter((d) => d > asOfDay).sort((x, y) => x - y)) {
    if (rfmSegment(s, b, settings, dayStart(day), day).segment !== current) return day;
  }
  return null;
}
