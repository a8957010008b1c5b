// customers/data_request: a record of everything we hold on the customer, for the merchant to hand
// over (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance: the app provides the
// data to the store owner). Stored as JSON text (source documents may hold keys FerretDB would refuse),
// keyed by the request id so a replay does not create a second record. It says what we hold and why
// (DATA_PURPOSES), carries customerId so a later customers/redact erases it too, and expires after
// DATA_REQUEST_RETENTION_MS (the maintenance queue deletes it): support fetches it with
// `segments data-request <shop> <customer>` or GET /support/shops/:shop/customers/:id/data-request.
import { Schema, type Connection, type Model } from 'mongoose';
import { collectCustomerData } from './shop-data-eraser.ts';
import { ordersOfBook, type OrderBookDoc } from './order-store.ts';
import { decodeProfile } from './customer-profile-store.ts';

export const DATA_REQUESTS_COLLECTION = 'customer_data_requests';

/** Shopify asks for the data within 30 days; the record is kept that long for support to hand over. */
export const DATA_REQUEST_RETENTION_MS = 30 * 24 * 3600_000;

/** Why each kind of data about a customer is held (shown in the record). */
export const DATA_PURPOSES: Record<string, string> = {
  orders: 'Orders (ids, dates, amounts, line items, status; no names or addresses): the input of the segmentation.',
  order_owners: 'Which customer each order belongs to, so an order moved to another customer updates both.',
  customer_profiles: 'What the segmentation concluded (RFM scores, predictions, segments) and the tags we want on Shopify.',
  segment_events: 'When the customer entered or left each segment, with the reason, shown to the merchant.',
  customer_engagement: 'Last e-mail click and store visit dates sent by the merchant, used by the "Lost but Engaged" segment.',
  webhook_dead_letters: 'Webhook deliveries naming the customer that could not be used, kept for support with personal fields removed (expire after 30 days).',
};
const purposeOf = (collection: string) => DATA_PURPOSES[collection] ?? 'Data derived from the store\'s orders for segmentation.';

export interface DataRequestRecord {
  dataRequestId: string;
  customerId: string;
  createdAt: Date;
  expiresAt: Date;
  holdings: Array<{ collection: string; purpose: string; documents: unknown[] }>;
}

export interface DataRequestDoc {
  shop: string;
  customerId: string;
  dataRequestId: string;
  createdAt: Date;
  /** JSON: { [collection]: documents[] } */
  dataJson: string;
}

const schema = new Schema<DataRequestDoc>(
  {
    shop: { type: String, required: true },
    customerId: { type: String, required: true },
    dataRequestId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    dataJson: { type: String, required: true },
  },
  { collection: DATA_REQUESTS_COLLECTION, versionKey: false },
);
schema.index({ shop: 1, dataRequestId: 1 }, { unique: true });
schema.index({ shop: 1, customerId: 1 });

export function dataRequestModel(conn: Connection): Model<DataRequestDoc> {
  return (conn.models.CustomerDataRequest as Model<DataRequestDoc> | undefined) ?? conn.model<DataRequestDoc>('CustomerDataRequest', schema);
}

export class DataRequestStore {
  readonly model: Model<DataRequestDoc>;
  private readonly conn: Connection;
  constructor(conn: Connection) {
    this.conn = conn;
    this.model = dataRequestModel(conn);
  }

  /** Gathers and stores the customer's data; a replayed request keeps the first record. */
  async fulfil(shop: string, customerId: string, dataRequestId: string, now: Date): Promise<{ collections: string[] }> {
    const data = await collectCustomerData(this.conn, shop, customerId, new Set([DATA_REQUESTS_COLLECTION]));
    // Order books hold encoded entries: the merchant receives the orders themselves.
    const books = data.order_books as Array<Pick<OrderBookDoc, 'orders'>> | undefined;
    if (books) {
      delete data.order_books;
      data.orders = books.flatMap((b) => ordersOfBook(b)).map(({ id, ...rest }) => ({ orderId: id, ...rest }));
    }
    // Profiles hold their memberships as JSON text: the merchant receives them as data.
    const profiles = data.customer_profiles as Array<Parameters<typeof decodeProfile>[0]> | undefined;
    if (profiles) data.customer_profiles = profiles.map(decodeProfile);
    await this.model.updateOne(
      { shop, dataRequestId },
      { $setOnInsert: { customerId, createdAt: now, dataJson: JSON.stringify(data) } },
      { upsert: true },
    );
    return { collections: Object.keys(data) };
  }

  async get(shop: string, dataRequestId: string): Promise<{ customerId: string; createdAt: Date; data: Record<string, unknown[]> } | null> {
    const d = await this.model.findOne({ shop, dataRequestId }).lean<DataRequestDoc>();
    return d ? { customerId: d.customerId, createdAt: d.createdAt, data: JSON.parse(d.dataJson) as Record<string, unknown[]> } : null;
  }

  /** The customer's prepared records, newest first: what we hold, why, and until when the record is kept. */
  async forCustomer(shop: string, customerId: string): Promise<DataRequestRecord[]> {
    const docs = await this.model.find({ shop, customerId }).sort({ createdAt: -1 }).lean<DataRequestDoc[]>();
    return docs.map((d) => {
      const data = JSON.parse(d.dataJson) as Record<string, unknown[]>;
      return {
        dataRequestId: d.dataRequestId, customerId: d.customerId, createdAt: d.createdAt,
        expiresAt: new Date(new Date(d.createdAt).getTime() + DATA_REQUEST_RETENTION_MS),
        holdings: Object.entries(data).map(([collection, documents]) => ({ collection, purpose: purposeOf(collection), documents })),
      };
    });
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return (await this.model.deleteMany({ createdAt: { $lt: cutoff } })).deletedCount;
  }
}
