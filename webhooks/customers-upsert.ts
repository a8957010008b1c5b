// Idempotent: stores nothing (no personal data is kept); it only asks for a deduplicated recompute.
// customers/update also echoes our own tag writes: customerChanged skips the first one after a write
// (the customer's data carries no input of the segments), and a recompute would find no tag change.
import { z } from 'zod';
import { graphqlIdOf, restId, sameGraphqlId } from './ids.ts';
import { done, unusable, type WebhookHandler } from './types.ts';

// The customer resource (https://shopify.dev/docs/api/webhooks?reference=toml#list-customers/update):
// its admin_graphql_api_id names this customer and it has updated_at, so a signed payload of another
// topic resent under this one (an order also has id and tags) is refused.
const payloadSchema = z
  .object({ id: restId, tags: z.string().optional(), updated_at: z.string(), admin_graphql_api_id: graphqlIdOf('Customer') })
  .refine(sameGraphqlId('Customer'), 'admin_graphql_api_id names another customer');

export const handleCustomerUpsert: WebhookHandler = async (delivery, { effects, stores }) => {
  const parsed = payloadSchema.safeParse(delivery.payload);
  if (!parsed.success) return unusable('not a customer payload (id, updated_at, admin_graphql_api_id gid://shopify/Customer/…)');
  let tagsAsDesired = false;
  if (parsed.data.tags !== undefined) {
    // The payload carries the customer's tags as Shopify has them: compare ours with what we want there.
    const prefix = (await stores.shops.effective(delivery.shop)).settings.tagPrefix.toLowerCase();
    const appTags = parsed.data.tags.split(',').map((t) => t.trim()).filter((t) => t.toLowerCase().startsWith(prefix));
    tagsAsDesired = await effects.customerTagsObserved(delivery.shop, parsed.data.id, appTags);
  }
  const echo = await effects.customerChanged(delivery.shop, parsed.data.id);
  // The echo of our own write carrying the tags we wanted: nothing changed, nothing to remember (no
  // delivery record written). A redelivery of it finds no echo marker and asks one (deduplicated) recompute.
  if (echo && tagsAsDesired) return done('echo of our own tag write', false);
  return done(echo ? 'echo of our own tag write (tags differ: sync asked)' : 'recompute requested');
};
