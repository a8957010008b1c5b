// Segment sizes per day for the Overview's "sizes over time" chart, so the chart is a few point reads
// whatever the shop's size instead of a walk through its segment events.
//
// One document per shop and month (`_id` "<shop>/<YYYY-MM>", `days` = { "YYYY-MM-DD": { segment key: members } }),
// so a 90-day window is 4 point reads by `_id` (the one query FerretDB 1.24 answers from an index)
// and a day's write rewrites one month (~30 days × the shop's segment keys).
// - Written from the aggregates: at the end of every whole-shop recompute (the nightly recalibration,
//   so every day gets one) with the counts it made live, and on each read of the chart for its last day
//   (the live counts) — a day's value is the last counts recorded that day.
// - A day without a record (no recompute ran, nobody looked) carries the previous recorded day's value.
// - Days before the first record are backfilled once per shop from the segment events (the chart's
//   former walk back from today's counts), marked by `backfilledThrough` on the shop's first-record document.
import { Schema, type Connection, type Model } from 'mongoose';
import { upsertRetrying } from './upsert-retrying.ts';

const COLLECTION = 'segment_size_days';
export const DAY_MS = 86_400_000;
/** How far back the one-time backfill reaches (the chart's longest window). */
export const BACKFILL_DAYS = 366;

interface MonthRecord { _id: string; shop: string; month: string; days: Record<string, Record<string, number>> }
interface MetaRecord { _id: string; shop: string; backfilledThrough?: string }

const monthSchema = new Schema<MonthRecord>({ _id: String, shop: String, month: String, days: Schema.Types.Mixed }, { collection: COLLECTION, versionKey: false, minimize: false });

/** The sizes the chart shows: segments with members (the RFM grid's cells are not charted). */
export const chartSizes = (members: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(members).filter(([k, n]) => n > 0 && !k.startsWith('rfm-cell/')));
export const dayKey = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const monthOf = (dayK: string): string => dayK.slice(0, 7);
const monthId = (shop: string, month: string): string => `${shop}/${month}`;
const metaId = (shop: string): string => `${shop}/meta`;

export class SegmentSizeHistory {
  readonly model: Model<MonthRecord>;

  constructor(conn: Connection) {
    this.model = (conn.models.SegmentSizeDays as Model<MonthRecord> | undefined) ?? conn.model<MonthRecord>('SegmentSizeDays', monthSchema);
  }

  /** Records `members` (segment key → customers) as day `day`'s sizes (days since the epoch, UTC). */
  async record(shop: string, day: number, members: Record<string, number>): Promise<void> {
    const k = dayKey(day);
    const positive = chartSizes(members);
    await upsertRetrying(() => this.model.collection.updateOne({ _id: monthId(shop, monthOf(k)) } as never, { $set: { [`days.${k}`]: positive }, $setOnInsert: { shop, month: monthOf(k) } } as never, { upsert: true }));
  }

  /** Records several days at once, never over a day already recorded (the backfill). */
  async recordMissing(shop: string, days: ReadonlyMap<number, Record<string, number>>): Promise<void> {
    const byMonth = new Map<string, Array<[string, Record<string, number>]>>();
    for (const [day, members] of days) {
      const k = dayKey(day);
      byMonth.set(monthOf(k), [...(byMonth.get(monthOf(k)) ?? []), [k, chartSizes(members)]]);
    }
    for (const [month, entries] of byMonth) {
      const doc = await this.model.findOne({ _id: monthId(shop, month) }).lean<MonthRecord>();
      const have = doc?.days ?? {};
      const set = Object.fromEntries(entries.filter(([k]) => !(k in have)).map(([k, v]) => [`days.${k}`, v]));
      if (!Object.keys(set).length) continue;
      await upsertRetrying(() => this.model.collection.updateOne({ _id: monthId(shop, month) } as never, { $set: set, $setOnInsert: { shop, month } } as never, { upsert: true }));
    }
  }

  /** Recorded days from `fromDay` to `toDay` (inclusive): day key → sizes; a few point reads. */
  async range(shop: string, fromDay: number, toDay: number): Promise<Map<string, Record<string, number>>> {
    const months = new Set<string>();
    for (let d = fromDay; d <= toDay; d += 28) months.add(monthOf(dayKey(d)));
    months.add(monthOf(dayKey(toDay)));
    const docs = await Promise.all([...months].map((m) => this.model.findOne({ _id: monthId(shop, m) }).lean<MonthRecord>()));
    const out = new Map<string, Record<string, number>>();
    const from = dayKey(fromDay);
    const to = dayKey(toDay);
    for (const d of docs) for (const [k, v] of Object.entries(d?.days ?? {})) if (k >= from && k <= to) out.set(k, v);
    return out;
  }

  /** The last day the one-time backfill covered, or null when it has not run for the shop. */
  async backfilledThrough(shop: string): Promise<string | null> {
    const m = await this.model.collection.findOne({ _id: metaId(shop) } as never) as unknown as MetaRecord | null;
    return m?.backfilledThrough ?? null;
  }

  async markBackfilled(shop: string, through: number): Promise<void> {
    await upsertRetrying(() => this.model.collection.updateOne({ _id: metaId(shop) } as never, { $set: { backfilledThrough: dayKey(through) }, $setOnInsert: { shop } } as never, { upsert: true }));
  }
}
