// customers/data_request: a record of everything we hold on the customer, for the merchant to hand
// over. Stored as JSON text (source documents may hold keys FerretDB would refuse), keyed by the
// request id so a replay does not create a second record. It carries customerId, so a later
// customers/redact erases it too.
import { Schema, type Connection, type Model } from 'mongoose';
import { collectCustomerData } from './shop-data-eraser.ts';
import { ordersOfBook, type OrderBookDoc } from './order-store.ts';

export const DATA_REQUESTS_COLLECTION = 'customer_data_requests';

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
}
