// Engagement signals per customer (docs/signals.md): the last e-mail click (Klaviyo, flow webhooks,
// support), the last store visit and cart (web pixel), products viewed (pixel) and the last unfinished
// checkout (checkouts/* webhooks, the backfill). They feed "Lost but Engaged" and the intent segments
// (the engine's CustomerInput.engagement). Only instants and product ids are kept — no address, no
// e-mail; a signal older than the stored one never moves it back. Concurrent writers converge: instants
// by $max, the checkout by $max on "<ISO time>|<token>|<products>", its clearing by $max on a date.
import { Schema, type Connection, type Model } from 'mongoose';
import type { Engagement } from '../segments/types.ts';
import { shopScope } from './shard-keys.ts';
import { createMissingIndexes } from './missing-indexes.ts';

export interface EngagementDoc {
  shop: string;
  customerId: string;
  lastEmailClickAt: Date | null;
  lastVisitAt: Date | null;
  lastCartAt?: Date | null;
  viewedProducts?: string[];
  /** "<ISO instant>|<checkout token>|<product id,…>": the latest checkout by time wins under $max. */
  lastCheckout?: string | null;
  /** A checkout at or before this instant is finished (completed, or an order followed). */
  checkoutClearedAt?: Date | null;
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
    lastCartAt: { type: Date, default: null },
    viewedProducts: { type: [String], default: undefined },
    lastCheckout: { type: String, default: null },
    checkoutClearedAt: { type: Date, default: null },
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
  cartAt?: Date | null;
  /** Product ids viewed (added to the set; the engine reads the most recent MAX_VIEWED). */
  viewedProducts?: readonly string[];
}

export interface CheckoutSignal {
  customerId: string;
  token: string;
  at: Date;
  productIds: readonly string[];
}

/** Products a profile lists at most (viewed; a checkout's). */
export const MAX_VIEWED = 50;
const CHECKOUT_PRODUCTS = 50;

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
        const max: Partial<Record<'lastEmailClickAt' | 'lastVisitAt' | 'lastCartAt', Date>> = {};
        if (s.emailClickAt) max.lastEmailClickAt = s.emailClickAt;
        if (s.visitAt) max.lastVisitAt = s.visitAt;
        if (s.cartAt) max.lastCartAt = s.cartAt;
        const viewed = (s.viewedProducts ?? []).slice(0, MAX_VIEWED);
        return {
          updateOne: {
            filter: { _id: engagementId(shop, s.customerId) },
            update: { $max: max, $set: { updatedAt: now }, $setOnInsert: { shop, customerId: s.customerId }, ...(viewed.length ? { $addToSet: { viewedProducts: { $each: viewed } } } : {}) },
            upsert: true,
          },
        };
      }),
      { ordered: false },
    );
  }

  /** The customer's latest checkout (by time) replaces an older one; a replay changes nothing. */
  async recordCheckout(shop: string, c: CheckoutSignal, now: Date): Promise<void> {
    const value = `${c.at.toISOString()}|${c.token.replace(/\|/g, '')}|${c.productIds.slice(0, CHECKOUT_PRODUCTS).join(',')}`;
    await this.model.updateOne(
      { _id: engagementId(shop, c.customerId) },
      { $max: { lastCheckout: value }, $set: { updatedAt: now }, $setOnInsert: { shop, customerId: c.customerId } },
      { upsert: true },
    );
  }

  /**
   * Every checkout of the customer at or before `at` is finished (a completed checkout, an order).
   * Touches only a customer who has a checkout: an order creates no engagement document.
   */
  async clearCheckout(shop: string, customerId: string, at: Date, now: Date): Promise<void> {
    await this.model.updateOne({ _id: engagementId(shop, customerId), lastCheckout: { $type: 'string' } }, { $max: { checkoutClearedAt: at }, $set: { updatedAt: now } });
  }

  /** Counts for the settings page: customers with a visit, a click, an unfinished checkout. */
  async countSignals(shop: string): Promise<{ visits: number; clicks: number; checkouts: number }> {
    const docs = await this.model.find(shopScope('customer_engagement', shop), { lastVisitAt: 1, lastEmailClickAt: 1, lastCheckout: 1, checkoutClearedAt: 1 }).lean<EngagementDoc[]>();
    let visits = 0;
    let clicks = 0;
    let checkouts = 0;
    for (const d of docs) {
      if (d.lastVisitAt) visits++;
      if (d.lastEmailClickAt) clicks++;
      if (openCheckout(d)) checkouts++;
    }
    return { visits, clicks, checkouts };
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

/** The stored checkout unless a later clearing finished it. */
function openCheckout(d: Pick<EngagementDoc, 'lastCheckout' | 'checkoutClearedAt'>): { at: number; products: string[] } | null {
  if (!d.lastCheckout) return null;
  const [iso, , products = ''] = d.lastCheckout.split('|');
  const at = Date.parse(iso ?? '');
  if (Number.isNaN(at)) return null;
  if (d.checkoutClearedAt && d.checkoutClearedAt.getTime() >= at) return null;
  return { at, products: products ? products.split(',') : [] };
}

function toEngagement(d: EngagementDoc): Engagement {
  const viewed = d.viewedProducts ?? [];
  return {
    lastEmailClickAt: d.lastEmailClickAt ? d.lastEmailClickAt.getTime() : null,
    lastVisitAt: d.lastVisitAt ? d.lastVisitAt.getTime() : null,
    lastCartAt: d.lastCartAt ? d.lastCartAt.getTime() : null,
    viewedProducts: viewed.slice(-MAX_VIEWED).reverse(),
    checkout: openCheckout(d),
  };
}
