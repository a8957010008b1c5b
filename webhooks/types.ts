// Shared shapes of the webhook handlers (one file per topic group).
import type { Connection } from 'mongoose';
import type { Logger } from '../src/logger.ts';
import type { CustomerProfileStore } from '../src/profiles/customer-profile-store.ts';
import type { OrderStore } from '../src/profiles/order-store.ts';
import type { WebhookDeliveryStore } from '../src/profiles/webhook-delivery-store.ts';
import type { DeadLetterStore } from '../src/profiles/dead-letter-store.ts';
import type { ShopStore } from '../src/profiles/shop-store.ts';
import type { MongoSessionStore } from '../src/profiles/session-store.ts';
import type { DataRequestStore } from '../src/profiles/data-request-store.ts';
import type { EngagementStore } from '../src/profiles/engagement-store.ts';
import type { SignalSourceStore } from '../src/profiles/signal-source-store.ts';
import type { WebhookEffects } from './effects.ts';
import { explanationText, message, type EXPLANATIONS_EN, type ExplanationParam } from '../src/segments/explanation.ts';

export interface WebhookStores {
  /** customers/redact deletes the profile through it (its place in the membership index and counts goes too). */
  profiles: CustomerProfileStore;
  orders: OrderStore;
  deliveries: WebhookDeliveryStore;
  deadLetters: DeadLetterStore;
  shops: ShopStore;
  sessions: MongoSessionStore;
  dataRequests: DataRequestStore;
  /** Checkouts (webhooks/checkouts.ts) and the order that finishes one. */
  engagement: EngagementStore;
  /** Last delivery and drop counts per signal source (settings page). */
  signalSources: SignalSourceStore;
}

/**
 * app/uninstalled is confirmed with Shopify before anything is deleted (the topic header is not
 * signed): a call with the stored token. 'active' = it still works, the app is installed, the
 * delivery is refused; 'revoked' = Shopify refused the token; 'no-token' = we hold none (or none that
 * decrypts). A transient failure throws (the delivery is retried). Implemented in src/shopify.
 */
export interface InstallationProbe {
  probe(shop: string): Promise<'active' | 'revoked' | 'no-token'>;
}

export interface HandlerDeps {
  stores: WebhookStores;
  installation: InstallationProbe;
  /** For generic erasure across collections (src/profiles/shop-data-eraser.ts). */
  connection: Connection;
  effects: WebhookEffects;
  logger: Logger;
}

export interface WebhookDelivery {
  shop: string;
  /** Lower-case with a slash, as in the X-Shopify-Topic header: 'orders/create'. */
  topic: string;
  webhookId: string;
  /** Parsed with big ids kept as strings. */
  payload: unknown;
  receivedAt: Date;
}

export type HandlerOutcome =
  | { kind: 'done'; detail: string; /** false: nothing to remember (an echo of our own tag write, see router) */ remember?: boolean }
  | { kind: 'unusable'; reason: string; customerId?: string | null };

export type WebhookHandler = (delivery: WebhookDelivery, deps: HandlerDeps) => Promise<HandlerOutcome>;

export const done = (detail: string, remember = true): HandlerOutcome => ({ kind: 'done', detail, ...(remember ? {} : { remember: false }) });
export const unusable = (reason: string, customerId: string | null = null): HandlerOutcome => ({ kind: 'unusable', reason, customerId });

export type DeadLetterReason = keyof typeof EXPLANATIONS_EN.deadLetters;

/**
 * A dead letter's reason: the English of its template (`explanations.deadLetters`), so the Sync page
 * reads the stored text back as a message and shows it in the viewer's language (web/admin/sync.ts).
 */
export const deadLetterReason = (key: DeadLetterReason, params: Record<string, ExplanationParam> = {}): string => explanationText(message(`deadLetters.${key}`, params));
