// Delivers webhooks the way Shopify does: signed POSTs, at least once, retried with exponential
// backoff on non-2xx/redirect/timeout, optionally duplicated, reordered and late (all seeded).
import { createHmac, randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import { isoUtc } from './formats.ts';
import { derivedPrng } from '../seeded-random.ts';
import type { Prng } from '../seeded-random.ts';

export interface WebhookOptions {
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** No answer within this → failed attempt (Shopify: 5 s). */
  timeoutMs?: number;
  /** Tries in all, first included (Shopify: 8 over 4 hours). */
  maxAttempts?: number;
  /** Wait before retry i (i = 0 after the first failure); the last entry repeats. Default: 4 h exponential. */
  retryDelaysMs?: number[];
  /** Probability that a delivered webhook is delivered once more (same X-Shopify-Webhook-Id). */
  duplicateRate?: number;
  /**
   * Duplicates arrive as a new delivery of the same event: a fresh X-Shopify-Webhook-Id, the same
   * X-Shopify-Event-Id — what an app with two subscriptions to one topic receives
   * (https://shopify.dev/docs/apps/build/webhooks/ignore-duplicates). Default false.
   */
  duplicateAsNewDelivery?: boolean;
  /** Each delivery waits a seeded random 0..window ms first, so deliveries arrive out of order. */
  reorderWindowMs?: number;
  /** Probability that a delivery is held back lateDelayMs. */
  lateRate?: number;
  lateDelayMs?: number;
  /**
   * Keep every delivery in the log once it is settled (default true: tests read it). A store-sized
   * run sets false: delivered and failed deliveries then leave the log (pending and stopped ones stay).
   */
  keepLog?: boolean;
}

export interface DeliveryAttempt {
  at: string;
  status?: number;
  error?: string;
}

export interface DeliveryRecord {
  webhookId: string;
  eventId: string;
  topic: string;
  shop: string;
  apiKey: string;
  address: string;
  body: string;
  headers: Record<string, string>;
  duplicate: boolean;
  state: 'pending' | 'delivered' | 'failed' | 'stopped';
  attempts: DeliveryAttempt[];
}

export interface WebhookTarget {
  shop: string;
  apiKey: string;
  apiSecret: string;
  address: string;
  apiVersion: string;
}

export interface WebhookCounters {
  sent: number;
  delivered: number;
  failedAttempts: number;
  retried: number;
  duplicated: number;
  failed: number;
  pending: number;
}

const FOUR_HOURS = 4 * 3600 * 1000;

export function shopifyHmac(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

/** 7 waits doubling each time and adding up to 4 hours: 8 tries over 4 h like Shopify. */
export function defaultRetryDelays(maxAttempts: number): number[] {
  const gaps = Math.max(1, maxAttempts - 1);
  const unit = FOUR_HOURS / (2 ** gaps - 1);
  return Array.from({ length: gaps }, (_, i) => Math.round(unit * 2 ** i));
}

export class WebhookDelivery {
  readonly #clock: Clock;
  readonly #prng: Prng;
  #opts: Required<WebhookOptions>;
  /** Every delivery sent (keepLog), or only those not yet delivered or failed. */
  readonly #log = new Set<DeliveryRecord>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #controllers = new Set<AbortController>();
  /**
   * Deliveries due, oldest first, read from #head: shift() on a large array copies what is left on
   * each call, so a backlog of echoes (a million tag writes) made each dequeue cost more than the last.
   */
  #queue: Array<DeliveryRecord | undefined> = [];
  #head = 0;
  #inFlight = 0;
  #scheduled = 0;
  #closed = false;
  #idleWaiters: Array<() => void> = [];
  readonly #counters = new Map<string, WebhookCounters>();
  /** Decided at send time (not on completion) so the seeded draws do not depend on network timing. */
  readonly #duplicateDelay = new WeakMap<DeliveryRecord, number>();

  constructor(clock: Clock, seed: number, opts: WebhookOptions = {}) {
    this.#clock = clock;
    this.#prng = derivedPrng(seed, 'webhooks');
    this.#opts = WebhookDelivery.withDefaults(opts);
  }

  static withDefaults(opts: WebhookOptions): Required<WebhookOptions> {
    const maxAttempts = opts.maxAttempts ?? 8;
    return {
      concurrency: opts.concurrency ?? 4,
      timeoutMs: opts.timeoutMs ?? 5000,
      maxAttempts,
      retryDelaysMs: opts.retryDelaysMs ?? defaultRetryDelays(maxAttempts),
      duplicateRate: opts.duplicateRate ?? 0,
      duplicateAsNewDelivery: opts.duplicateAsNewDelivery ?? false,
      reorderWindowMs: opts.reorderWindowMs ?? 0,
      lateRate: opts.lateRate ?? 0,
      lateDelayMs: opts.lateDelayMs ?? 0,
      keepLog: opts.keepLog ?? true,
    };
  }

  configure(opts: WebhookOptions): void {
    const merged = { ...this.#opts, ...opts };
    if (opts.maxAttempts !== undefined && opts.retryDelaysMs === undefined) merged.retryDelaysMs = defaultRetryDelays(opts.maxAttempts);
    this.#opts = merged;
  }

  counters(shop: string): WebhookCounters {
    let c = this.#counters.get(shop);
    if (!c) {
      c = { sent: 0, delivered: 0, failedAttempts: 0, retried: 0, duplicated: 0, failed: 0, pending: 0 };
      this.#counters.set(shop, c);
    }
    return c;
  }

  log(shop?: string): DeliveryRecord[] {
    const all = [...this.#log];
    return shop ? all.filter((r) => r.shop === shop) : all;
  }

  /** Queues one delivery of `body` (already serialised) to `target`; eventId groups subscriptions of one event. */
  send(target: WebhookTarget, topic: string, body: string, eventId: string): DeliveryRecord {
    const webhookId = randomUUID();
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'Shopify-Captain-Hook',
      'X-Shopify-Topic': topic,
      'X-Shopify-Hmac-Sha256': shopifyHmac(body, target.apiSecret),
      'X-Shopify-Shop-Domain': target.shop,
      'X-Shopify-API-Version': target.apiVersion,
      'X-Shopify-Webhook-Id': webhookId,
      'X-Shopify-Event-Id': eventId,
      'X-Shopify-Triggered-At': isoUtc(this.#clock.now()).replace('Z', '.000Z'),
    };
    const rec: DeliveryRecord = {
      webhookId, eventId, topic, shop: target.shop, apiKey: target.apiKey, address: target.address,
      body, headers, duplicate: false, state: 'pending', attempts: [],
    };
    this.#log.add(rec);
    const c = this.counters(target.shop);
    c.sent++;
    c.pending++;
    let delay = this.#opts.reorderWindowMs > 0 ? this.#prng.int(0, this.#opts.reorderWindowMs) : 0;
    if (this.#prng.chance(this.#opts.lateRate)) delay += this.#opts.lateDelayMs;
    if (this.#prng.chance(this.#opts.duplicateRate)) {
      this.#duplicateDelay.set(rec, this.#opts.reorderWindowMs > 0 ? this.#prng.int(0, this.#opts.reorderWindowMs) : 0);
    }
    this.#schedule(rec, delay);
    return rec;
  }

  #schedule(rec: DeliveryRecord, delayMs: number): void {
    if (this.#closed) return;
    this.#scheduled++;
    const run = (): void => {
      if (this.#closed) return; // close() already zeroed the count
      this.#scheduled--;
      this.#queue.push(rec);
      this.#pump();
    };
    if (delayMs <= 0) {
      queueMicrotask(run);
      return;
    }
    const t = setTimeout(() => {
      this.#timers.delete(t);
      run();
    }, delayMs);
    this.#timers.add(t);
  }

  #pump(): void {
    while (!this.#closed && this.#inFlight < this.#opts.concurrency && this.#head < this.#queue.length) {
      const rec = this.#queue[this.#head]!;
      // Read: no longer held by the queue (a settled delivery may then be collected).
      this.#queue[this.#head++] = undefined;
      // Read positions past half the array are dropped now and then: each record is copied once at most.
      if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#inFlight++;
      void this.#attempt(rec).finally(() => {
        this.#inFlight--;
        this.#pump();
        this.#checkIdle();
      });
    }
    this.#checkIdle();
  }

  async #attempt(rec: DeliveryRecord): Promise<void> {
    if (this.#closed) return;
    const controller = new AbortController();
    this.#controllers.add(controller);
    const timer = setTimeout(() => controller.abort(new Error('timeout')), this.#opts.timeoutMs);
    const attempt: DeliveryAttempt = { at: new Date(this.#clock.now()).toISOString() };
    rec.attempts.push(attempt);
    let ok = false;
    try {
      const res = await fetch(rec.address, { method: 'POST', headers: rec.headers, body: rec.body, redirect: 'manual', signal: controller.signal });
      attempt.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      ok = res.status >= 200 && res.status < 300;
    } catch (err) {
      attempt.error = controller.signal.aborted ? (this.#closed ? 'stopped' : 'timeout') : String((err as Error).cause ?? (err as Error).message);
    } finally {
      clearTimeout(timer);
      this.#controllers.delete(controller);
    }
    const c = this.counters(rec.shop);
    if (ok) {
      rec.state = 'delivered';
      this.#settled(rec);
      c.delivered++;
      if (!rec.duplicate) c.pending--;
      const dupDelay = this.#duplicateDelay.get(rec);
      if (!rec.duplicate && dupDelay !== undefined) this.#duplicate(rec, dupDelay);
      return;
    }
    c.failedAttempts++;
    if (this.#closed) {
      rec.state = 'stopped';
      return;
    }
    if (rec.attempts.length >= this.#opts.maxAttempts) {
      rec.state = 'failed';
      this.#settled(rec);
      if (!rec.duplicate) {
        c.failed++;
        c.pending--;
      }
      return;
    }
    c.retried++;
    const delays = this.#opts.retryDelaysMs;
    const wait = delays[Math.min(rec.attempts.length - 1, delays.length - 1)] ?? 0;
    this.#schedule(rec, wait);
  }

  #duplicate(original: DeliveryRecord, delayMs: number): void {
    const dup: DeliveryRecord = { ...original, duplicate: true, state: 'pending', attempts: [] };
    if (this.#opts.duplicateAsNewDelivery) {
      dup.webhookId = randomUUID();
      dup.headers = { ...original.headers, 'X-Shopify-Webhook-Id': dup.webhookId };
    }
    this.#log.add(dup);
    this.counters(original.shop).duplicated++;
    this.#schedule(dup, delayMs);
  }

  #settled(rec: DeliveryRecord): void {
    if (!this.#opts.keepLog) this.#log.delete(rec);
  }

  #checkIdle(): void {
    if (this.#inFlight === 0 && this.#head >= this.#queue.length && this.#scheduled === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves once nothing is queued, scheduled (including retries) or in flight. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  /** Starts nothing new; lets deliveries in flight get their answer (up to timeoutMs), then close(). */
  async stop(timeoutMs = 5000): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#queue = [];
    this.#head = 0;
    const until = Date.now() + timeoutMs;
    while (this.#inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    this.close();
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const c of this.#controllers) c.abort(new Error('stopped'));
    this.#queue = [];
    this.#head = 0;
    this.#scheduled = 0;
    for (const r of this.#log) if (r.state === 'pending') r.state = 'stopped';
    this.#checkIdle();
  }
}
