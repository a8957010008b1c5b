// What the public signal endpoints (web/signals/*) reach: the stores they write, the recompute they
// ask for (the webhook effects' producer), Redis for the rate limits and the drop counters.
import type { Redis } from 'ioredis';
import type { Logger } from '../../src/logger.ts';
import type { Stores } from '../../src/deps.ts';
import type { WebhookEffects } from '../../webhooks/effects.ts';
import type { SignalDrops } from '../../src/profiles/signal-drops.ts';
import type { ShopKeys } from '../../src/redis.ts';

export interface SignalPorts {
  stores: Pick<Stores, 'engagement' | 'pixelClients' | 'signalSources' | 'shops' | 'profiles' | 'orders'>;
  effects: Pick<WebhookEffects, 'recomputeCustomer'>;
  redis: Redis;
  drops: SignalDrops;
  /** Where the rate limiters' keys live (Deps.shopKeys: per shop under its partition's prefix; a string: one prefix). */
  keys: ShopKeys | string;
  logger: Logger;
  /** Epoch ms (the demo pins it). */
  now: () => number;
  /** Requests per minute (defaults in the limiters). */
  limits?: Partial<SignalLimits>;
}

export interface SignalLimits {
  /** Pixel batches per pixel client per minute. */
  pixelPerClient: number;
  /** Pixel batches per shop per minute. */
  pixelPerShop: number;
  /** Click requests per shop per minute (Klaviyo, flow, generic). */
  clicksPerShop: number;
  /** Requests per IP per minute before anything else is read. */
  perIp: number;
}

export const DEFAULT_LIMITS: SignalLimits = { pixelPerClient: 30, pixelPerShop: 3000, clicksPerShop: 600, perIp: 600 };

/** A shop we serve: installed (the signal endpoints never act for another). */
export async function installedShop(ports: SignalPorts, shop: string): Promise<boolean> {
  return ports.stores.shops.isInstalled(shop);
}

/** A customer we already know (a profile or an order): signals never create customers. */
export async function knownCustomer(ports: SignalPorts, shop: string, customerId: string): Promise<boolean> {
  if (await ports.stores.profiles.get(shop, customerId)) return true;
  return (await ports.stores.orders.listForCustomer(shop, customerId)).length > 0;
}
