// Backfill (used by resync): one bulk query for customers with their orders and line items, streamed
// line by line (children follow their parent with __parentId, groupObjects: true), normalised into
// NormalizedOrder and upserted in batches. Memory holds one order and one batch, never the file.
import type { AdminGraphqlClient } from './admin-graphql-client.ts';
import type { FetchFn } from './admin-fetch.ts';
import type { OrderStore } from '../profiles/order-store.ts';
import type { NormalizedOrder } from '../segments/types.ts';
import { fetchAccessScopes, READ_ALL_ORDERS_NOTICE } from './access-scopes.ts';
import { startBulkQuery, streamJsonl, waitForBulkOperation, type JsonlStats, type WaitOptions } from './bulk-operations.ts';
import { gidType, legacyId } from './gid.ts';
import { normaliseGraphqlLineItem, normaliseGraphqlOrder, type GraphqlLineItemNode, type GraphqlOrderNode } from './graphql-order.ts';
import { ShopifyTransientError } from './errors.ts';

// B2B: Order.purchasingEntity is a PurchasingCompany for orders placed for a company
// (https://shopify.dev/docs/api/admin-graphql/2026-10/unions/PurchasingEntity); the webhook path reads
// the REST `company` of the same order. Line items count currentQuantity (after refunds and removals:
// https://shopify.dev/docs/api/admin-graphql/2026-10/objects/LineItem).
export const BACKFILL_QUERY = `{
  customers {
    edges { node { id
      orders {
        edges { node {
          id createdAt processedAt updatedAt cancelledAt test displayFinancialStatus
          currentTotalPriceSet { shopMoney { amount currencyCode } }
          totalPriceSet { shopMoney { amount currencyCode } }
          discountCodes sourceName tags
          purchasingEntity { ... on PurchasingCompany { company { id } } }
          lineItems { edges { node { id quantity currentQuantity sku product { id } variant { id } } } }
        } }
      }
    } }
  }
}`;

export interface BackfillProgress {
  phase: 'running' | 'downloading' | 'done';
  customers: number;
  orders: number;
  lineItems: number;
  written: number;
  stale: number;
  skipped: number;
  bytes: number;
}

export interface BackfillReport extends BackfillProgress {
  bulkOperationId: string;
  /** The scopes granted when the backfill started (kept current on the shop record). */
  scopes: string[];
  /** false: only the last 60 days were readable — show `notice` to the merchant. */
  readAllOrders: boolean;
  notice: string | null;
}

export interface BackfillOptions extends WaitOptions {
  client: AdminGraphqlClient;
  fetch: FetchFn;
  orders: OrderStore;
  batchSize?: number;
  onProgress?: (p: BackfillProgress) => void | Promise<void>;
  /** Progress every N orders while downloading. Default 1000. */
  progressEvery?: number;
}

/** Orders stored before a backfill that reconcileMoves reads one by one; more, and it scans the shop's owner records. */
const MAX_MOVE_CANDIDATES = 10_000;

/**
 * Streams the bulk query's JSONL into the order store in batches: customers, their orders and the
 * orders' line items (children follow their parent). Counts into `progress`; returns the bytes read.
 */
async function storeBackfillLines(opts: BackfillOptions, url: string | null, progress: BackfillProgress, report: () => Promise<void>): Promise<{ stats: JsonlStats; moveCandidates: string[] | null }> {
  const shop = opts.client.shop;
  const batchSize = opts.batchSize ?? 500;
  const every = opts.progressEvery ?? 1000;
  let batch: NormalizedOrder[] = [];
  // Customers without orders are Prospects and need a record too. Orders follow their customer in the
  // JSONL, so a customer followed by none is registered (an empty book; harmless for one that has orders
  // elsewhere in the file: registering never touches a book that exists).
  let customers: string[] = [];
  let lastCustomer: { id: string; hasOrders: boolean } | null = null;
  const closeCustomer = () => {
    if (lastCustomer && !lastCustomer.hasOrders) customers.push(lastCustomer.id);
    lastCustomer = null;
  };
  let current: { node: GraphqlOrderNode; customerId: string | null; items: ReturnType<typeof normaliseGraphqlLineItem>[] } | null = null;
  // Orders stored before this backfill (only they can have moved between customers); null once too
  // many to read one by one (a second backfill of a shop): reconcileMoves then scans.
  let moveCandidates: Set<string> | null = new Set();

  // One batch's write runs while the next batch is parsed from the file (the database's CPU overlaps
  // the worker's); writes stay one at a time, in the file's order.
  const write = async (cs: string[], orders: NormalizedOrder[]) => {
    if (cs.length > 0) await opts.orders.registerCustomers(shop, cs);
    if (orders.length === 0) return;
    const r = await opts.orders.upsertMany(shop, orders);
    if (moveCandidates) for (const id of r.existing) moveCandidates.add(id);
    if (moveCandidates && moveCandidates.size > MAX_MOVE_CANDIDATES) moveCandidates = null;
    progress.written += r.written;
    progress.stale += r.stale;
  };
  let writing: Promise<void> = Promise.resolve();
  const flushBatch = async () => {
    if (customers.length === 0 && batch.length === 0) return;
    await writing;
    writing = write(customers, batch);
    // A failed write is thrown at the next flush or at the end (`await writing`), never unhandled.
    writing.catch(() => undefined);
    customers = [];
    batch = [];
  };
  const closeOrder = async () => {
    if (!current) return;
    const r = normaliseGraphqlOrder(current.node, current.items, current.customerId);
    if (r.ok) batch.push(r.order);
    else progress.skipped += 1;
    current = null;
    progress.orders += 1;
    if (batch.length >= batchSize) await flushBatch();
    if (progress.orders % every === 0) await report();
  };

  const onLine = async (line: Record<string, unknown>) => {
    const gid = typeof line.id === 'string' ? line.id : '';
    const parent = typeof line.__parentId === 'string' ? line.__parentId : null;
    const type = gidType(gid);
    if (type === 'LineItem') {
      // Children follow their parent; an orphan would mean ungrouped output, counted not guessed.
      if (current && parent === current.node.id) {
        current.items.push(normaliseGraphqlLineItem(line as unknown as GraphqlLineItemNode));
        progress.lineItems += 1;
      } else progress.skipped += 1;
      return;
    }
    await closeOrder();
    if (type === 'Order') {
      current = { node: line as unknown as GraphqlOrderNode, customerId: parent ? legacyId(parent) : null, items: [] };
      if (lastCustomer && parent && legacyId(parent) === lastCustomer.id) lastCustomer.hasOrders = true;
    } else if (type === 'Customer' && !parent) {
      progress.customers += 1;
      closeCustomer();
      lastCustomer = { id: legacyId(gid), hasOrders: false };
      if (customers.length >= batchSize) await flushBatch();
    }
    else progress.skipped += 1;
  };

  const stats: JsonlStats = { lines: 0, bytes: 0 };
  try {
    if (url) for await (const line of streamJsonl(opts.fetch, url, stats)) await onLine(line);
    await closeOrder();
    closeCustomer();
    await flushBatch();
  } finally {
    // Never leaves a write running behind it (a failed download waits for the batch being written).
    await writing.catch(() => undefined);
  }
  await writing;
  return { stats, moveCandidates: moveCandidates ? [...moveCandidates] : null };
}

export async function backfillShopOrders(opts: BackfillOptions): Promise<BackfillReport> {
  const { client } = opts;
  const shop = client.shop;
  const scopes = await fetchAccessScopes(client);
  const readAllOrders = scopes.includes('read_all_orders');
  const progress: BackfillProgress = { phase: 'running', customers: 0, orders: 0, lineItems: 0, written: 0, stale: 0, skipped: 0, bytes: 0 };
  const report = async () => { await opts.onProgress?.({ ...progress }); };

  const id = await startBulkQuery(client, BACKFILL_QUERY);
  await report();
  const op = await waitForBulkOperation(client, id, opts);
  if (op.status !== 'COMPLETED') throw new ShopifyTransientError(`backfill bulk query ended ${op.status}${op.errorCode ? ` (${op.errorCode})` : ''}`, { shop });
  progress.phase = 'downloading';
  await report();

  const { stats, moveCandidates } = await storeBackfillLines(opts, op.url, progress, report);
  // An order that changed customer since an earlier backfill sits in two books: keep the newest.
  await opts.orders.reconcileMoves(shop, moveCandidates ?? undefined);
  progress.bytes = stats.bytes;
  progress.phase = 'done';
  await report();
  return { ...progress, bulkOperationId: id, scopes, readAllOrders, notice: readAllOrders ? null : READ_ALL_ORDERS_NOTICE };
}
