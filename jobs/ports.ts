// The processors' ports: what a job may reach besides the pure engine (jobs/engine.ts, called
// directly). jobs/runtime.ts binds them on top of the composition root (src/deps.ts); tests bind the
// same real stores, and the Shopify simulator or a recording fake for ShopifyPort.
//   JobContext  the stores the jobs read and write as they are (real classes, not ports), plus
//   ShopPort    a shop as it is in force (ShopStore.effective)
//   OrderPort   orders and engagement, grouped per customer
//   ShopifyPort the only way to Shopify: tag writes and the bulk backfill
import type { EffectiveShop, ResyncSummary } from '../src/profiles/shop-store.ts';
import type { Logger } from '../src/logger.ts';
import type { CustomerInput, Engagement, NormalizedOrder } from '../src/segments/types.ts';
import type { CustomerProfileStore } from '../src/profiles/customer-profile-store.ts';
import type { SegmentEventStore } from '../src/profiles/segment-event-store.ts';
import type { CalibrationStore } from '../src/profiles/calibration-store.ts';
import type { TagSyncState } from '../src/profiles/tag-sync-state.ts';
import type { Enqueuer } from './enqueue.ts';
import type { DesiredSegment, ReconcileReport } from '../src/shopify/native-segments.ts';
import type { FlowTriggerOutcome } from '../src/shopify/flow-triggers.ts';
import type { WebPixelReport } from '../src/shopify/web-pixel.ts';
import type { CheckoutBackfillReport } from '../src/shopify/abandoned-checkouts.ts';
import type { CustomerNames } from '../src/shopify/customer-names.ts';

export interface ShopPort {
  get(shop: string): Promise<EffectiveShop>;
  installedShops(): Promise<string[]>;
  /** Keeps the last completed resync on the shop (completed jobs leave BullMQ after an hour). */
  recordResync?(shop: string, summary: ResyncSummary): Promise<void>;
}

export interface OrderPort {
  forCustomer(shop: string, customerId: string): Promise<NormalizedOrder[]>;
  forCustomers(shop: string, customerIds: readonly string[]): Promise<Map<string, NormalizedOrder[]>>;
  /** Every customer with orders, grouped (streamed by the store; collected by the caller). */
  customersOf(shop: string): AsyncIterable<CustomerInput>;
  /** Engagement signals (email click, visit) of these customers; absent = none. */
  engagementOf(shop: string, customerIds: readonly string[]): Promise<Map<string, Engagement>>;
}

export interface TagChange {
  customerId: string;
  /** App-owned tags the customer should carry. */
  desired: string[];
  /** App-owned tags we believe it carries now. */
  applied: string[];
}

export interface TagWriteResult {
  /** In sync on Shopify now (changed by this call or already right). */
  written: string[];
  /** Subset of written whose tags this call actually changed (Shopify echoes those as customers/update). */
  changed?: string[];
  /** Customer ids Shopify no longer knows: their profiles are dropped, never retried. */
  gone: string[];
  /** Customer ids whose write failed for now (retried on the next sync). */
  failed: string[];
}

export interface MetafieldsWriteResult {
  written: string[];
  /** Value already on Shopify (same digest): no call made. */
  skipped: string[];
  gone: string[];
  failed: string[];
}

export interface ShopifyPort {
  writeTags(shop: string, changes: TagChange[], opts: { bulk: boolean; tagPrefix: string }): Promise<TagWriteResult>;
  /** Is the app still installed (a call with the shop's token, renewed first if needed)? For app/uninstalled. */
  installationState(shop: string): Promise<'active' | 'revoked' | 'no-token'>;
  /** Every tag on the shop's customers (Shop.customerTags); complete=false when Shopify holds more than one page. */
  customerTags(shop: string): Promise<{ tags: string[]; complete: boolean }>;
  /**
   * Native Shopify segments made to match `desired` (ids recorded per shop after each call); optional so
   * recording fakes need not implement it. jobs/shopify-objects.ts.
   */
  reconcileSegments?(shop: string, desired: DesiredSegment[], opts: { recreateDeleted: boolean }): Promise<ReconcileReport>;
  /** The $app:segments customer metafield definition exists (created once per shop; recorded). */
  ensureMetafieldDefinition?(shop: string): Promise<{ ok: boolean; errors: string[] }>;
  /**
   * Customer metafield values (JSON text), diff-only: values equal to the last written one are skipped.
   * Batched by 25 per metafieldsSet call, or one bulk mutation when `bulk`.
   */
  writeCustomerMetafields?(shop: string, writes: Array<{ customerId: string; value: string }>, opts: { bulk: boolean }): Promise<MetafieldsWriteResult>;
  /**
   * Fires Flow trigger calls one by one (paced), reporting each outcome as it lands; a transport failure
   * throws after the answered ones were reported (jobs/flow-triggers.ts).
   */
  fireFlowTriggers?(shop: string, calls: ReadonlyArray<{ handle: string; payload: Record<string, unknown> }>, onOutcome: (i: number, o: FlowTriggerOutcome) => void): Promise<void>;
  /**
   * The app's web pixel activated with the shop's current settings (pixel key, the app's ingest URL):
   * created when missing, updated when they differ; the report is recorded per shop. A refusal is a
   * report (action 'failed'), not a throw. jobs/shopify-objects.ts.
   */
  reconcileWebPixel?(shop: string): Promise<WebPixelReport>;
  /** Abandoned checkouts updated since `since`, stored as the checkout webhooks store them (resync). */
  backfillCheckouts?(shop: string, since: Date): Promise<CheckoutBackfillReport>;
  /**
   * The display names of the customers on the dashboard's screen, read live for the merchant who opted
   * in (web/admin/customer-names.ts): never stored, logged or queued. Not for jobs.
   */
  customerNames?(shop: string, customerIds: readonly string[]): Promise<CustomerNames>;
  /** Bulk query of customers with orders, streamed into the order store. */
  backfill(shop: string, onProgress: (p: { customers: number; orders: number }) => void | Promise<void>): Promise<{ customers: number; orders: number }>;
}

export interface JobContext {
  logger: Logger;
  now: () => number;
  // The stores, as they are.
  profiles: CustomerProfileStore;
  events: SegmentEventStore;
  calibrations: CalibrationStore;
  tagState: TagSyncState;
  // The ports.
  shops: ShopPort;
  orders: OrderPort;
  shopify: ShopifyPort;
  enqueue: Enqueuer;
  bulkMutationThreshold: number;
  maintenance: {
    /** Deletes webhook-delivery records older than the retention; returns how many. */
    deleteExpiredDeliveries(now: Date, retentionMs: number): Promise<number>;
    /** Deletes dead letters and customer data-request records past their retention; returns how many. */
    deleteExpiredRecords(now: Date): Promise<{ deadLetters: number; dataRequests: number; pixelClients?: number }>;
  };
}
