// What the app keeps inside a shop's Shopify admin, per shop: the native segments it created (their
// Shopify ids, recorded after each call so a crashed reconcile resumes: src/shopify/native-segments.ts),
// the last reconcile's report, whether the customer metafield definition exists, and Flow trigger
// counters. One document per shop (`_id` = shop, point operations); it carries `shop`, so shop/redact
// erases it with everything else (shop-data-eraser.ts). Keys of `segments` are "family--segment" (no '.').
import { Schema, type Connection, type Model } from 'mongoose';
import type { NativeSegmentRecord, NativeSegmentRecords, ReconcileReport } from '../shopify/native-segments.ts';

export interface ShopifyObjectsDoc {
  _id: string;
  shop: string;
  segments: Record<string, NativeSegmentRecord>;
  segmentsReport: (ReconcileReport & { at: Date }) | null;
  /** The $app:segments customer metafield definition (its Shopify id), once created. */
  metafieldDefinitionId: string | null;
  updatedAt: Date;
}

const schema = new Schema<ShopifyObjectsDoc>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    segments: { type: Schema.Types.Mixed, default: {} },
    segmentsReport: { type: Schema.Types.Mixed, default: null },
    metafieldDefinitionId: { type: String, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'shopify_objects', versionKey: false, minimize: false },
);

const SAFE_KEY = /^[a-z0-9-]+$/;

export class ShopifyObjectsStore {
  readonly model: Model<ShopifyObjectsDoc>;
  constructor(conn: Connection) {
    this.model = (conn.models.ShopifyObjects as Model<ShopifyObjectsDoc> | undefined) ?? conn.model<ShopifyObjectsDoc>('ShopifyObjects', schema);
  }

  async get(shop: string): Promise<ShopifyObjectsDoc | null> {
    return this.model.findOne({ _id: shop }).lean<ShopifyObjectsDoc>();
  }

  /** The records of one shop's native segments, each write a single atomic field update. */
  segmentRecords(shop: string): NativeSegmentRecords {
    const field = (key: string) => {
      if (!SAFE_KEY.test(key)) throw new RangeError(`invalid segment key ${key}`);
      return `segments.${key}`;
    };
    return {
      list: async () => new Map(Object.entries((await this.get(shop))?.segments ?? {})),
      put: async (rec) => {
        await this.model.updateOne({ _id: shop }, { $set: { [field(rec.key)]: rec, updatedAt: new Date() }, $setOnInsert: { shop } }, { upsert: true });
      },
      remove: async (key) => {
        await this.model.updateOne({ _id: shop }, { $unset: { [field(key)]: '' }, $set: { updatedAt: new Date() } });
      },
    };
  }

  async recordSegmentsReport(shop: string, report: ReconcileReport, at: Date): Promise<void> {
    await this.model.updateOne({ _id: shop }, { $set: { segmentsReport: { ...report, at }, updatedAt: at }, $setOnInsert: { shop } }, { upsert: true });
  }

  async recordMetafieldDefinition(shop: string, id: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: shop }, { $set: { metafieldDefinitionId: id, updatedAt: at }, $setOnInsert: { shop } }, { upsert: true });
  }
}
