// Idempotent: stores nothing (no personal data is kept); it only asks for a deduplicated recompute.
// customers/update also echoes our own tag writes: customerChanged skips the first one after a write
// (the customer's data carries no input of the segments), and a recompute would find no tag change.
import { z } from 'zod';
import { graphqlIdOf, restId, sameGraphqlId } from './ids.ts';
import { done, unusable, type HandlerDeps, type WebhookDelivery, type WebhookHandler, deadLetterReason } from './types.ts';

// The customer resource (https://shopify.dev/docs/api/webhooks?reference=toml#list-customers/update):
// its admin_graphql_api_id names this customer and it has updated_at, so a signed payload of another
// topic resent under this one (an order also has id and tags) is refused.
const payloadSchema = z
  .object({ id: restId, tags: z.string().optional(), updated_at: z.string(), admin_graphql_api_id: graphqlIdOf('Customer') })
  .refine(sameGraphqlId('Customer'), 'admin_graphql_api_id names another customer');

/** The app's tags (by prefix, case-insensitive) among Shopify's comma-separated tag list. */
const appTagsIn = (tags: string, prefix: string): string[] => {
  const p = prefix.toLowerCase();
  return tags.split(',').map((t) => t.trim()).filter((t) => t.toLowerCase().startsWith(p));
};

/**
 * Checked before the durable dedupe (router.ts): the echo of our own tag write that carries the tags we
 * wanted is done with three Redis calls — the echo marker (it names the tag prefix written), the tag
 * state, the marker consumed — and no database read or write. false: anything else (no marker, other
 * tags, not a customer payload), nothing consumed; the delivery then takes the full path.
 */
export async function recogniseOwnTagEcho(delivery: Pick<WebhookDelivery, 'shop' | 'payload'>, { effects }: Pick<HandlerDeps, 'effects'>): Promise<boolean> {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success || parsed.data.tags === undefined) return false;
  const prefix = await effects.tagEchoPrefix(delivery.shop, parsed.data.id);
  if (prefix === null) return false;
  if (!(await effects.customerTagsObserved(delivery.shop, parsed.data.id, appTagsIn(parsed.data.tags, prefix)))) return false;
  // Consumes the marker; if another delivery took it meanwhile, this one asked its recompute instead.
  await effects.customerChanged(delivery.shop, parsed.data.id);
  return true;
}

export const handleCustomerUpsert: WebhookHandler = async (delivery, { effects, stores }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable(deadLetterReason('notCustomer'));
  let tagsAsDesired = false;
  if (parsed.data.tags !== undefined) {
    // The payload carries the customer's tags as Shopify has them: compare ours with what we want there.
    const prefix = (await stores.shops.effective(delivery.shop)).settings.tagPrefix;
    tagsAsDesired = await effects.customerTagsObserved(delivery.shop, parsed.data.id, appTagsIn(parsed.data.tags, prefix));
  }
  const echo = await effects.customerChanged(delivery.shop, parsed.data.id);
  // The echo of our own write carrying the tags we wanted: nothing changed, nothing to remember (no
  // delivery record written). A redelivery of it finds no echo marker and asks one (deduplicated) recompute.
  if (echo && tagsAsDesired) return done('echo of our own tag write', false);
  return done(echo ? 'echo of our own tag write (tags differ: sync asked)' : 'recompute requested');
};
