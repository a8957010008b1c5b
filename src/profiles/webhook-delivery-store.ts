// Durable webhook dedupe: one document per (shop, dedupe key), keyed `_id: "shop/key"` — the key is
// the event (X-Shopify-Event-Id, per topic) when the delivery names one, else X-Shopify-Webhook-Id
// (a point read and write on FerretDB and MongoDB alike), written once the delivery was processed. FerretDB has no TTL indexes, so expiry is
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

const schema = new Schema<WebhookDeliveryDoc & { _id: string }>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    webhookId: { type: String, required: true },
    topic: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { collection: 'webhook_deliveries', versionKey: false },
);
schema.index({ shop: 1, webhookId: 1 }, { unique: true });
schema.index({ receivedAt: 1 });

type DeliveryRecord = WebhookDeliveryDoc & { _id: string };
const deliveryId = (shop: string, key: string): string => `${shop}/${key}`;

/**
 * What a delivery is deduplicated on. Shopify's advice: X-Shopify-Event-Id — the same on every copy of
 * one event, including a copy that reaches the app through a second subscription with its own
 * X-Shopify-Webhook-Id (https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates). Scoped by topic
 * so distinct topics can never collide; a delivery without an event id falls back to its webhook id
 * (https://shopify.dev/docs/apps/build/webhooks/verify-deliveries).
 */
export function deliveryDedupeKey(d: { topic: string; webhookId: string; eventId?: string | null | undefined }): string {
  return d.eventId ? `event:${d.topic}:${d.eventId}` : d.webhookId;
}

export function webhookDeliveryModel(conn: Connection): Model<DeliveryRecord> {
  return (conn.models.WebhookDelivery as Model<DeliveryRecord> | undefined) ?? conn.model<DeliveryRecord>('WebhookDelivery', schema);
}

export class WebhookDeliveryStore {
  readonly model: Model<DeliveryRecord>;
  constructor(conn: Connection) {
    this.model = webhookDeliveryModel(conn);
  }

  /** true when this delivery (by its deliveryDedupeKey) was already processed successfully. */
  async seen(shop: string, key: string): Promise<boolean> {
    return (await this.model.exists({ _id: deliveryId(shop, key) })) !== null;
  }

  /**
   * Records a delivery as done. Called only after its handler succeeded: a delivery whose processing
   * failed (database down, process killed) leaves no record, so Shopify's retry is processed instead of
   * being answered "duplicate". Two copies in flight at once may both be processed — every handler is
   * idempotent — and the second record is ignored by the unique index.
   */
  async markDelivered(shop: string, key: string, webhookId: string, topic: string, now: Date): Promise<void> {
    try {
      await this.model.collection.insertOne({ _id: deliveryId(shop, key), shop, webhookId, topic, receivedAt: now } as never);
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }

  async deleteExpiredDeliveries(now: Date, retentionMs = DELIVERY_RETENTION_MS): Promise<number> {
    return (await this.model.deleteMany({ receivedAt: { $lt: new Date(now.getTime() - retentionMs) } })).deletedCount;
  }
}
