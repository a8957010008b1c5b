// Types shared by the request path (resolvers, bulk operations, uploads) and the simulator that owns
// the state. Kept free of imports from simulator.ts so the modules stay acyclic.
import type { LeakyBucket } from './leaky-bucket.ts';
import type { ShopState } from './store.ts';
import type { BulkOperationRecord } from './bulk-record.ts';

export interface AppRegistration {
  apiKey: string;
  apiSecret: string;
  webhookAddress: string | null;
  /** null = every topic. */
  webhookTopics: string[] | null;
  apiVersion: string;
  /** Scopes the app asks for; null = whatever the shop grants. */
  scopes: string[] | null;
  /**
   * Protected customer fields the app is approved for in the Partner Dashboard (level 2); empty = level 1
   * only, the app's own request. https://shopify.dev/docs/apps/launch/protected-customer-data
   */
  customerFields: ProtectedCustomerField[];
  /** After rotateAppSecret(): webhooks stay signed with this secret until previousSecretUntil. */
  previousSecret?: string | null;
  previousSecretUntil?: number;
}

export type ProtectedCustomerField = 'name' | 'email' | 'phone' | 'address';

export interface Installation {
  id: string;
  shop: ShopState;
  app: AppRegistration;
  scopes: string[];
  bucket: LeakyBucket;
  offlineToken: string;
  active: boolean;
}

export interface UserError {
  field: string[] | null;
  message: string;
  code?: string | null;
}

export interface BulkApi {
  runQuery(ctx: RequestContext, query: string): { bulkOperation: BulkOperationRecord | null; userErrors: UserError[] };
  runMutation(ctx: RequestContext, mutation: string, stagedUploadPath: string): { bulkOperation: BulkOperationRecord | null; userErrors: UserError[] };
  cancel(ctx: RequestContext, id: string): { bulkOperation: BulkOperationRecord | null; userErrors: UserError[] };
  get(ctx: RequestContext, id: string): BulkOperationRecord | null;
  current(ctx: RequestContext, type: 'QUERY' | 'MUTATION'): BulkOperationRecord | null;
}

export interface StagedUploadInput {
  resource: string;
  filename: string;
  mimeType: string;
  httpMethod?: string | null;
  fileSize?: string | null;
}

export interface StagedTarget {
  url: string;
  resourceUrl: string;
  parameters: Array<{ name: string; value: string }>;
}

export interface UploadApi {
  create(ctx: RequestContext, input: StagedUploadInput[]): { stagedTargets: StagedTarget[]; userErrors: UserError[] };
}

export interface SimulatorHooks {
  baseUrl(): string;
  /** Called after tags changed on a customer or order: bumps updated_at and sends the *\/update webhook. */
  tagsChanged(shop: ShopState, kind: 'Customer' | 'Order', id: string): void;
  bulk: BulkApi;
  uploads: UploadApi;
}

export interface SearchExtension {
  path: string[];
  query: string;
  warnings: Array<{ field: string; message: string }>;
}

export interface RequestContext {
  hooks: SimulatorHooks;
  shop: ShopState;
  install: Installation;
  apiVersion: string;
  now: number;
  search: SearchExtension[];
  /** Set while a bulk operation renders a batch of objects: `nodes(ids:)` then returns these items. */
  bulkItems?: unknown[];
}

export function hasScope(scopes: readonly string[], scope: string): boolean {
  if (scopes.includes(scope)) return true;
  // write_x implies read_x on Shopify.
  return scope.startsWith('read_') && scopes.includes(`write_${scope.slice(5)}`);
}

export const SIXTY_DAYS_MS = 60 * 86_400_000;
