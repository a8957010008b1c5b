// Failures that must not be retried: BullMQ moves a job that throws UnrecoverableError to failed at
// once, where support sees it with its reason. Everything else is retried with backoff.
import { UnrecoverableError } from 'bullmq';

/**
 * The shop's offline token is dead (src/shopify/offline-tokens.ts marked it needs-reauth). Not a
 * failure of the job: the worker delays it until the merchant opens the app (jobs/worker.ts).
 */
export class ShopNeedsReauthError extends Error {
  readonly shop: string;
  constructor(shop: string, detail: string) {
    super(`shop ${shop} needs the merchant to open the app: ${detail}`);
    this.name = 'ShopNeedsReauthError';
    this.shop = shop;
  }
}

export class ShopNotInstalledError extends UnrecoverableError {
  constructor(shop: string) {
    super(`shop ${shop} is not installed (uninstalled or never installed): nothing to do`);
    this.name = 'ShopNotInstalledError';
  }
}
