// Web-pixel visitors per client id (the pixel's browser id), until the same client logs in or checks
// out: then the client is linked to the customer and what it gathered moves to the customer's
// engagement. Only aggregates are kept (last visit, last cart, viewed product ids) — never raw events,
// pages, IPs or user agents. A client that never becomes a customer is forgotten after
// CLIENT_RETENTION_MS (deleteIdle, run by the daily maintenance).
import { createMissingIndexes } from './missing-indexes.ts';
import { Schema, type Connection, type Model } from 'mongoose';
import { MAX_VIEWED } from './engagement-store.ts';
import { shopScope } from './shard-keys.ts';

export interface PixelClientDoc {
  shop: string;
  clientId: string;
  /** Set once the client was seen logged in (or checking out) as this customer. */
  customerId: string | null;
  lastVisitAt: Date | null;
  lastCartAt: Date | null;
  viewedProducts: string[];
  updatedAt: Date;
}

type Record_ = PixelClientDoc & { _id: string };
const clientDocId = (shop: string, clientId: string): string => `${shop}/${clientId}`;

const schema = new Schema<Record_>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    clientId: { type: String, required: true },
    customerId: { type: String, default: null },
    lastVisitAt: { type: Date, default: null },
    lastCartAt: { type: Date, default: null },
    viewedProducts: { type: [String], default: [] },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'pixel_clients', versionKey: false },
);
schema.index({ shop: 1, updatedAt: 1 });

export const CLIENT_RETENTION_MS = 180 * 86_400_000;

export interface ClientAggregate {
  visitAt: Date | null;
  cartAt: Date | null;
  viewedProducts: readonly string[];
}

export class PixelClientStore {
  readonly model: Model<Record_>;
  constructor(conn: Connection) {
    this.model = (conn.models.PixelClient as Model<Record_> | undefined) ?? conn.model<Record_>('PixelClient', schema);
  }

  async init(): Promise<void> {
    await createMissingIndexes(this.model);
  }

  /**
   * Adds an anonymous client's aggregate; returns the customer it is linked to (then the caller records
   * the signal on the customer instead, and nothing more is kept here), or null.
   */
  async record(shop: string, clientId: string, a: ClientAggregate, now: Date): Promise<string | null> {
    const id = clientDocId(shop, clientId);
    const linked = await this.model.findOne({ _id: id }, { customerId: 1 }).lean<{ customerId: string | null }>();
    if (linked?.customerId) return linked.customerId;
    const max: Record<string, Date> = {};
    if (a.visitAt) max.lastVisitAt = a.visitAt;
    if (a.cartAt) max.lastCartAt = a.cartAt;
    const viewed = a.viewedProducts.slice(0, MAX_VIEWED);
    await this.model.updateOne(
      { _id: id },
      { $max: max, $set: { updatedAt: now }, $setOnInsert: { shop, clientId, customerId: null }, ...(viewed.length ? { $addToSet: { viewedProducts: { $each: viewed } } } : {}) },
      { upsert: true },
    );
    return null;
  }

  /**
   * Links the client to the customer (a logged-in event, a checkout) and returns what it gathered
   * before, for the caller to add to the customer's engagement. Idempotent: a second link returns the
   * same aggregate, which only moves dates forward again ($max), changing nothing.
   */
  async link(shop: string, clientId: string, customerId: string, now: Date): Promise<ClientAggregate | null> {
    const before = await this.model.findOneAndUpdate(
      { _id: clientDocId(shop, clientId) },
      { $set: { customerId, updatedAt: now }, $setOnInsert: { shop, clientId, lastVisitAt: null, lastCartAt: null, viewedProducts: [] } },
      { upsert: true, returnDocument: 'before' },
    ).lean<PixelClientDoc | null>();
    if (!before || (before.customerId !== null && before.customerId !== customerId && before.customerId !== undefined)) return null;
    return { visitAt: before.lastVisitAt, cartAt: before.lastCartAt, viewedProducts: before.viewedProducts ?? [] };
  }

  /** Clients not seen for CLIENT_RETENTION_MS and never linked: forgotten. */
  async deleteIdle(now: Date): Promise<number> {
    const r = await this.model.deleteMany({ customerId: null, updatedAt: { $lt: new Date(now.getTime() - CLIENT_RETENTION_MS) } });
    return r.deletedCount;
  }

  async deleteShop(shop: string): Promise<void> {
    await this.model.deleteMany(shopScope('pixel_clients', shop));
  }
}
