// What the admin and support APIs need, as narrow ports over the real stores and the one producer
// (jobs/enqueue.ts). `dashboardPortsFrom` binds them; tests bind the same real stores.
import type { CustomerProfileStore } from '../src/profiles/customer-profile-store.ts';
import type { SegmentEventStore } from '../src/profiles/segment-event-store.ts';
import type { CalibrationStore } from '../src/profiles/calibration-store.ts';
import type { DeadLetterStore } from '../src/profiles/dead-letter-store.ts';
import type { ShopStore } from '../src/profiles/shop-store.ts';
import type { EngagementStore } from '../src/profiles/engagement-store.ts';
import type { SignalSourceStore } from '../src/profiles/signal-source-store.ts';
import type { Enqueuer } from '../jobs/enqueue.ts';
import type { OrderPort, ShopifyPort } from '../jobs/ports.ts';
import type { DataRequestStore } from '../src/profiles/data-request-store.ts';
import type { ShopWork } from '../src/profiles/shop-work.ts';
import type { Stores } from '../src/deps.ts';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { ShopifyObjectsStore } from '../src/profiles/shopify-objects-store.ts';
import { AuthStats } from '../src/shopify/offline-tokens.ts';
import type { ShopKeys } from '../src/redis.ts';

export interface DashboardPorts {
  profiles: CustomerProfileStore;
  events: SegmentEventStore;
  calibrations: CalibrationStore;
  shops: Pick<ShopStore, 'get' | 'effective' | 'updateSettings' | 'setLiveCustomerNames'>;
  deadLetters: Pick<DeadLetterStore, 'list' | 'count'>;
  /** Per-shop work counters and failure log (status reads count instead of listing jobs). */
  shopWork: Pick<ShopWork, 'recomputesPending' | 'failures'>;
  /** customers/data_request records, for support to hand over. */
  dataRequests: Pick<DataRequestStore, 'forCustomer'>;
  engagement: EngagementStore;
  /** Signal sources (web pixel, Klaviyo, flow, generic, checkouts): status and credentials (Settings). */
  signalSources?: SignalSourceStore;
  enqueue: Pick<Enqueuer, 'resyncShop' | 'recomputeCustomer' | 'recalibrateShop' | 'previewSettings' | 'queuesFor' | 'partitions' | 'flowOutbox' | 'reconcileShopifyObjects'>;
  /** Orders and engagement, for the settings dry run (the inputs a recalibration loads). */
  orders: Pick<OrderPort, 'customersOf' | 'engagementOf'>;
  /**
   * Shopify, for the tags customers carry there (a tag-prefix change is checked against them) and, for a
   * merchant who opted in, the names of the customers on screen (read live, never stored).
   */
  shopify: Pick<ShopifyPort, 'customerTags' | 'customerNames'>;
  /** Epoch ms; the demo pins it (engine as-of) so previews match what the worker computes. */
  now: () => number;
  /** Fixed engine as-of of the demo/tests, else undefined (the clock decides). */
  asOf?: number;
  /** Token refreshes, re-exchanges and failures per shop (support status). */
  authStats?: Pick<AuthStats, 'read'>;
  /** What the app keeps inside Shopify: native segments, the metafield definition (web/admin/inside-shopify.ts). */
  shopifyObjects?: Pick<ShopifyObjectsStore, 'get'>;
}

/** Binds the ports to the composition root and the job runtime (web/main.ts, demo, tests). */
export function dashboardPortsFrom(
  deps: { stores: Pick<Stores, 'profiles' | 'events' | 'calibrations' | 'shops' | 'deadLetters' | 'engagement' | 'dataRequests' | 'shopWork'> & Partial<Pick<Stores, 'signalSources'>>; now: () => number; redis?: Redis; mongo?: Connection; shopKeys?: ShopKeys },
  runtime: { enqueue: DashboardPorts['enqueue']; context: { orders: DashboardPorts['orders']; shopify: DashboardPorts['shopify'] } },
  asOf?: number,
): DashboardPorts {
  const s = deps.stores;
  return {
    profiles: s.profiles,
    events: s.events,
    calibrations: s.calibrations,
    shops: s.shops,
    deadLetters: s.deadLetters,
    dataRequests: s.dataRequests,
    shopWork: s.shopWork,
    engagement: s.engagement,
    ...(s.signalSources ? { signalSources: s.signalSources } : {}),
    enqueue: runtime.enqueue,
    orders: runtime.context.orders,
    shopify: runtime.context.shopify,
    now: deps.now,
    ...(asOf !== undefined ? { asOf } : {}),
    ...(deps.redis && deps.shopKeys ? { authStats: new AuthStats(deps.redis, deps.shopKeys) } : {}),
    ...(deps.mongo ? { shopifyObjects: new ShopifyObjectsStore(deps.mongo) } : {}),
  };
}
