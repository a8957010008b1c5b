// Failures that must not be retried: BullMQ moves a job that throws UnrecoverableError to failed at
// once, where support sees it with its reason. Everything else is retried with backoff.
import { UnrecoverableError } from 'bullmq';

export class ShopNotInstalledError extends UnrecoverableError {
  constructor(shop: string) {
    super(`shop ${shop} is not installed (uninstalled or never installed): nothing to do`);
    this.name = 'ShopNotInstalledError';
  }
}

export class CustomerGoneError extends UnrecoverableError {
  constructor(shop: string, customerId: string) {
    super(`customer ${customerId} of ${shop} no longer exists on Shopify`);
    this.name = 'CustomerGoneError';
  }
}
