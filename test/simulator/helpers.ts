// Shared set-up for the simulator's own tests: a simulator with one shop and app, a GraphQL caller,
// and a webhook receiver that records what arrives.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeClock, startShopifySimulator } from '../../tools/shopify-simulator/index.ts';
import type { ShopifySimulator, SimulatorOptions, Plan } from '../../tools/shopify-simulator/index.ts';

export const SHOP = 'test-shop.myshopify.com';
export const API_KEY = 'sim-api-key';
export const API_SECRET = 'sim-api-secret';
export const NOW = Date.parse('2026-11-01T12:00:00Z');

export interface GqlAnswer {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown[] }>;
    extensions?: { cost: { requestedQueryCost: number; actualQueryCost: number | null; throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } }; search?: unknown };
  };
}

export interface Harness {
  sim: ShopifySimulator;
  clock: FakeClock;
  token: string;
  gql(query: string, variables?: Record<string, unknown>, opts?: { token?: string; version?: string }): Promise<GqlAnswer>;
}

export async function startHarness(opts: { plan?: Plan; scopes?: string[]; webhookAddress?: string; sim?: SimulatorOptions; timezone?: string } = {}): Promise<Harness> {
  const clock = new FakeClock(NOW);
  const sim = await startShopifySimulator({ clock, seed: 7, ...opts.sim });
  sim.createShop({ domain: SHOP, plan: opts.plan ?? 'standard', scopes: opts.scopes ?? ['read_customers', 'write_customers', 'read_orders'], timezone: opts.timezone ?? 'America/New_York' });
  const { accessToken } = sim.installApp({ shop: SHOP, apiKey: API_KEY, apiSecret: API_SECRET, webhookAddress: opts.webhookAddress ?? null });
  return {
    sim,
    clock,
    token: accessToken,
    async gql(query, variables = {}, o = {}) {
      const res = await fetch(sim.graphqlUrl(o.version ?? '2026-10'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': o.token ?? accessToken },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as GqlAnswer['body'] };
    },
  };
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decides the status for each arriving request (default 200). */
  respond: (req: ReceivedWebhook, index: number) => number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: '', received: [], respond: () => 200, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const index = receiver.received.length;
      receiver.received.push(rec);
      res.statusCode = receiver.respond(rec, index);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  receiver.close = () => new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
  return receiver;
}

export function customerGid(id: string): string {
  return `gid://shopify/Customer/${id}`;
}
