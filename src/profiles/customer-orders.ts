// Read side of the order store for the pipeline: one customer's orders (one point read of its order
// book), a batch of customers, and every customer of a shop streamed in customer id order.
import type { Connection } from 'mongoose';
import { OrderStore } from './order-store.ts';
import type { CustomerInput, NormalizedOrder } from '../segments/types.ts';

export class CustomerOrdersReader {
  private readonly store: OrderStore;

  constructor(conn: Connection) {
    this.store = new OrderStore(conn);
  }

  forCustomer(shop: string, customerId: string): Promise<NormalizedOrder[]> {
    return this.store.listForCustomer(shop, customerId);
  }

  forCustomers(shop: string, customerIds: readonly string[]): Promise<Map<string, NormalizedOrder[]>> {
    return this.store.forCustomers(shop, customerIds);
  }

  customersOf(shop: string): AsyncGenerator<CustomerInput> {
    return this.store.customersOf(shop);
  }

  countOrders(shop: string): Promise<number> {
    return this.store.countOrders(shop);
  }
}
