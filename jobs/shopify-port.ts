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
import type { ShopifyPort, TagWriteResult } from './ports.ts';
import { shopCustomerTags } from '../src/shopify/customer-tags.ts';
import { probeInstallation } from '../src/shopify/installation-probe.ts';
import { bulkFinishedChannel } from './enqueue.ts';
import { reconcileNativeSegments } from '../src/shopify/native-segments.ts';
import { ShopifyObjectsStore } from '../src/profiles/shopify-objects-store.ts';
import { MetafieldSyncState } from '../src/profiles/metafield-sync-state.ts';
import { fireFlowTriggers } from '../src/shopify/flow-triggers.ts';
import { ensureMetafieldDefinition, valueDigest, writeMetafields, writeMetafieldsInBulk } from '../src/shopify/customer-metafield.ts';

export interface ShopifyPortOptions {
  fetch?: FetchFn;
  /** Bulk operation status polling when no webhook arrives (default 5 s; the demo uses less). */
  pollIntervalMs?: number;
  prefix?: string;
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

// Grew past 80 lines on main (flow triggers, metafields) after issue 17's split: still to be split
// into one function per port method.
// eslint-disable-next-line max-lines-per-function
export function createShopifyPort(deps: Deps, o: ShopifyPortOptions = {}): ShopifyPort & { close(): Promise<void> } {
  const { config, logger } = deps;
  const fetchFn = o.fetch ?? createAdminFetch(config.SHOPIFY_API_ORIGIN);
  const prefix = o.prefix ?? config.QUEUE_PREFIX;
  const tokens = new OfflineTokens({
    sessions: deps.stores.sessions, shops: deps.stores.shops, logger,
    grants: o.grants ?? tokenGrantsFrom(createShopifyApi(config, logger)),
    lock: new ShopTokenLock(deps.redis, prefix), stats: new AuthStats(deps.redis, prefix),
    ...(o.refreshMarginMs !== undefined ? { refreshMarginMs: o.refreshMarginMs } : {}),
  });
  const clients = new AdminClients({ tokens, fetch: fetchFn, apiVersion: config.SHOPIFY_API_VERSION, logger });
  const signals = new BulkOperationSignals();
  const subscriber = deps.newRedis();
  const channel = bulkFinishedChannel(prefix);
  void subscriber.subscribe(channel).catch((err: Error) => logger.warn({ err: err.message }, 'bulk-finished subscription failed; polling only'));
  subscriber.on('message', (_ch: string, message: string) => {
    try {
      const { adminGraphqlApiId } = JSON.parse(message) as { adminGraphqlApiId?: string };
      if (adminGraphqlApiId) signals.notify(adminGraphqlApiId);
    } catch {
      // not ours
    }
  });
  const wait = { signals, pollIntervalMs: o.pollIntervalMs ?? 5000 };
  const objects = new ShopifyObjectsStore(deps.mongo);
  const metafieldState = new MetafieldSyncState(deps.redis, prefix);

  return {
    async writeTags(shop, changes, opts) {
      try {
        const client = await clients.forShop(shop);
        const report = await syncCustomerTags(
          client,
          changes.map((c) => ({ customerId: c.customerId, tags: c.desired })),
          { prefix: opts.tagPrefix, bulkThreshold: config.BULK_MUTATION_THRESHOLD, fetch: fetchFn, ...wait },
        );
        const changed: string[] = [];
        const out: TagWriteResult = { written: [], changed, gone: [], failed: [] };
        const answered = new Set<string>();
        for (const r of report.results) {
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
      } catch (err) {
        return classify(err);
      }
    },
    async reconcileSegments(shop, desired, opts) {
      try {
        const report = await reconcileNativeSegments(await clients.forShop(shop), desired, objects.segmentRecords(shop), opts);
        await objects.recordSegmentsReport(shop, report, new Date());
        return report;
      } catch (err) {
        return classify(err);
      }
    },
    async ensureMetafieldDefinition(shop) {
      try {
        if ((await objects.get(shop))?.metafieldDefinitionId) return { ok: true, errors: [] };
        const r = await ensureMetafieldDefinition(await clients.forShop(shop));
        if (r.ok) await objects.recordMetafieldDefinition(shop, r.id ?? 'existing', new Date());
        return { ok: r.ok, errors: r.errors };
      } catch (err) {
        return classify(err);
      }
    },
    async writeCustomerMetafields(shop, writes, opts) {
      try {
        const digests = await metafieldState.digests(shop, writes.map((w) => w.customerId));
        const changed = writes.filter((w) => digests.get(w.customerId) !== valueDigest(w.value));
        const skipped = writes.filter((w) => !changed.includes(w)).map((w) => w.customerId);
        if (changed.length === 0) return { written: [], skipped, gone: [], failed: [] };
        const client = await clients.forShop(shop);
        const r = opts.bulk ? await writeMetafieldsInBulk(client, changed, { fetch: fetchFn, ...wait }) : await writeMetafields(client, changed);
        const byId = new Map(changed.map((w) => [w.customerId, w.value]));
        await metafieldState.markWritten(shop, r.written.map((id) => ({ customerId: id, digest: valueDigest(byId.get(id)!) })));
        return { ...r, skipped };
      } catch (err) {
        return classify(err);
      }
    },
    async fireFlowTriggers(shop, calls, onOutcome) {
      try {
        await fireFlowTriggers(await clients.forShop(shop), calls, onOutcome);
      } catch (err) {
        classify(err);
      }
    },
    installationState: (shop) => probeInstallation((s) => clients.forShop(s), shop),
    async customerTags(shop) {
      try {
        return await shopCustomerTags(await clients.forShop(shop));
      } catch (err) {
        return classify(err);
      }
    },
    async backfill(shop, onProgress) {
      try {
        const client = await clients.forShop(shop);
        const scopesReadAt = new Date();
        const r = await backfillShopOrders({
          client, fetch: fetchFn, orders: deps.stores.orders, batchSize: 2000, ...wait,
          onProgress: (p) => onProgress({ customers: p.customers, orders: p.orders }),
        });
        if (r.notice) logger.warn({ shop }, r.notice);
        // Keep the granted scopes current even if an app/scopes_update webhook was lost.
        await deps.stores.shops.updateScopes(shop, r.scopes, scopesReadAt, new Date());
        return { customers: r.customers, orders: r.orders };
      } catch (err) {
        return classify(err);
      }
    },
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
