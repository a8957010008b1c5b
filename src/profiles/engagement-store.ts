// Engagement signals posted by support or an email tool: the last email click and the last store
// visit per customer. They feed "Lost but Engaged" (the engine's CustomerInput.engagement). Only
// instants are kept; a signal older than the stored one never moves it back.
import { Schema, type Connection, type Model } from 'mongoose';
import type { Engagement } from '../segments/types.ts';
import { shopScope } from './shard-keys.ts';
import { createMissingIndexes } from './missing-indexes.ts';

export interface EngagementDoc {
  shop: string;
  customerId: string;
  lastEmailClickAt: Date | null;
  lastVisitAt: Date | null;
  updatedAt: Date;
}

type EngagementRecord = EngagementDoc & { _id: string };
/** Keyed by shop and customer: point reads and writes on FerretDB and MongoDB alike. */
const engagementId = (shop: string, customerId: string): string => `${shop}/${customerId}`;

const schema = new Schema<EngagementRecord>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    customerId: { type: String, required: true },
    lastEmailClickAt: { type: Date, default: null },
    lastVisitAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'customer_engagement', versionKey: false },
);
// Query paths: one customer; a batch of customers of a shop.
schema.index({ shop: 1, customerId: 1 }, { unique: true });

export interface EngagementSignal {
  customerId: string;
  emailClickAt?: Date | null;
  visitAt?: Date | null;
}

export class EngagementStore {
  readonly model: Model<EngagementRecord>;
  constructor(conn: Connection) {
    this.model = (conn.models.CustomerEngagement as Model<EngagementRecord> | undefined) ?? conn.model<EngagementRecord>('CustomerEngagement', schema);
  }

  async init(): Promise<void> {
    await createMissingIndexes(this.model);
  }

  /** Upserts; each instant only moves forward ($max), so replays and late signals are harmless. */
  async record(shop: string, signals: readonly EngagementSignal[], now: Date): Promise<void> {
    if (!signals.length) return;
    await this.model.bulkWrite(
      signals.map((s) => {
        const max: Partial<Record<'lastEmailClickAt' | 'lastVisitAt', Date>> = {};
        if (s.emailClickAt) max.lastEmailClickAt = s.emailClickAt;
        if (s.visitAt) max.lastVisitAt = s.visitAt;
        return {
          updateOne: {
            filter: { _id: engagementId(shop, s.customerId) },
            update: { $max: max, $set: { updatedAt: now }, $setOnInsert: { shop, customerId: s.customerId } },
            upsert: true,
          },
        };
      }),
      { ordered: false },
    );
  }

  async forCustomer(shop: string, customerId: string): Promise<Engagement | null> {
    const d = await this.model.findOne({ _id: engagementId(shop, customerId) }).lean<EngagementDoc>();
    return d ? toEngagement(d) : null;
  }

  /** Engagement of many customers (recompute batches): customers without signals are absent. */
  async forCustomers(shop: string, customerIds: readonly string[]): Promise<Map<string, Engagement>> {
    if (!customerIds.length) return new Map();
    const docs = customerIds.length <= 64
      ? (await Promise.all(customerIds.map((id) => this.model.findOne({ _id: engagementId(shop, id) }).lean<EngagementDoc>()))).filter((d): d is EngagementDoc => d !== null)
      : await this.model.find({ _id: { $in: customerIds.map((id) => engagementId(shop, id)) } }).lean<EngagementDoc[]>();
    return new Map(docs.map((d) => [d.customerId, toEngagement(d)]));
  }

  async deleteCustomer(shop: string, customerId: string): Promise<void> {
    await this.model.deleteOne({ _id: engagementId(shop, customerId) });
  }

  async deleteShop(shop: string): Promise<void> {
    await this.model.deleteMany(shopScope('customer_engagement', shop));
  }
}

function toEngagement(d: EngagementDoc): Engagement {
  return { lastEmailClickAt: d.lastEmailClickAt ? d.lastEmailClickAt.getTime() : null, lastVisitAt: d.lastVisitAt ? d.lastVisitAt.getTime() : null };
}
