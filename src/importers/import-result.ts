// Shared shapes of the streaming importers: bad rows are reported (with line numbers), not thrown;
// an unreadable file or an unrecognised format is an ImportError the CLI turns into exit code 2.
import { open } from 'node:fs/promises';
import type { CustomerInput, NormalizedOrder } from '../segments/types.ts';
import type { IdentityCounts } from './customer-identity.ts';

export interface BadRow {
  /** 1-based line number in the file. */
  line: number;
  reason: string;
}

export interface ImportResult {
  customers: CustomerInput[];
  /** Data rows read (header excluded). */
  rows: number;
  orders: number;
  badRows: BadRow[];
  /** Orders that could not be attributed to a customer (neither an email nor a valid phone number in the CSV). */
  ordersWithoutCustomer: number;
  /** How the customers were identified (Shopify export only: the CDNOW log has customer ids). */
  identifiedBy?: IdentityCounts;
  firstOrderAt: number | null;
  lastOrderAt: number | null;
}

export interface ImportOptions {
  /** Called every ~progressEvery rows (for progress on stderr). */
  onProgress?: (rows: number) => void;
  progressEvery?: number;
}

export interface OrderStreamOptions extends ImportOptions {
  /** Called for each skipped row (with its line number); streams never throw for a bad row. */
  onBadRow?: (bad: BadRow) => void;
  /** Filled while streaming: data rows read so far. */
  stats?: { rows: number };
}

export class ImportError extends Error {
  readonly kind: 'unreadable' | 'unknown-format';
  constructor(kind: 'unreadable' | 'unknown-format', message: string) {
    super(message);
    this.name = 'ImportError';
    this.kind = kind;
  }
}

/** Fails early and clearly when the file cannot be opened (missing, a directory, no permission). */
export async function assertReadable(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    const st = await handle.stat();
    if (st.isDirectory()) throw new ImportError('unreadable', `cannot read ${path}: it is a directory`);
  } catch (err) {
    if (err instanceof ImportError) throw err;
    throw new ImportError('unreadable', `cannot read ${path}: ${(err as Error).message}`);
  } finally {
    await handle?.close();
  }
}

/** Groups orders by customer; customers and their orders come out in a stable order. */
export class CustomerGrouper {
  private readonly byCustomer = new Map<string, NormalizedOrder[]>();
  orders = 0;
  withoutCustomer = 0;
  first: number | null = null;
  last: number | null = null;

  add(order: NormalizedOrder): void {
    if (order.customerId === null) {
      this.withoutCustomer++;
      return;
    }
    this.orders++;
    this.first = this.first === null ? order.processedAt : Math.min(this.first, order.processedAt);
    this.last = this.last === null ? order.processedAt : Math.max(this.last, order.processedAt);
    const list = this.byCustomer.get(order.customerId);
    if (list === undefined) this.byCustomer.set(order.customerId, [order]);
    else list.push(order);
  }

  customers(): CustomerInput[] {
    return [...this.byCustomer].map(([customerId, orders]) => ({ customerId, orders }));
  }
}
