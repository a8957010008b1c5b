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
