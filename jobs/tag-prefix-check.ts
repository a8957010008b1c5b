// A tag-prefix change is checked against the tags customers actually carry on Shopify: any tag the new
// prefix would make "ours" that the app never wrote (a merchant's "vip-gold" under the prefix "vip-")
// would be removed from every customer by the next sync. The settings preview lists them; the save is
// refused while there are any, or while Shopify's list could not be read whole.
import { merchantTagsCapturedBy } from '../src/segments/tags.ts';
import type { ShopSettings } from '../src/segments/settings.ts';
import type { ShopifyPort } from './ports.ts';

export interface PrefixCheck {
  from: string;
  to: string;
  changed: boolean;
  /** Merchant tags on Shopify the new prefix would capture. */
  captured: string[];
  /** false when Shopify holds more customer tags than one page returns (or could not be asked): not every tag was seen. */
  complete: boolean;
  /** Why Shopify could not be asked (the preview still answers). */
  error?: string;
}

export async function checkPrefixChange(shopify: Pick<ShopifyPort, 'customerTags'>, shop: string, current: ShopSettings, next: ShopSettings): Promise<PrefixCheck> {
  const base = { from: current.tagPrefix, to: next.tagPrefix };
  if (current.tagPrefix.toLowerCase() === next.tagPrefix.toLowerCase()) return { ...base, changed: false, captured: [], complete: true };
  const { tags, complete } = await shopify.customerTags(shop);
  return { ...base, changed: true, captured: merchantTagsCapturedBy(next, tags), complete };
}

export const prefixChangeAllowed = (c: PrefixCheck): boolean => !c.changed || (c.captured.length === 0 && c.complete);

/** Why the save was refused, in words for the merchant. */
export function prefixRefusal(c: PrefixCheck): string {
  return c.captured.length
    ? `The prefix "${c.to}" would make ${c.captured.length} of your own customer tag(s) look like the app's, and the next sync would remove them: ${c.captured.slice(0, 20).join(', ')}. Choose another prefix.`
    : 'The shop has more customer tags than Shopify lists at once, so the new prefix cannot be checked against all of them. Keep the current prefix.';
}
