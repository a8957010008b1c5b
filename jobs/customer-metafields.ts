// The customer metafield write-back, run by sync-tags for the customers whose tags it just wrote (the
// same pages, the same pacing, bulk above the same threshold): each profile's $app:segments value,
// sent only when it differs from the one last written (the port keeps digests). A failure here never
// fails the tag sync: those customers are written again with their next change.
import type { JobContext } from './ports.ts';
import { ShopNeedsReauthError } from './errors.ts';
import type { CustomerProfileDoc } from '../src/profiles/customer-profile-store.ts';
import type { ShopSettings } from '../src/segments/settings.ts';
import { metafieldValueOf } from '../src/shopify/customer-metafield.ts';

export interface MetafieldSyncCounts { written: number; skipped: number; failed: number }

export async function syncCustomerMetafields(
  ctx: JobContext, shop: string, settings: ShopSettings, profiles: ReadonlyArray<Pick<CustomerProfileDoc, 'customerId' | 'memberships' | 'predictionsJson'>>, bulk: boolean,
): Promise<MetafieldSyncCounts> {
  if (!settings.shopify.customerMetafield || !ctx.shopify.writeCustomerMetafields || profiles.length === 0) return { written: 0, skipped: 0, failed: 0 };
  const writes = profiles.map((p) => ({ customerId: p.customerId, value: JSON.stringify(metafieldValueOf(p, settings.currency)) }));
  try {
    const r = await ctx.shopify.writeCustomerMetafields(shop, writes, { bulk });
    if (r.failed.length) ctx.logger.warn({ shop, failed: r.failed.length }, 'customer metafield writes failed; written again with the next change');
    return { written: r.written.length, skipped: r.skipped.length, failed: r.failed.length + r.gone.length };
  } catch (err) {
    if (err instanceof ShopNeedsReauthError) throw err;
    ctx.logger.warn({ shop, err: (err as Error).message }, 'customer metafield write-back failed; tags are written');
    return { written: 0, skipped: 0, failed: writes.length };
  }
}
