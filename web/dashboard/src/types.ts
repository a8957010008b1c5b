// Shapes of the admin API's answers (see web/admin/api.ts and its resource routers).
import type { ExplanationMsg } from './explanations.ts';
export interface SegmentSlice { segment: string; label: string; customers: number; revenueMinor: number; revenueShare: number }
export interface Overview {
  shop: string;
  currency: string;
  customers: number;
  revenueMinor: number;
  families: Array<{ family: string; segments: SegmentSlice[] }>;
  rfmGrid: { counts: number[][]; scored: number };
}
export interface Sizes { family: string; days: string[]; series: Array<{ segment: string; label: string; sizes: number[] }> }
export interface ThresholdsView {
  currency: string;
  current: null | {
    date: string; calibratedAt: string; reason: string; reasonMsg?: ExplanationMsg | null; buyers: number;
    lines: Array<{ key: string; name: string; value: string; meaning: string; valueMsg?: ExplanationMsg | null; meaningMsg?: ExplanationMsg | null }>;
    rfm: Array<{ dimension: string; bands: Array<{ score: number; range: string; rangeMsg?: ExplanationMsg | null }> }>;
    changes: Array<{ name: string; label: string; from: number; to: number; fromText: string; toText: string }>;
  };
  history: Array<{ date: string; calibratedAt: string; reason: string; reasonMsg?: ExplanationMsg | null; buyers: number; frequentMinOrders: number | null; vipMinOrders: number | null; vipMinSpendMinor: number | null }>;
}
export interface CustomerView {
  customerId: string;
  asOf: string;
  computedAt: string;
  metrics: Record<string, unknown>;
  predictions: Record<string, unknown>;
  replenishment: unknown;
  memberships: Array<{ family: string; segment: string; label: string; tag: string; explanation: string; explanationMsg?: ExplanationMsg | null; meaning: string }>;
  history: Array<{ at: string; change: 'entered' | 'left'; family: string; segment: string; label: string; tag: string; explanation: string; explanationMsg?: ExplanationMsg | null }>;
  tagsApplied: string[];
  tagsDesired: string[];
  tagsPending: boolean;
  engagement: { lastEmailClickAt: number | null; lastVisitAt: number | null } | null;
}
export interface ResyncView {
  jobId: string; state: string; requestedBy: string | null; percent: number;
  progress: { percent: number; phase: string; counts: { customers: number; orders: number; profiles: number; tagsPending: number } } | null;
  enqueuedAt: string; startedAt: string | null; finishedAt: string | null; failedReason: string | null; attemptsMade: number;
}
/** The web pixel's activation, as GET /api/signals and GET /api/sync give it (web/admin/signals.ts). */
export interface WebPixelView { activated: boolean; id: string | null; lastPass: { action: string; at: string; errors: Array<{ code: string | null; message: string }>; errorMsgs?: ExplanationMsg[] } | null }
export interface SyncView {
  lastResync: ResyncView | null;
  lastCalibration: { at: string; reason: string; reasonMsg?: ExplanationMsg | null; buyers: number } | null;
  queueDepth: Record<string, { waiting: number; active: number; delayed: number; failed: number }>;
  failures: Array<{ queue: string; jobId: string; name: string; customerId: string | null; failedReason: string; failedAt: string | null; attemptsMade: number }>;
  deadLetters: Array<{ webhookId: string; topic: string; reason: string; reasonMsg?: ExplanationMsg | null; receivedAt: string }>;
  profiles: number;
  tagsPending: number;
  access: { scopes: string[]; readAllOrders: boolean; checkedAt: string | null };
  /** The web pixel's last activation pass (pages/Signals.tsx). */
  webPixel?: WebPixelView;
}
export interface SettingsPreview {
  asOf: string; customers: number; wouldChange: number; unchanged: number;
  tagsAdded: Array<{ tag: string; customers: number }>;
  tagsRemoved: Array<{ tag: string; customers: number }>;
  examples: Array<{ customerId: string; add: string[]; remove: string[] }>;
  /** A tag-prefix change: the merchant tags on Shopify it would capture (the save is refused while any). */
  prefix: { from: string; to: string; changed: boolean; captured: string[]; complete: boolean };
}
/** POST /settings/preview and GET /settings/preview/:jobId: the dry run runs as a job. */
export interface PreviewJob {
  jobId: string; state: string; percent: number; settingsHash: string; busy?: boolean;
  result: SettingsPreview | null; failedReason: string | null;
}
export interface ModelCheckView {
  date: string | null;
  model: string;
  reason: string;
  reasonMsg?: ExplanationMsg | null;
  sentence: string | null;
  sentenceMsg?: ExplanationMsg | null;
  backtest: null | {
    split: string; until: string; holdoutDays: number; customers: number; selected: string | null;
    figures: {
      predicted: number; actual: number; errorPct: number;
      byFrequency: Array<{ x: number | '7+'; customers: number; predicted: number; actual: number }>;
      churn: { brier: number; calibration: Array<{ bucket: string; customers: number; predicted: number; actual: number }> };
      spend: { predictedMinor: number; actualMinor: number };
    };
  };
}
export interface InsightsView {
  currency: string;
  calibratedAt: string | null;
  insights: null | {
    date: string;
    windowDays: number;
    minCustomers: number;
    minBestBuyers: number;
    shop: { customers: number; repeaters: number; repeatRate: number | null; repeatRateCi: [number, number] | null; meanClv12mMinor: number | null; buyers: number; bestCustomers: number; products: number };
    gatewayProducts: Array<{ product: string; customers: number; repeaters: number; repeatRate: number; repeatRateCi: [number, number]; meanClv12mMinor: number; explanation: string; explanationMsg?: ExplanationMsg | null }>;
    bestCustomerProducts: Array<{ product: string; buyers: number; bestBuyers: number; bestShare: number; shopShare: number; lift: number; explanation: string }>;
    reorder: Array<{ product: string; intervalDays: number; q1: number; q3: number; customers: number; buyers: number; reorderRate: number; explanation: string }>;
    notes: string[];
    noteMsgs?: ExplanationMsg[];
  };
}
