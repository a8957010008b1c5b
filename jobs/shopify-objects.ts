// shopify-objects (maintenance queue, one per shop at a time): makes the Shopify objects the app keeps
// follow the shop's settings — one native customer segment per segment of every enabled family
// (renamed, re-queried on a prefix change, deleted when a family or the feature is switched off;
// src/shopify/native-segments.ts). Queued by every whole-shop recompute: at install (resync), after a
// settings change and nightly — so a segment the merchant deleted is recreated (or left deleted, if
// they opted out) within a day — the $app:segments customer metafield definition exists, and the app's
// web pixel is activated with the shop's current pixel key and ingest URL (src/shopify/web-pixel.ts; a
// pixel key rotated in Settings queues this job too). A refused pixel is recorded and tried again at the
// next pass; it never stops the segments. Never runs in a webhook request.
import type { Job } from 'bullmq';
import type { JobContext } from './ports.ts';
import { ShopNotInstalledError } from './errors.ts';
import { desiredSegments, type ReconcileReport } from '../src/shopify/native-segments.ts';
import type { WebPixelReport } from '../src/shopify/web-pixel.ts';

export interface ShopifyObjectsResult {
  segments: ReconcileReport | null;
  metafieldDefinition: boolean | null;
  webPixel: WebPixelReport | null;
}

/** The web pixel pass: logged, recorded by the port; a refusal is in the report. */
async function activateWebPixel(ctx: JobContext, shop: string): Promise<WebPixelReport | null> {
  if (!ctx.shopify.reconcileWebPixel) return null;
  const r = await ctx.shopify.reconcileWebPixel(shop);
  if (r.action === 'failed') ctx.logger.warn({ shop, errors: r.errors }, 'Shopify refused the web pixel; tried again at the next pass');
  else if (r.action !== 'unchanged') ctx.logger.info({ shop, action: r.action, endpoint: r.endpoint }, 'web pixel activated');
  return r;
}

export async function reconcileShopifyObjects(ctx: JobContext, data: { shop: string }, job?: Pick<Job, 'id'>): Promise<ShopifyObjectsResult> {
  const shop = await ctx.shops.get(data.shop);
  if (!shop?.installed) throw new ShopNotInstalledError(data.shop);
  let metafieldDefinition: boolean | null = null;
  if (shop.settings.shopify.customerMetafield && ctx.shopify.ensureMetafieldDefinition) {
    const d = await ctx.shopify.ensureMetafieldDefinition(data.shop);
    metafieldDefinition = d.ok;
    if (!d.ok) ctx.logger.warn({ shop: data.shop, errors: d.errors }, 'customer metafield definition refused');
  }
  const webPixel = await activateWebPixel(ctx, data.shop);
  if (!ctx.shopify.reconcileSegments) return { segments: null, metafieldDefinition, webPixel };
  const report = await ctx.shopify.reconcileSegments(data.shop, desiredSegments(shop.settings), { recreateDeleted: shop.settings.shopify.recreateDeletedSegments });
  const log = { shop: data.shop, jobId: job?.id, created: report.created.length, updated: report.updated.length, deleted: report.deleted.length, adopted: report.adopted.length, unchanged: report.unchanged };
  ctx.logger.info(log, 'native segments reconciled');
  if (report.recreated.length) ctx.logger.warn({ shop: data.shop, recreated: report.recreated }, 'native segments deleted in the Shopify admin were created again');
  if (report.leftDeleted.length) ctx.logger.info({ shop: data.shop, leftDeleted: report.leftDeleted }, 'native segments deleted in the Shopify admin left deleted (merchant opted out)');
  if (report.errors.length) ctx.logger.warn({ shop: data.shop, errors: report.errors }, 'Shopify refused some native segment changes');
  return { segments: report, metafieldDefinition, webPixel };
}
