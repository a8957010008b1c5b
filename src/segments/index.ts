// Public API of the pure segment engine, as the rest of the app uses it. Plain data in, plain data
// out; asOf is always passed in. (Inside src/ the engine's own modules may also be imported directly.)
export type { CustomerInput, NormalizedOrder } from './types.ts';
export { defaultShopSettings, safeParseShopSettings } from './settings.ts';
export type { ShopSettings } from './settings.ts';
export { calibrateShop, calibrateFromSummaries } from './calibrate-shop.ts';
export type { Calibration } from './calibrate-shop.ts';
export { segmentCustomer } from './segment-customer.ts';
export type { CustomerSegmentation, Membership } from './segment-customer.ts';
export { analyzeShop } from './analyze-shop.ts';
export type { ShopAnalysis } from './analyze-shop.ts';
export { summarizeCustomer, SummaryCompactor } from './customer-summary.ts';
export type { CustomerSummary } from './customer-summary.ts';
export { FAMILIES, SEGMENT_DEFINITIONS } from './tags.ts';
export { formatDay, asOfFromDate, asOfAfterLastOrder, DAY_MS } from './calendar.ts';
export { shopInsights, insightsFromCustomers, DEFAULT_INSIGHTS_OPTIONS } from './insights.ts';
export type { ShopInsights } from './insights.ts';
export { runBacktest, backtestSentence, backtestSentenceMsg, frequencyError } from './backtest.ts';
export type { BacktestFigures, BacktestResult } from './backtest.ts';
export type { CountModelKind } from './bgnbd.ts';
export { MODEL_NAMES } from './bgnbd.ts';
