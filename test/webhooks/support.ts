// Builds the webhook router on real MongoDB with recording effects, served on a random port.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { Connection } from 'mongoose';
import { createWebhookRouter } from '../../webhooks/router.ts';
import type { BulkOperationFinishedPayload, WebhookEffects } from '../../webhooks/effects.ts';
import type { InstallationProbe, WebhookStores } from '../../webhooks/types.ts';
import { randomBytes } from 'node:crypto';
import { Redis as IORedis, type Redis } from 'ioredis';
import { CustomerProfileStore } from '../../src/profiles/customer-profile-store.ts';
import { DerivedBuffer } from '../../src/profiles/derived-buffer.ts';
import { OrderStore } from '../../src/profiles/order-store.ts';
import { DocLocks } from '../../src/profiles/doc-locks.ts';
import { WebhookDeliveryStore } from '../../src/profiles/webhook-delivery-store.ts';
import { DeadLetterStore } from '../../src/profiles/dead-letter-store.ts';
import { ShopStore } from '../../src/profiles/shop-store.ts';
import { MongoSessionStore } from '../../src/profiles/session-store.ts';
import { DataRequestStore } from '../../src/profiles/data-request-store.ts';
import { EngagementStore } from '../../src/profiles/engagement-store.ts';
import { SignalSourceStore } from '../../src/profiles/signal-source-store.ts';
import { Keyring } from '../../src/shopify/token-crypto.ts';
import { webhookHmac } from '../../webhooks/verify-hmac.ts';
import { testLogger } from '../support/test-services.ts';
import { serviceUrls } from '../../src/config.ts';
import { ensureIndexes } from '../../src/deps.ts';

export class RecordingEffects implements WebhookEffects {
  calls: string[] = [];
  bulk: BulkOperationFinishedPayload[] = [];
  /** Makes the next N effect calls throw, to simulate a queue outage. */
  failNext = 0;
  private maybeFail(): void {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('queue unavailable');
    }
  }
  async recomputeCustomer(shop: string, customerId: string) { this.maybeFail(); this.calls.push(`recompute ${shop} ${customerId}`); }
  async customerChanged(shop: string, customerId: string) { this.maybeFail(); this.calls.push(`recompute ${shop} ${customerId}`); return false; }
  async customerTagsObserved(shop: string, customerId: string, appTags: readonly string[]) { this.maybeFail(); this.calls.push(`observed ${shop} ${customerId} ${appTags.join(',')}`); return false; }
  async tagEchoPrefix() { this.maybeFail(); return null; }
  async customerDeleted(shop: string, customerId: string) { this.maybeFail(); this.calls.push(`deleted ${shop} ${customerId}`); }
  async shopUninstalled(shop: string) { this.maybeFail(); this.calls.push(`uninstalled ${shop}`); }
  async readAllOrdersGranted(shop: string) { this.maybeFail(); this.calls.push(`read_all_orders ${shop}`); }
  async shopErased(shop: string) { this.maybeFail(); this.calls.push(`erased ${shop}`); }
  async bulkOperationFinished(shop: string, payload: BulkOperationFinishedPayload) { this.maybeFail(); this.calls.push(`bulk ${shop} ${payload.adminGraphqlApiId}`); this.bulk.push(payload); }
}

/** What the app/uninstalled check hears from "Shopify" (src/shopify/installation-probe.ts in the app). */
export class RecordingInstallation implements InstallationProbe {
  state: 'active' | 'revoked' | 'no-token' = 'revoked';
  probed: string[] = [];
  async probe(shop: string) { this.probed.push(shop); return this.state; }
}

/** With `redis`, order writes take per-document locks as in the app (src/deps.ts). */
export function makeStores(conn: Connection, redis?: Redis, lockPrefix = 'test'): WebhookStores {
  // Profile saves and deletions (customers/redact) coordinate in Redis: a connection of its own when the
  // test gave none (it connects on first use; the test runner ends the process).
  const derivedRedis = redis ?? new IORedis(serviceUrls().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  return {
    profiles: new CustomerProfileStore(conn, null, new DerivedBuffer(derivedRedis, `${lockPrefix}-${randomBytes(4).toString('hex')}`)),
    orders: new OrderStore(conn, redis ? new DocLocks(redis, lockPrefix) : null),
    deliveries: new WebhookDeliveryStore(conn),
    deadLetters: new DeadLetterStore(conn),
    shops: new ShopStore(conn),
    sessions: new MongoSessionStore(conn, Buffer.alloc(32, 3)),
    dataRequests: new DataRequestStore(conn),
    engagement: new EngagementStore(conn),
    signalSources: new SignalSourceStore(conn, new Keyring(Buffer.alloc(32, 3))),
  };
}

export interface WebhookServer {
  url: string;
  stores: WebhookStores;
  effects: RecordingEffects;
  installation: RecordingInstallation;
  close(): Promise<void>;
}

export async function startWebhookServer(conn: Connection, secrets: { current: string; previous?: string }, bodyLimit?: string): Promise<WebhookServer> {
  const stores = makeStores(conn);
  await ensureIndexes(stores);
  const effects = new RecordingEffects();
  const installation = new RecordingInstallation();
  const app = express();
  app.use(createWebhookRouter({ stores, connection: conn, effects, installation, logger: testLogger, secrets, ...(bodyLimit ? { bodyLimit } : {}) }));
  const server: Server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    stores,
    effects,
    installation,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let counter = 0;
export interface SendOptions { topic: string; shop?: string; webhookId?: string; secret?: string; hmac?: string | null; eventId?: string; triggeredAt?: string }

export async function sendWebhook(url: string, body: string, o: SendOptions): Promise<{ status: number; json: Record<string, unknown> }> {
  counter += 1;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shopify-topic': o.topic,
    'x-shopify-shop-domain': o.shop ?? 'shop-a.myshopify.com',
    'x-shopify-webhook-id': o.webhookId ?? `wh-${process.pid}-${counter}`,
    'x-shopify-api-version': '2026-10',
  };
  if (o.eventId !== undefined) headers['x-shopify-event-id'] = o.eventId;
  if (o.triggeredAt !== undefined) headers['x-shopify-triggered-at'] = o.triggeredAt;
  const hmac = o.hmac === undefined ? webhookHmac(body, o.secret ?? 'current-secret') : o.hmac;
  if (hmac !== null) headers['x-shopify-hmac-sha256'] = hmac;
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}
