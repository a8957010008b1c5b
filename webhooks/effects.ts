// What a webhook causes beyond storing it. The router only calls this port; the pipeline implements it
// with BullMQ (jobs/enqueue.ts), so a request never computes segments or calls Shopify.

export interface BulkOperationFinishedPayload {
  /** gid://shopify/BulkOperation/… */
  adminGraphqlApiId: string;
  status: string;
  errorCode: string | null;
  type: 'query' | 'mutation' | string;
  createdAt: string | null;
  completedAt: string | null;
}

export interface WebhookEffects {
  /** The customer's orders changed: recompute their segments. */
  recomputeCustomer(shop: string, customerId: string): Promise<void>;
  /**
   * customers/create or customers/update: recompute, unless it is the echo of the app's own tag write
   * (such a webhook carries no input of the segments, so skipping it loses nothing). True when it was
   * taken for that echo (no recompute asked).
   */
  customerChanged(shop: string, customerId: string): Promise<boolean>;
  /**
   * customers/update told which tags the customer carries on Shopify now (only the app's, by prefix):
   * if they are not the desired ones, write them again (a lost write, a merchant removing our tag).
   * True when they are the desired ones (nothing to do).
   */
  customerTagsObserved(shop: string, customerId: string, appTags: readonly string[]): Promise<boolean>;
  /**
   * The app tag prefix of the tag write whose customers/update echo is expected for this customer
   * (set by sync-tags before writing), or null when none is expected. Reads Redis only, consumes nothing.
   */
  tagEchoPrefix(shop: string, customerId: string): Promise<string | null>;
  /**
   * The customer was deleted or redacted; their MongoDB data is already erased here. Erase what Redis
   * holds on them too (tag state, queued jobs and deliveries naming them), now.
   */
  customerDeleted(shop: string, customerId: string): Promise<void>;
  /** app/uninstalled (and shop/redact): stop the shop's schedules (stopShopSchedules) and queued work. */
  shopUninstalled(shop: string): Promise<void>;
  /** app/scopes_update granted read_all_orders: resync, so orders older than 60 days come in. */
  readAllOrdersGranted(shop: string): Promise<void>;
  /** shop/redact, after MongoDB was erased: everything Redis holds on the shop (tag state, jobs, keys). */
  shopErased(shop: string): Promise<void>;
  /** bulk_operations/finish: wake whoever waits for this bulk operation (polling is the fallback). */
  bulkOperationFinished(shop: string, payload: BulkOperationFinishedPayload): Promise<void>;
}
