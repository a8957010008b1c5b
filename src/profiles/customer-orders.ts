// Read side of the order store for whole-shop work: orders grouped per customer, streamed in
// customerId order through the {shop, customerId, processedAt} index (no $lookup, no aggregation).
import type { Connection } from 'mongoose';
import { orderModel, toNormalizedOrder, type OrderDoc } from './order-store.ts';
import type { CustomerInput, NormalizedOrder } from '../segments/types.ts';

export class CustomerOrdersReader {
  private readonly model: ReturnType<typeof orderModel>;

  constructor(conn: Connection) {
    this.model = orderModel(conn);
  }

  async forCustomer(shop: string, customerId: string): Promise<NormalizedOrder[]> {
    const docs = await this.model.find({ shop, customerId, deleted: false }).sort({ processedAt: 1 }).lean<OrderDoc[]>();
    return docs.map(toNormalizedOrder);
  }

  async forCustomers(shop: string, customerIds: readonly string[]): Promise<Map<string, NormalizedOrder[]>> {
    const out = new Map<string, NormalizedOrder[]>(customerIds.map((id) => [id, []]));
    if (customerIds.length === 0) return out;
    const docs = await this.model.find({ shop, customerId: { $in: [...customerIds] }, deleted: false }).sort({ customerId: 1, processedAt: 1 }).lean<OrderDoc[]>();
    for (const d of docs) out.get(d.customerId!)?.push(toNormalizedOrder(d));
    return out;
  }

  /** Every customer with at least one stored order, with its orders oldest first. */
  async *customersOf(shop: string): AsyncGenerator<CustomerInput> {
    const cursor = this.model
      .find({ shop, deleted: false, customerId: { $ne: null } })
      .sort({ customerId: 1, processedAt: 1 })
      .lean<OrderDoc[]>()
      .cursor({ batchSize: 2000 });
    let current: CustomerInput | null = null;
    for await (const raw of cursor) {
      const d = raw as OrderDoc;
      if (!current || current.customerId !== d.customerId) {
        if (current) yield current;
        current = { customerId: d.customerId!, orders: [] };
      }
      current.orders.push(toNormalizedOrder(d));
    }
    if (current) yield current;
  }

  async countOrders(shop: string): Promise<number> {
    return this.model.countDocuments({ shop, deleted: false });
  }
}
