// Binds the pipeline's ShopifyPort to src/shopify: per-shop cost-aware clients, tag sync (current tags
// read from Shopify, diffed with tagDiff so merchant tags are never touched; bulk mutation at or
// above BULK_MUTATION_THRESHOLD changed customers), and the bulk backfill into the order store.
// bulk_operations/finish arrives in the web process: Enqueuer publishes it on Redis and every worker
// process relays it to its in-process BulkOperationSignals; polling stays the fallback.
import { UnrecoverableError } from 'bullmq';
import type { Deps } from '../src/deps.ts';
import { AdminClients } from '../src/shopify/admin-clients.ts';
import { AuthStats, OfflineTokens, ShopTokenLock, tokenGrantsFrom, type TokenGrants } from '../src/shopify/offline-tokens.ts';
import { createShopifyApi } from '../src/shopify/shopify-api.ts';
import { createAdminFetch, type FetchFn } from '../src/shopify/admin-fetch.ts';
import { BulkOperationSignals } from '../src/shopify/bulk-operations.ts';
import { backfillShopOrders } from '../src/shopify/bulk-backfill.ts';
import { syncCustomerTags } from '../src/shopify/tag-sync.ts';
import { ShopifyApiError, ShopifyReauthRequiredError } from '../src/shopify/errors.ts';
import { ShopNeedsReauthError } from './errors.ts';
import type { MetafieldsWriteResult, ShopifyPort, TagChange, TagWriteResult } from './ports.ts';
import { shopCustomerTags } from '../src/shopify/customer-tags.ts';
import { fetchCustomerNames } from '../src/shopify/customer-names.ts';
import { probeInstallation } from '../src/shopify/installation-probe.ts';
import { bulkFinishedChannel } from './enqueue.ts';
import { reconcileNativeSegments } from '../src/shopify/native-segments.ts';
import { ShopifyObjectsStore } from '../src/profiles/shopify-objects-store.ts';
import { MetafieldSyncState } from '../src/profiles/metafield-sync-state.ts';
import { fireFlowTriggers } from '../src/shopify/flow-triggers.ts';
import { pixelSettingsFor, reconcileWebPixel } from '../src/shopify/web-pixel.ts';
import { backfillAbandonedCheckouts } from '../src/shopify/abandoned-checkouts.ts';
import { ensureMetafieldDefinition, valueDigest, writeMetafields, writeMetafieldsInBulk } from '../src/shopify/customer-metafield.ts';

export interface ShopifyPortOptions {
  fetch?: FetchFn;
  /** Bulk operation status polling when no webhook arrives (default 5 s; the demo uses less). */
  pollIntervalMs?: number;
  /** Token grants (refresh, migration); default: @shopify/shopify-api built from Config. */
  grants?: TokenGrants;
  /** Head start of a refresh before expiry (default 5 minutes, at most a fifth of the token's lifetime). */
  refreshMarginMs?: number;
}

/**
 * Permanent Shopify failures (no session, missing scope, shop gone, invalid request) must not be
 * retried; a dead token waits for the merchant (ShopNeedsReauthError: the worker delays the job).
 */
function classify(err: unknown): never {
  if (err instanceof ShopifyReauthRequiredError) throw new ShopNeedsReauthError(err.shop, err.message);
  if (err instanceof ShopifyApiError && !err.retryable) {
    const e = new UnrecoverableError(`${err.name}: ${err.message}`);
    throw e;
  }
  throw err;
}

/** A port method whose Shopify errors are classified for the worker (classify). */
const guarded = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
  try {
    return await fn(...a);
  } catch (err) {
    return classify(err);
  }
};

/** Bulk operations finish faster when the bulk_operations/finish webhook wakes the waiting poller. */
function subscribeBulkFinished(deps: Deps, prefix: string): { signals: BulkOperationSignals; subscriber: ReturnType<Deps['newRedis']> } {
  const signals = new BulkOperationSignals();
  const subscriber = deps.newRedis();
  void subscriber.subscribe(bulkFinishedChannel(prefix)).catch((err: Error) => deps.logger.warn({ err: err.message }, 'bulk-finished subscription failed; polling only'));
  subscriber.on('message', (_ch: string, message: string) => {
    try {
      const { adminGraphqlApiId } = JSON.parse(message) as { adminGraphqlApiId?: string };
      if (adminGraphqlApiId) signals.notify(adminGraphqlApiId);
    } catch {
      // not ours
    }
  });
  return { signals, subscriber };
}

/** The tag sync's per-customer results as the port reports them. */
function tagWriteOutcome(shop: string, changes: readonly TagChange[], results: ReadonlyArray<{ customerId: string; status: string; errors?: unknown }>, logger: Deps['logger']): TagWriteResult {
  const changed: string[] = [];
  const out: TagWriteResult = { written: [], changed, gone: [], failed: [] };
  const answered = new Set<string>();
  for (const r of results) {
    answered.add(r.customerId);
    if (r.status === 'written') changed.push(r.customerId);
    if (r.status === 'written' || r.status === 'unchanged') out.written.push(r.customerId);
    else if (r.status === 'not_found') out.gone.push(r.customerId);
    else {
      out.failed.push(r.customerId);
      logger.warn({ shop, customerId: r.customerId, errors: r.errors }, 'tag write rejected');
    }
  }
  // Customers whose tags already matched get no result line: they are in sync.
  for (const c of changes) if (!answered.has(c.customerId)) out.written.push(c.customerId);
  return out;
}

interface PortParts {
  deps: Deps;
  clients: AdminClients;
  fetchFn: FetchFn;
  wait: { signals: BulkOperationSignals; pollIntervalMs: number };
}

/** Metafield values, diff-only against the digests of the last written ones. */
async function writeMetafieldsDiffOnly(p: PortParts, state: MetafieldSyncState, shop: string, writes: Array<{ customerId: string; value: string }>, bulk: boolean): Promise<MetafieldsWriteResult> {
  const digests = await state.digests(shop, writes.map((w) => w.customerId));
  const changed = writes.filter((w) => digests.get(w.customerId) !== valueDigest(w.value));
  const skipped = writes.filter((w) => !changed.includes(w)).map((w) => w.customerId);
  if (changed.length === 0) return { written: [], skipped, gone: [], failed: [] };
  const client = await p.clients.forShop(shop);
  const r = bulk ? await writeMetafieldsInBulk(client, changed, { fetch: p.fetchFn, ...p.wait }) : await writeMetafields(client, changed);
  const byId = new Map(changed.map((w) => [w.customerId, w.value]));
  await state.markWritten(shop, r.written.map((id) => ({ customerId: id, digest: valueDigest(byId.get(id)!) })));
  return { ...r, skipped };
}

/** The bulk backfill of a shop's orders; keeps the granted scopes current on the way. */
async function backfillOrders(p: PortParts, shop: string, onProgress: (x: { customers: number; orders: number }) => void | Promise<void>): Promise<{ customers: number; orders: number }> {
  const client = await p.clients.forShop(shop);
  const scopesReadAt = new Date();
  const r = await backfillShopOrders({
    client, fetch: p.fetchFn, orders: p.deps.stores.orders, batchSize: 2000, ...p.wait,
    onProgress: (x) => onProgress({ customers: x.customers, orders: x.orders }),
  });
  if (r.notice) p.deps.logger.warn({ shop }, r.notice);
  // Keep the granted scopes current even if an app/scopes_update webhook was lost.
  await p.deps.stores.shops.updateScopes(shop, r.scopes, scopesReadAt, new Date());
  return { customers: r.customers, orders: r.orders };
}

export function createShopifyPort(deps: Deps, o: ShopifyPortOptions = {}): ShopifyPort & { close(): Promise<void> } {
  const { config, logger } = deps;
  const fetchFn = o.fetch ?? createAdminFetch(config.SHOPIFY_API_ORIGIN);
  // Token locks and stats and the metafield digests per shop under its partition's prefix (Deps.shopKeys);
  // the bulk-finished channel under the plain prefix.
  const { shopKeys } = deps;
  const tokens = new OfflineTokens({
    sessions: deps.stores.sessions, shops: deps.stores.shops, logger,
    grants: o.grants ?? tokenGrantsFrom(createShopifyApi(config, logger)),
    lock: new ShopTokenLock(deps.redis, shopKeys), stats: new AuthStats(deps.redis, shopKeys),
    ...(o.refreshMarginMs !== undefined ? { refreshMarginMs: o.refreshMarginMs } : {}),
  });
  const clients = new AdminClients({ tokens, fetch: fetchFn, apiVersion: config.SHOPIFY_API_VERSION, logger });
  const { signals, subscriber } = subscribeBulkFinished(deps, shopKeys.prefix);
  const wait = { signals, pollIntervalMs: o.pollIntervalMs ?? 5000 };
  const parts: PortParts = { deps, clients, fetchFn, wait };
  const objects = new ShopifyObjectsStore(deps.mongo);
  const metafieldState = new MetafieldSyncState(deps.redis, shopKeys);

  return {
    writeTags: guarded(async (shop, changes, opts) => {
      const client = await clients.forShop(shop);
      const report = await syncCustomerTags(
        client,
        changes.map((c) => ({ customerId: c.customerId, tags: c.desired })),
        { prefix: opts.tagPrefix, bulkThreshold: config.BULK_MUTATION_THRESHOLD, fetch: fetchFn, ...wait },
      );
      return tagWriteOutcome(shop, changes, report.results, logger);
    }),
    reconcileSegments: guarded(async (shop, desired, opts) => {
      const report = await reconcileNativeSegments(await clients.forShop(shop), desired, objects.segmentRecords(shop), opts);
      await objects.recordSegmentsReport(shop, report, new Date());
      return report;
    }),
    ensureMetafieldDefinition: guarded(async (shop) => {
      if ((await objects.get(shop))?.metafieldDefinitionId) return { ok: true, errors: [] };
      const r = await ensureMetafieldDefinition(await clients.forShop(shop));
      if (r.ok) await objects.recordMetafieldDefinition(shop, r.id ?? 'existing', new Date());
      return { ok: r.ok, errors: r.errors };
    }),
    reconcileWebPixel: guarded(async (shop) => {
      const want = pixelSettingsFor(await deps.stores.signalSources.pixelKey(shop), config.SHOPIFY_APP_URL);
      const report = await reconcileWebPixel(await clients.forShop(shop), want);
      await objects.recordWebPixel(shop, report, new Date());
      return report;
    }),
    backfillCheckouts: guarded(async (shop, since) => {
      const { engagement, orders } = deps.stores;
      return await backfillAbandonedCheckouts({ client: await clients.forShop(shop), engagement, orders, since, now: () => new Date() });
    }),
    writeCustomerMetafields: guarded(async (shop, writes, opts) => {
      return await writeMetafieldsDiffOnly(parts, metafieldState, shop, writes, opts.bulk);
    }),
    fireFlowTriggers: guarded(async (shop, calls, onOutcome) => {
      await fireFlowTriggers(await clients.forShop(shop), calls, onOutcome);
    }),
    installationState: (shop) => probeInstallation((s) => clients.forShop(s), shop),
    // Answered to the dashboard, not a job: Shopify's errors stay as they are (no worker classification).
    customerNames: async (shop, ids) => fetchCustomerNames(await clients.forShop(shop), ids),
    customerTags: guarded(async (shop) => {
      return await shopCustomerTags(await clients.forShop(shop));
    }),
    backfill: guarded(async (shop, onProgress) => {
      return await backfillOrders(parts, shop, onProgress);
    }),
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
