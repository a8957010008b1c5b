// shopify-objects (maintenance queue, one per shop at a time): makes the Shopify objects the app keeps
// follow the shop's settings — one native customer segment per segment of every enabled family
// (renamed, re-queried on a prefix change, deleted when a family or the feature is switched off;
// src/shopify/native-segments.ts). Queued by every whole-shop recompute: at install (resync), after a
// settings change and nightly — so a segment the merchant deleted is recreated (or left deleted, if
// they opted out) within a day — and the $app:segments customer metafield definition exists. Never
// runs in a webhook request.
import type { Job } from 'bullmq';
import type { JobContext } from './ports.ts';
import { ShopNotInstalledError } from './errors.ts';
import { desiredSegments, type ReconcileReport } from '../src/shopify/native-segments.ts';

export async function reconcileShopifyObjects(ctx: JobContext, data: { shop: string }, job?: Pick<Job, 'id'>): Promise<{ segments: ReconcileReport | null; metafieldDefinition: boolean | null }> {
  const shop = await ctx.shops.get(data.shop);
  if (!shop?.installed) throw new ShopNotInstalledError(data.shop);
  let metafieldDefinition: boolean | null = null;
  if (shop.settings.shopify.customerMetafield && ctx.shopify.ensureMetafieldDefinition) {
    const d = await ctx.shopify.ensureMetafieldDefinition(data.shop);
    metafieldDefinition = d.ok;
    if (!d.ok) ctx.logger.warn({ shop: data.shop, errors: d.errors }, 'customer metafield definition refused');
  }
  if (!ctx.shopify.reconcileSegments) return { segments: null, metafieldDefinition };
  const report = await ctx.shopify.reconcileSegments(data.shop, desiredSegments(shop.settings), { recreateDeleted: shop.settings.shopify.recreateDeletedSegments });
  const log = { shop: data.shop, jobId: job?.id, created: report.created.length, updated: report.updated.length, deleted: report.deleted.length, adopted: report.adopted.length, unchanged: report.unchanged };
  ctx.logger.info(log, 'native segments reconciled');
  if (report.recreated.length) ctx.logger.warn({ shop: data.shop, recreated: report.recreated }, 'native segments deleted in the Shopify admin were created again');
  if (report.leftDeleted.length) ctx.logger.info({ shop: data.shop, leftDeleted: report.leftDeleted }, 'native segments deleted in the Shopify admin left deleted (merchant opted out)');
  if (report.errors.length) ctx.logger.warn({ shop: data.shop, errors: report.errors }, 'Shopify refused some native segment changes');
  return { segments: report, metafieldDefinition };
}
