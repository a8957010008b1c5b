// Per-shop aggregates the Overview reads in one point read instead of a scan of every profile:
// customers and revenue in total and per segment key ("family/segment", and the RFM grid's
// "rfm-cell/rXfY"). Rebuilt from the profiles at every whole-shop recompute; between recomputes each
// profile save or delete adds its difference (before → after) with one `$inc`. The difference is
// computed from the profile the writer replaced, so a retried job whose profile is already written
// adds nothing a second time. A shop without the document (profiles written before it existed) gets it
// derived from a scan on first read (CustomerProfileStore.derivedState).
import { Schema, type Connection, type Model } from 'mongoose';
import type { BrowserKeys } from './segment-browser-keys.ts';
import type { MemberChange } from './segment-member-index.ts';

const COLLECTION = 'shop_aggregates';

export interface ShopAggregates {
  customers: number;
  revenueMinor: number;
  /** Customers per segment key. */
  members: Record<string, number>;
  /** Summed spend (minor units) of the members per segment key. */
  revenue: Record<string, number>;
}
type AggregatesRecord = ShopAggregates & { _id: string; shop: string };

const schema = new Schema<AggregatesRecord>(
  { _id: String, shop: String, customers: Number, revenueMinor: Number, members: Schema.Types.Mixed, revenue: Schema.Types.Mixed },
  { collection: COLLECTION, versionKey: false, minimize: false },
);

const spendOf = (k: BrowserKeys): number => (k.bySpend > 0 ? k.bySpend : 0);

/** Adds (sign 1) or removes (sign -1) one customer's share of the aggregates to `into`. */
function addShare(into: ShopAggregates, k: BrowserKeys | null, sign: 1 | -1): void {
  if (!k) return;
  into.customers += sign;
  into.revenueMinor += sign * spendOf(k);
  for (const seg of new Set(k.segmentKeys)) {
    into.members[seg] = (into.members[seg] ?? 0) + sign;
    into.revenue[seg] = (into.revenue[seg] ?? 0) + sign * spendOf(k);
  }
}

const empty = (): ShopAggregates => ({ customers: 0, revenueMinor: 0, members: {}, revenue: {} });

/** The aggregates of these customers, from scratch. */
export function deriveAggregates(members: Iterable<{ keys: BrowserKeys }>): ShopAggregates {
  const a = empty();
  for (const m of members) addShare(a, m.keys, 1);
  return a;
}

export class ShopAggregatesStore {
  readonly model: Model<AggregatesRecord>;

  constructor(conn: Connection) {
    this.model = (conn.models.ShopAggregates as Model<AggregatesRecord> | undefined) ?? conn.model<AggregatesRecord>('ShopAggregates', schema);
  }

  async get(shop: string): Promise<ShopAggregates | null> {
    const d = await this.model.findOne({ _id: shop }, { _id: 0, shop: 0 }).lean<ShopAggregates>();
    return d ? { customers: d.customers ?? 0, revenueMinor: d.revenueMinor ?? 0, members: d.members ?? {}, revenue: d.revenue ?? {} } : null;
  }

  async replace(shop: string, a: ShopAggregates): Promise<void> {
    await this.model.collection.replaceOne({ _id: shop } as never, { shop, ...a } as never, { upsert: true });
  }

  /** Adds the net difference of these changes in one `$inc` (nothing when they cancel out). */
  async apply(shop: string, changes: readonly MemberChange[]): Promise<void> {
    const d = empty();
    for (const c of changes) {
      addShare(d, c.before, -1);
      addShare(d, c.after, 1);
    }
    const inc: Record<string, number> = {};
    if (d.customers) inc.customers = d.customers;
    if (d.revenueMinor) inc.revenueMinor = d.revenueMinor;
    for (const [seg, n] of Object.entries(d.members)) if (n) inc[`members.${seg}`] = n;
    for (const [seg, n] of Object.entries(d.revenue)) if (n) inc[`revenue.${seg}`] = n;
    if (!Object.keys(inc).length) return;
    // No upsert: a shop without aggregates gets them derived whole on first read (a partial sum would be wrong).
    await this.model.updateOne({ _id: shop }, { $inc: inc });
  }
}
