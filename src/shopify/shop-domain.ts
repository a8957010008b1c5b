// A shop's permanent domain, as Shopify names shops everywhere we meet them (webhook headers, session
// token `dest`, the Admin API host): "name.myshopify.com", lower case. The simulator keeps its own
// check on purpose: a test double that borrowed ours could not catch a mistake in it.
export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;
