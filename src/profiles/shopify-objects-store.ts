// What the app keeps inside a shop's Shopify admin, per shop: the native segments it created (their
// Shopify ids, recorded after each call so a crashed reconcile resumes: src/shopify/native-segments.ts),
// the last reconcile's report, whether the customer metafield definition exists, and Flow trigger
// counters, and the app's web pixel (its Shopify id and the last activation's report:
// src/shopify/web-pixel.ts). One document per shop (`_id` = shop, point operations); it carries `shop`, so shop/redact
// erases it with everything else (shop-data-eraser.ts). Keys of `segments` are "family--segment" (no '.').
import { Schema, type Connection, type Model } from 'mongoose';
import type { NativeSegmentRecord, NativeSegmentRecords, ReconcileReport } from '../shopify/native-segments.ts';
import type { WebPixelReport } from '../shopify/web-pixel.ts';

export interface ShopifyObjectsDoc {
  _id: string;
  shop: string;
  segments: Record<string, NativeSegmentRecord>;
  segmentsReport: (ReconcileReport & { at: Date }) | null;
  /** The $app:segments customer metafield definition (its Shopify id), once created. */
  metafieldDefinitionId: string | null;
  /** The app's WebPixel gid once Shopify has one (kept when a later pass fails). */
  webPixelId?: string | null;
  /** The last activation pass: what it did or why Shopify refused. */
  webPixelReport?: (WebPixelReport & { at: Date }) | null;
  updatedAt: Date;
}

const schema = new Schema<ShopifyObjectsDoc>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    segments: { type: Schema.Types.Mixed, default: {} },
    segmentsReport: { type: Schema.Types.Mixed, default: null },
    metafieldDefinitionId: { type: String, default: null },
    webPixelId: { type: String, default: null },
    webPixelReport: { type: Schema.Types.Mixed, default: null },
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

  /** The last web pixel pass; the pixel id is kept from the report when it names one. */
  async recordWebPixel(shop: string, report: WebPixelReport, at: Date): Promise<void> {
    const set: Record<string, unknown> = { webPixelReport: { ...report, at }, updatedAt: at };
    if (report.id) set.webPixelId = report.id;
    await this.model.updateOne({ _id: shop }, { $set: set, $setOnInsert: { shop } }, { upsert: true });
  }
}
