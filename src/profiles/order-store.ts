// Orders as the engine needs them (NormalizedOrder, no personal data), one document per (shop, orderId).
// Webhooks arrive out of order and late: a write only lands if it is at least as new (updatedAt) as
// what is stored, so stale versions are no-ops and a replay of the same version rewrites the same data
// (and is reported 'written', so a retried delivery still requests its recompute). No transactions:
// the conditional upsert is atomic.
import { Schema, type Connection, type Model } from 'mongoose';
import type { FinancialStatus, NormalizedOrder, OrderLineItem } from '../segments/types.ts';

export interface OrderDoc {
  shop: string;
  orderId: string;
  customerId: string | null;
  createdAt: Date;
  processedAt: Date;
  cancelledAt: Date | null;
  updatedAt: Date;
  test: boolean;
  financialStatus: FinancialStatus;
  netMinor: number;
  grossMinor: number;
  currency: string;
  discountCodes: string[];
  sourceName: string | null;
  tags: string[];
  b2b: boolean;
  lineItems: OrderLineItem[];
  /** Tombstone: orders/delete keeps the key so a late orders/updated cannot resurrect the order. */
  deleted: boolean;
}

/** A tombstone's updatedAt: later than any real version, so every future upsert is stale. */
const TOMBSTONE_AT = new Date('9999-12-31T00:00:00Z');

const schema = new Schema<OrderDoc>(
  {
    shop: { type: String, required: true },
    orderId: { type: String, required: true },
    customerId: { type: String, default: null },
    createdAt: { type: Date, required: true },
    processedAt: { type: Date, required: true },
    cancelledAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
    test: Boolean,
    financialStatus: String,
    netMinor: Number,
    grossMinor: Number,
    currency: String,
    discountCodes: [String],
    sourceName: { type: String, default: null },
    tags: [String],
    b2b: Boolean,
    lineItems: [{ _id: false, productId: String, variantId: String, sku: String, quantity: Number }],
    deleted: { type: Boolean, default: false },
  },
  { collection: 'orders', versionKey: false, timestamps: false, minimize: false },
);
schema.index({ shop: 1, orderId: 1 }, { unique: true });
schema.index({ shop: 1, customerId: 1, processedAt: 1 });

export function orderModel(conn: Connection): Model<OrderDoc> {
  return (conn.models.Order as Model<OrderDoc> | undefined) ?? conn.model<OrderDoc>('Order', schema);
}

export type UpsertOutcome = 'written' | 'stale';

function toDoc(shop: string, o: NormalizedOrder): Omit<OrderDoc, 'deleted'> {
  return {
    shop, orderId: o.id, customerId: o.customerId,
    createdAt: new Date(o.createdAt), processedAt: new Date(o.processedAt),
    cancelledAt: o.cancelledAt === null ? null : new Date(o.cancelledAt), updatedAt: new Date(o.updatedAt),
    test: o.test, financialStatus: o.financialStatus, netMinor: o.netMinor, grossMinor: o.grossMinor,
    currency: o.currency, discountCodes: o.discountCodes, sourceName: o.sourceName, tags: o.tags, b2b: o.b2b,
    lineItems: o.lineItems,
  };
}

export function toNormalizedOrder(d: OrderDoc): NormalizedOrder {
  return {
    id: d.orderId, customerId: d.customerId ?? null,
    createdAt: d.createdAt.getTime(), processedAt: d.processedAt.getTime(),
    cancelledAt: d.cancelledAt ? d.cancelledAt.getTime() : null, updatedAt: d.updatedAt.getTime(),
    test: Boolean(d.test), financialStatus: d.financialStatus, netMinor: d.netMinor, grossMinor: d.grossMinor,
    currency: d.currency, discountCodes: d.discountCodes ?? [], sourceName: d.sourceName ?? null, tags: d.tags ?? [],
    b2b: Boolean(d.b2b),
    lineItems: (d.lineItems ?? []).map((li) => ({ productId: li.productId ?? null, variantId: li.variantId ?? null, sku: li.sku ?? null, quantity: li.quantity })),
  };
}

const isDuplicateKey = (err: unknown): boolean => (err as { code?: number }).code === 11000;

export class OrderStore {
  readonly model: Model<OrderDoc>;
  constructor(conn: Connection) {
    this.model = orderModel(conn);
  }

  /**
   * Writes the order unless a strictly newer version is stored (then 'stale'). One round trip:
   * findOneAndUpdate hands back the version it replaced, so a change of customer is visible.
   */
  async upsert(shop: string, order: NormalizedOrder): Promise<{ outcome: UpsertOutcome; previousCustomerId: string | null }> {
    try {
      const before = await this.model.findOneAndUpdate(
        { shop, orderId: order.id, updatedAt: { $lte: new Date(order.updatedAt) } },
        { $set: { ...toDoc(shop, order), deleted: false } },
        { upsert: true, returnDocument: 'before' },
      ).lean<OrderDoc>();
      return { outcome: 'written', previousCustomerId: before?.customerId ?? null };
    } catch (err) {
      // The filter missed because a newer version exists, and the upsert's insert hit the unique key.
      if (isDuplicateKey(err)) return { outcome: 'stale', previousCustomerId: null };
      throw err;
    }
  }

  /**
   * Batch form for the backfill. Most orders are new, so the batch is first inserted as is: one round
   * trip (a read-first approach measured slower on FerretDB, whose `$in` scans). Orders already stored
   * fail on the unique key; only those are compared with the stored version, and only strictly newer
   * ones are written, with the same conditional update as upsert(). A re-run writes nothing.
   */
  async upsertMany(shop: string, orders: readonly NormalizedOrder[]): Promise<{ written: number; stale: number }> {
    if (orders.length === 0) return { written: 0, stale: 0 };
    const existing: NormalizedOrder[] = [];
    try {
      await this.model.insertMany(orders.map((o) => ({ ...toDoc(shop, o), deleted: false })), { ordered: false });
    } catch (err) {
      const writeErrors = (err as { writeErrors?: Array<{ code?: number; err?: { code?: number; index?: number }; index?: number }> }).writeErrors;
      if (!writeErrors) throw err;
      for (const e of writeErrors) {
        if ((e.code ?? e.err?.code) !== 11000) throw err;
        const i = e.index ?? e.err?.index;
        if (i === undefined) throw err;
        existing.push(orders[i]!);
      }
    }
    if (existing.length === 0) return { written: orders.length, stale: 0 };
    const stored = await this.model.find({ shop, orderId: { $in: existing.map((o) => o.id) } }, { orderId: 1, updatedAt: 1 }).lean();
    const storedAt = new Map(stored.map((d) => [d.orderId, d.updatedAt.getTime()]));
    let stale = 0;
    for (const o of existing) {
      if (o.updatedAt <= (storedAt.get(o.id) ?? Infinity) || (await this.upsert(shop, o)).outcome === 'stale') stale += 1;
    }
    return { written: orders.length - stale, stale };
  }

  /** Tombstones the order; returns the customer it belonged to (if we knew it). Idempotent. */
  async markDeleted(shop: string, orderId: string): Promise<{ customerId: string | null }> {
    const before = await this.model.findOne({ shop, orderId }, { customerId: 1 }).lean();
    await this.model.updateOne(
      { shop, orderId },
      { $set: { deleted: true, updatedAt: TOMBSTONE_AT }, $setOnInsert: { createdAt: TOMBSTONE_AT, processedAt: TOMBSTONE_AT, customerId: null, lineItems: [] } },
      { upsert: true },
    );
    return { customerId: before?.customerId ?? null };
  }

  async get(shop: string, orderId: string): Promise<NormalizedOrder | null> {
    const d = await this.model.findOne({ shop, orderId, deleted: false }).lean<OrderDoc>();
    return d ? toNormalizedOrder(d) : null;
  }

  async customerIdOf(shop: string, orderId: string): Promise<string | null> {
    const d = await this.model.findOne({ shop, orderId }, { customerId: 1 }).lean();
    return d?.customerId ?? null;
  }

  /** The customer's live orders, oldest first: the engine's input. */
  async listForCustomer(shop: string, customerId: string): Promise<NormalizedOrder[]> {
    const docs = await this.model.find({ shop, customerId, deleted: false }).sort({ processedAt: 1 }).lean<OrderDoc[]>();
    return docs.map(toNormalizedOrder);
  }

  async deleteByIds(shop: string, orderIds: readonly string[]): Promise<number> {
    if (orderIds.length === 0) return 0;
    return (await this.model.deleteMany({ shop, orderId: { $in: [...orderIds] } })).deletedCount;
  }
}
