// What a caller (a job processor) must do about a failed Shopify call is in the class:
// ShopifyTransientError → retry later (BullMQ backoff); everything else is permanent for this input.
// Expected per-item outcomes (a customer that no longer exists, userErrors) are returned as results
// (TagWriteResult.status 'not_found' | 'rejected'), not thrown.

export class ShopifyApiError extends Error {
  readonly retryable: boolean;
  readonly shop: string;
  readonly status: number | null;
  constructor(message: string, opts: { shop: string; status?: number | null; retryable: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ShopifyApiError';
    this.shop = opts.shop;
    this.status = opts.status ?? null;
    this.retryable = opts.retryable;
  }
}

/** Throttled, 429, 5xx or network failure that outlasted our bounded retries. Try again later. */
export class ShopifyTransientError extends ShopifyApiError {
  constructor(message: string, opts: { shop: string; status?: number | null; cause?: unknown }) {
    super(message, { ...opts, retryable: true });
    this.name = 'ShopifyTransientError';
  }
}

/** 403 (a scope is missing), or no offline session at all (never installed, or app/uninstalled). Do not retry. */
export class ShopifyAuthError extends ShopifyApiError {
  constructor(message: string, opts: { shop: string; status: number }) {
    super(message, { ...opts, retryable: false });
    this.name = 'ShopifyAuthError';
  }
}

/**
 * The shop's offline token is dead and cannot be renewed (refresh token rejected, expired or revoked;
 * a non-expiring token refused): the merchant must open the app so a new token is exchanged. Not an
 * uninstall (only app/uninstalled is), and not permanent: work waits for the re-exchange.
 */
export class ShopifyReauthRequiredError extends ShopifyApiError {
  constructor(message: string, opts: { shop: string; status?: number | null; cause?: unknown }) {
    super(message, { ...opts, retryable: true });
    this.name = 'ShopifyReauthRequiredError';
  }
}

/** The shop is gone, frozen or locked (404, 402, 423). Do not retry. */
export class ShopifyShopUnavailableError extends ShopifyApiError {
  constructor(message: string, opts: { shop: string; status: number }) {
    super(message, { ...opts, retryable: false });
    this.name = 'ShopifyShopUnavailableError';
  }
}

/** The request itself is wrong (GraphQL errors other than THROTTLED, 400). Retrying cannot help. */
export class ShopifyGraphqlError extends ShopifyApiError {
  readonly errors: unknown;
  constructor(message: string, opts: { shop: string; status?: number | null; errors: unknown }) {
    super(message, { shop: opts.shop, status: opts.status ?? null, retryable: false });
    this.name = 'ShopifyGraphqlError';
    this.errors = opts.errors;
  }
}

/** A mutation answered with userErrors (e.g. a bulk operation could not start). */
export class ShopifyUserError extends ShopifyApiError {
  readonly userErrors: Array<{ field?: string[] | null; message: string; code?: string | null }>;
  constructor(message: string, opts: { shop: string; userErrors: Array<{ field?: string[] | null; message: string; code?: string | null }> }) {
    super(message, { shop: opts.shop, retryable: false });
    this.name = 'ShopifyUserError';
    this.userErrors = opts.userErrors;
  }
}
