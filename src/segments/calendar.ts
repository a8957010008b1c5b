// Calendar days in the shop's fixed UTC offset. Same-day purchases, recency and all day-based
// windows are counted in whole days, so a customer's numbers do not drift within a day.
import type { ShopSettings } from './settings.ts';

export const DAY_MS = 86_400_000;

/** Day index (days since 1970-01-01 in the shop's offset) of an instant. */
export function dayOf(instant: number, settings: Pick<ShopSettings, 'utcOffsetMinutes'>): number {
  return Math.floor((instant + settings.utcOffsetMinutes * 60_000) / DAY_MS);
}

/** The instant at which a day (in the shop's offset) begins. */
export function startOfDay(day: number, settings: Pick<ShopSettings, 'utcOffsetMinutes'>): number {
  return day * DAY_MS - settings.utcOffsetMinutes * 60_000;
}

/** YYYY-MM-DD of a day index, for explanations a store owner reads. */
const dayTexts = new Map<number, string>();

export function formatDay(day: number): string {
  let text = dayTexts.get(day);
  if (text === undefined) {
    text = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayTexts.size < 50_000) dayTexts.set(day, text);
  }
  return text;
}

/**
 * What an as-of date given as YYYY-MM-DD means everywhere (`segments analyze --as-of`, `npm run demo
 * --as-of`): the last millisecond of that UTC day, so orders placed on it still count and recency is
 * measured at its end. Null when the text is not a real date.
 */
export function asOfFromDate(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(start).toISOString().slice(0, 10) !== text) return null;
  return start + DAY_MS - 1;
}

/** The default as-of of a log without one: the end of the UTC day of its last order. */
export function asOfAfterLastOrder(lastOrderAt: number): number {
  return Math.floor(lastOrderAt / DAY_MS) * DAY_MS + DAY_MS - 1;
}
