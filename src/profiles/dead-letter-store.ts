// Deliveries with a valid signature that we could not use (bad payload, unknown or uninstalled shop):
// answered 200 so Shopify stops retrying, kept here for support. Personal fields are stripped first;
// the payload is stored as JSON text because raw keys may contain '.' (not allowed on FerretDB).
import { Schema, type Connection, type Model } from 'mongoose';
import { stripPersonalData } from './strip-personal-data.ts';

const MAX_PAYLOAD_CHARS = 64 * 1024;

/** Dead letters are for support to look at soon after; they expire (maintenance queue) after this. */
export const DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600_000;

export interface DeadLetterDoc {
  shop: string;
  webhookId: string;
  topic: string;
  reason: string;
  /** The customer the payload names, if any, so a customers/redact erases the dead letter too. */
  customerId: string | null;
  payloadJson: string;
  truncated: boolean;
  receivedAt: Date;
}

const schema = new Schema<DeadLetterDoc>(
  {
    shop: { type: String, required: true },
    webhookId: { type: String, required: true },
    topic: { type: String, required: true },
    reason: { type: String, required: true },
    customerId: { type: String, default: null },
    payloadJson: { type: String, required: true },
    truncated: Boolean,
    receivedAt: { type: Date, required: true },
  },
  { collection: 'webhook_dead_letters', versionKey: false },
);
schema.index({ shop: 1, webhookId: 1 }, { unique: true });
schema.index({ shop: 1, receivedAt: -1 });
schema.index({ shop: 1, customerId: 1 });
schema.index({ receivedAt: 1 });

export function deadLetterModel(conn: Connection): Model<DeadLetterDoc> {
  return (conn.models.WebhookDeadLetter as Model<DeadLetterDoc> | undefined) ?? conn.model<DeadLetterDoc>('WebhookDeadLetter', schema);
}

export interface DeadLetterInput {
  shop: string;
  webhookId: string;
  topic: string;
  reason: string;
  customerId?: string | null;
  /** Parsed payload (stripped here) or the raw text when it did not parse (kept only as a length). */
  payload: unknown;
}

export class DeadLetterStore {
  readonly model: Model<DeadLetterDoc>;
  constructor(conn: Connection) {
    this.model = deadLetterModel(conn);
  }

  /** Idempotent per (shop, webhookId). */
  async record(input: DeadLetterInput, now: Date): Promise<void> {
    const json = JSON.stringify(stripPersonalData(input.payload)) ?? 'null';
    const truncated = json.length > MAX_PAYLOAD_CHARS;
    await this.model.updateOne(
      { shop: input.shop, webhookId: input.webhookId },
      { $setOnInsert: {
        topic: input.topic, reason: input.reason, customerId: input.customerId ?? null,
        payloadJson: truncated ? json.slice(0, MAX_PAYLOAD_CHARS) : json, truncated, receivedAt: now,
      } },
      { upsert: true },
    );
  }

  async list(shop: string, limit = 50): Promise<DeadLetterDoc[]> {
    return this.model.find({ shop }).sort({ receivedAt: -1 }).limit(limit).lean<DeadLetterDoc[]>();
  }

  async count(shop: string): Promise<number> {
    return this.model.countDocuments({ shop });
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await this.model.deleteMany({ receivedAt: { $lt: cutoff } })).deletedCount;
  }
}
