// POST /webhooks. Each delivery goes:
//   raw body → HMAC check (current or previous secret) → processed now or queued → 200.
// Processed now: durable dedupe → parse → the topic's handler (ROUTES below) → 200.
// Queued (under load, on our own failure, or always, per WEBHOOK_MODE): 200 once it is durable in
//   Redis; webhooks/consumer.ts processes it later.
//
// Answers:
// - Bad signature: 401, nothing stored.
// - Valid but unusable (bad payload, unknown topic, shop not installed): 200 and a dead letter, as
//   Shopify would otherwise retry for hours.
// - Our own failure (database down): 500 and nothing recorded, so Shopify retries. A delivery counts
//   as seen only after its handler succeeded (handlers are idempotent).
//
// The HMAC covers the body only (https://shopify.dev/docs/apps/build/webhooks/delivery-structure):
// topic, shop, webhook id, event id and X-Shopify-Triggered-At are unsigned headers. So:
// - each topic's payload schema refuses another topic's payload;
// - a shop named in the payload must be the header's shop;
// - a delivery triggered outside Shopify's retry window (8 tries over 4 hours,
//   https://shopify.dev/changelog/updates-to-webhook-retry-mechanism) is refused;
// - one event id acts once (https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates).
import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { verifyWebhookHmac } from './verify-hmac.ts';
import { parseJsonKeepingBigIds } from './parse-json-ids.ts';
import { handleOrderUpsert } from './orders-upsert.ts';
import { handleOrderDelete } from './orders-delete.ts';
import { handleRefundCreate } from './refunds-create.ts';
import { handleCustomerUpsert, recogniseOwnTagEcho } from './customers-upsert.ts';
import { handleCustomerDelete } from './customers-delete.ts';
import { handleAppUninstalled } from './app-uninstalled.ts';
import { handleBulkOperationFinish } from './bulk-operations-finish.ts';
import { handleCustomerDataRequest, handleCustomerRedact, handleShopRedact } from './compliance.ts';
import { handleAppScopesUpdate } from './app-scopes-update.ts';
import { handleCheckout } from './checkouts.ts';
import { deliveryDedupeKey } from '../src/profiles/webhook-delivery-store.ts';
import type { HandlerDeps, HandlerOutcome, WebhookDelivery, WebhookHandler } from './types.ts';
import type { AcceptedDelivery, InboxDelivery } from '../jobs/enqueue.ts';
import { SHOP_DOMAIN } from '../src/shopify/shop-domain.ts';
import { deadLetterReason } from './types.ts';

interface Route {
  handle: WebhookHandler;
  /** Compliance and uninstall topics must be honoured even when the shop is no longer installed. */
  needsInstalledShop: boolean;
  /**
   * Tried before the durable dedupe: true when the delivery needs nothing more (the echo of our own
   * tag write), so it costs no database round trip; it must be harmless to run on a duplicate.
   */
  nothingToDo?: (delivery: Pick<WebhookDelivery, 'shop' | 'payload'>, deps: HandlerDeps) => Promise<boolean>;
}

const ROUTES: Record<string, Route> = {
  'orders/create': { handle: handleOrderUpsert, needsInstalledShop: true },
  'orders/updated': { handle: handleOrderUpsert, needsInstalledShop: true },
  'orders/paid': { handle: handleOrderUpsert, needsInstalledShop: true },
  'orders/cancelled': { handle: handleOrderUpsert, needsInstalledShop: true },
  'orders/delete': { handle: handleOrderDelete, needsInstalledShop: true },
  'refunds/create': { handle: handleRefundCreate, needsInstalledShop: true },
  'customers/create': { handle: handleCustomerUpsert, needsInstalledShop: true },
  'customers/update': { handle: handleCustomerUpsert, needsInstalledShop: true, nothingToDo: recogniseOwnTagEcho },
  'customers/delete': { handle: handleCustomerDelete, needsInstalledShop: false },
  'app/uninstalled': { handle: handleAppUninstalled, needsInstalledShop: false },
  'app/scopes_update': { handle: handleAppScopesUpdate, needsInstalledShop: true },
  'bulk_operations/finish': { handle: handleBulkOperationFinish, needsInstalledShop: true },
  'checkouts/create': { handle: handleCheckout, needsInstalledShop: true },
  'checkouts/update': { handle: handleCheckout, needsInstalledShop: true },
  'customers/data_request': { handle: handleCustomerDataRequest, needsInstalledShop: false },
  'customers/redact': { handle: handleCustomerRedact, needsInstalledShop: false },
  'shop/redact': { handle: handleShopRedact, needsInstalledShop: false },
};

export const HANDLED_TOPICS = Object.keys(ROUTES);

export interface WebhookRouterDeps extends HandlerDeps {
  secrets: { current: string; previous?: string | undefined };
  /** Largest accepted body (express/bytes syntax); larger → 413 before anything is parsed. */
  bodyLimit?: string;
  now?: () => Date;
  /**
   * How long a positive "shop is installed" answer is reused (ms, default 30 s): saves a database
   * round trip per delivery. app/uninstalled clears it at once in this process; another process may
   * accept a shop's orders for up to this long after an uninstall (harmless: shop/redact erases them).
   */
  installCacheMs?: number;
  /**
   * Queued mode: an authentic delivery is handed to this inbox (a BullMQ queue, durable in Redis) and
   * answered 200 at once; webhooks/consumer.ts processes it. Without it, the request processes inline.
   */
  inbox?: WebhookInbox;
  /**
   * With an inbox: deliveries processed in the request while fewer than this many are in flight
   * (fast path: fresh data at once); above it, or when inline processing fails or exceeds
   * inlineBudgetMs, the delivery is queued instead. 0 = always queue.
   */
  inlineLimit?: number;
  /** How long an inline attempt may take before the delivery is queued and answered (default 2 s). */
  inlineBudgetMs?: number;
}

/** Where queued deliveries go (implemented by jobs/enqueue.ts; jobs/ may not import webhooks/). */
export interface WebhookInbox {
  acceptWebhook(delivery: InboxDelivery): Promise<void>;
}


const idString = (id: unknown): string | null =>
  typeof id === 'string' && /^\d+$/.test(id) ? id : typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : null;

/** The customer a payload names: the resource itself for customers/*, else `customer.id`. */
export function customerIdIn(topic: string, payload: unknown): string | null {
  const p = payload as { id?: unknown; customer?: { id?: unknown } | null } | null;
  if (topic.startsWith('customers/') && !['customers/redact', 'customers/data_request'].includes(topic)) return idString(p?.id);
  return idString(p?.customer?.id);
}

/** Shopify's retry window (8 tries over 4 hours) plus the clock skew we tolerate either way. */
export const DELIVERY_WINDOW_MS = 4 * 3600_000;
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Why X-Shopify-Triggered-At rules the delivery out, or null (absent: older deliveries lack it). */
export function triggeredAtProblem(triggeredAt: string | null, receivedAt: Date): string | null {
  if (triggeredAt === null) return null;
  const at = Date.parse(triggeredAt);
  if (Number.isNaN(at)) return deadLetterReason('triggeredNotDate');
  const age = receivedAt.getTime() - at;
  if (age > DELIVERY_WINDOW_MS + CLOCK_SKEW_MS) return deadLetterReason('replay', { minutes: Math.round(age / 60_000) });
  if (-age > CLOCK_SKEW_MS) return deadLetterReason('future');
  return null;
}

/** A shop the payload names (`shop_domain`, `myshopify_domain`, a myshopify `domain`) other than the header's. */
export function otherShopIn(payload: unknown, shop: string): string | null {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  const p = payload as Record<string, unknown>;
  const named = [p.shop_domain, p.myshopify_domain, typeof p.domain === 'string' && /\.myshopify\.com$/i.test(p.domain) ? p.domain : undefined];
  for (const n of named) if (n !== undefined && n !== null && (typeof n !== 'string' || n.toLowerCase() !== shop)) return String(n);
  return null;
}

const header = (req: Request, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};


export interface ProcessResult {
  status: number;
  body: Record<string, unknown>;
}

/** "Is this shop installed?" with a short positive cache (see installCacheMs). */
export function installedShops(deps: Pick<HandlerDeps, 'stores'>, installCacheMs = 30_000): { isInstalled(shop: string): Promise<boolean>; forget(shop: string): void } {
  const installedUntil = new Map<string, number>();
  return {
    async isInstalled(shop) {
      const until = installedUntil.get(shop);
      if (until !== undefined && until > Date.now()) return true;
      const installed = await deps.stores.shops.isInstalled(shop);
      if (installed && installCacheMs > 0) installedUntil.set(shop, Date.now() + installCacheMs);
      else installedUntil.delete(shop);
      return installed;
    },
    forget: (shop) => { installedUntil.delete(shop); },
  };
}

/**
 * Durable dedupe → parse → topic handler → delivery recorded. Shared by the inline route and the queue
 * consumer (webhooks/consumer.ts). Status 200 = done (processed, duplicate or dead letter); 500 = our
 * own failure, nothing recorded, to be retried (by Shopify inline, by BullMQ when queued).
 */
export async function processDelivery(deps: HandlerDeps, installs: ReturnType<typeof installedShops>, d: AcceptedDelivery): Promise<ProcessResult> {
  const { stores, logger } = deps;
  const { shop, topic, webhookId, receivedAt } = d;
  const key = deliveryDedupeKey(d);
  const log = logger.child({ shop, topic, webhookId, eventId: d.eventId });
  const route = Object.hasOwn(ROUTES, topic) ? ROUTES[topic] : undefined;
  if (topic === 'app/uninstalled' || topic === 'shop/redact') installs.forget(shop);
  // The install check is a read: run it alongside the dedupe read rather than after it.
  const installCheck = route?.needsInstalledShop ? installs.isInstalled(shop) : Promise.resolve(true);
  installCheck.catch(() => undefined);

  const payloadForDeadLetter = (): unknown => {
    try {
      return parseJsonKeepingBigIds(d.body);
    } catch {
      return { unparsable: true, bytes: Buffer.byteLength(d.body) };
    }
  };
  const dispatch = async (): Promise<HandlerOutcome> => {
    if (!route) return { kind: 'unusable', reason: deadLetterReason('unhandledTopic', { topic }) };
    let payload: unknown;
    try {
      payload = parseJsonKeepingBigIds(d.body);
    } catch {
      return { kind: 'unusable', reason: deadLetterReason('notJson') };
    }
    const stale = triggeredAtProblem(d.triggeredAt, new Date(d.arrivedAt));
    if (stale) return { kind: 'unusable', reason: stale };
    const other = otherShopIn(payload, shop);
    if (other !== null) return { kind: 'unusable', reason: deadLetterReason('otherShop') };
    if (!(await installCheck)) return { kind: 'unusable', reason: deadLetterReason('notInstalled') };
    return route.handle({ shop, topic, webhookId, payload, receivedAt }, deps);
  };

  try {
    if (route?.nothingToDo && (await nothingToDo(route.nothingToDo, deps, d))) {
      log.debug('echo of our own tag write');
      return { status: 200, body: { ok: true } };
    }
    if (await stores.deliveries.seen(shop, key)) {
      log.debug('duplicate delivery ignored');
      return { status: 200, body: { ok: true, duplicate: true } };
    }
    const outcome = await dispatch();
    if (outcome.kind === 'unusable') {
      const payload = payloadForDeadLetter();
      // Tagged with the customer it names, so customers/redact erases it too.
      const customerId = outcome.customerId ?? customerIdIn(topic, payload);
      await stores.deadLetters.record({ shop, webhookId, topic, reason: outcome.reason, customerId, payload }, receivedAt);
      await stores.deliveries.markDelivered(shop, key, webhookId, topic, receivedAt);
      log.warn({ reason: outcome.reason }, 'webhook kept as dead letter');
      return { status: 200, body: { ok: true, deadLetter: true } };
    }
    // shop/redact has just erased everything held on the shop, delivery records included; erasing
    // again on a duplicate is harmless, so it leaves no new record behind.
    // An echo of our own tag write (remember: false) leaves no record either: millions of them follow a
    // large shop's first tag sync, and a duplicate of one costs at most a deduplicated recompute.
    if (topic !== 'shop/redact' && outcome.remember !== false) await stores.deliveries.markDelivered(shop, key, webhookId, topic, receivedAt);
    log.debug({ detail: outcome.detail }, 'webhook processed');
    return { status: 200, body: { ok: true } };
  } catch (err) {
    // Our failure, not the payload's: nothing was recorded as delivered, so a retry is processed.
    log.error({ err }, 'webhook processing failed; it will be retried');
    return { status: 500, body: { error: 'processing failed' } };
  }
}

/** Runs a route's nothingToDo check on the parsed body (an unparsable body: false, the full path decides). */
async function nothingToDo(check: NonNullable<Route['nothingToDo']>, deps: HandlerDeps, d: AcceptedDelivery): Promise<boolean> {
  let payload: unknown;
  try {
    payload = parseJsonKeepingBigIds(d.body);
  } catch {
    return false;
  }
  return check({ shop: d.shop, payload }, deps);
}

function customerIdsOf(d: AcceptedDelivery): string[] {
  try {
    const id = customerIdIn(d.topic, parseJsonKeepingBigIds(d.body));
    return id ? [id] : [];
  } catch {
    return [];
  }
}

export function createWebhookRouter(deps: WebhookRouterDeps): Router {
  const router = express.Router();
  const now = deps.now ?? (() => new Date());
  const { logger } = deps;
  const installs = installedShops(deps, deps.installCacheMs ?? 30_000);
  const inlineLimit = deps.inlineLimit ?? 0;
  const inlineBudgetMs = deps.inlineBudgetMs ?? 2000;
  let inFlight = 0;

  const respond = (res: Response, status: number, body: Record<string, unknown>) => res.status(status).json(body);

  router.post(
    '/webhooks',
    express.raw({ type: () => true, limit: deps.bodyLimit ?? '2mb' }),
    async (req: Request, res: Response) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const check = verifyWebhookHmac(raw, header(req, 'x-shopify-hmac-sha256'), deps.secrets);
      if (!check.valid) {
        logger.warn({ reason: check.reason }, 'webhook rejected: bad signature');
        return respond(res, 401, { error: 'invalid signature' });
      }
      const hmac = header(req, 'x-shopify-hmac-sha256')!;
      const topic = header(req, 'x-shopify-topic')?.toLowerCase();
      const shop = header(req, 'x-shopify-shop-domain')?.toLowerCase();
      const webhookId = header(req, 'x-shopify-webhook-id');
      const eventId = header(req, 'x-shopify-event-id') || undefined;
      if (!topic || !shop || !webhookId || !SHOP_DOMAIN.test(shop)) {
        logger.warn({ topic, shop, hasWebhookId: Boolean(webhookId) }, 'webhook rejected: missing or malformed headers');
        return respond(res, 400, { error: 'missing X-Shopify-Topic, X-Shopify-Shop-Domain or X-Shopify-Webhook-Id' });
      }
      const delivery: AcceptedDelivery = {
        shop, topic, webhookId, eventId: eventId ?? null, triggeredAt: header(req, 'x-shopify-triggered-at') ?? null,
        hmac, body: raw.toString('utf8'), receivedAt: now(), arrivedAt: Date.now(),
      };
      const inbox = deps.inbox;
      if (!inbox) {
        const result = await processDelivery(deps, installs, delivery);
        return respond(res, result.status, result.body);
      }
      // Durable in Redis (AOF) is enough to acknowledge; the consumer does the rest.
      const queue = async () => {
        try {
          await inbox.acceptWebhook({ ...delivery, dedupeKey: deliveryDedupeKey(delivery), customerIds: customerIdsOf(delivery) });
          return respond(res, 200, { ok: true, queued: true });
        } catch (err) {
          logger.error({ shop, topic, webhookId, err }, 'webhook could not be queued; Shopify will retry');
          return respond(res, 500, { error: 'could not queue' });
        }
      };
      if (inFlight >= inlineLimit) return queue();
      // Fast path: process now. A failure of ours or a slow attempt (database away) is queued instead;
      // if the slow attempt still finishes, the queued copy finds it done (durable dedupe).
      inFlight++;
      const inline = processDelivery(deps, installs, delivery).finally(() => { inFlight--; });
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<null>((r) => { timer = setTimeout(() => r(null), inlineBudgetMs); });
      const first = await Promise.race([inline, budget]);
      clearTimeout(timer);
      if (first && first.status < 500) return respond(res, first.status, first.body);
      return queue();
    },
  );

  const bodyErrors: ErrorRequestHandler = (err: { status?: number; type?: string }, _req, res, next) => {
    if (err.type === 'entity.too.large' || err.status === 413) return respond(res, 413, { error: 'payload too large' });
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return respond(res, err.status, { error: 'bad request' });
    return next(err);
  };
  router.use(bodyErrors);
  return router;
}
