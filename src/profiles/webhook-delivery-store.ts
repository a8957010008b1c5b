// Durable webhook dedupe: one document per (shop, X-Shopify-Webhook-Id). The unique index makes the
// first claim win even under concurrent duplicates. FerretDB has no TTL indexes, so expiry is
// deleteExpiredDeliveries(), which the pipeline schedules (kept ≥ 7 days: Shopify retries for 4 h and
// can deliver up to a day late).
import { Schema, type Connection, type Model } from 'mongoose';

export const DELIVERY_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;

export interface WebhookDeliveryDoc {
  shop: string;
  webhookId: string;
  topic: string;
  receivedAt: Date;
}

const schema = new Schema<WebhookDeliveryDoc>(
  {
    shop: { type: String, required: true },
    webhookId: { type: String, required: true },
    topic: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { collection: 'webhook_deliveries', versionKey: false },
);
schema.index({ shop: 1, webhookId: 1 }, { unique: true });
schema.index({ receivedAt: 1 });

export function webhookDeliveryModel(conn: Connection): Model<WebhookDeliveryDoc> {
  return (conn.models.WebhookDelivery as Model<WebhookDeliveryDoc> | undefined) ?? conn.model<WebhookDeliveryDoc>('WebhookDelivery', schema);
}

export class WebhookDeliveryStore {
  readonly model: Model<WebhookDeliveryDoc>;
  constructor(conn: Connection) {
    this.model = webhookDeliveryModel(conn);
  }

  /** true when this delivery is seen for the first time (and is now recorded), false for a duplicate. */
  async claim(shop: string, webhookId: string, topic: string, now: Date): Promise<boolean> {
    try {
      await this.model.create({ shop, webhookId, topic, receivedAt: now });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  /** Undo a claim when processing failed, so Shopify's retry is processed rather than skipped. */
  async release(shop: string, webhookId: string): Promise<void> {
    await this.model.deleteOne({ shop, webhookId });
  }

  async deleteExpiredDeliveries(now: Date, retentionMs = DELIVERY_RETENTION_MS): Promise<number> {
    return (await this.model.deleteMany({ receivedAt: { $lt: new Date(now.getTime() - retentionMs) } })).deletedCount;
  }
}
