// Every tag the shop's customers carry, from Shop.customerTags ("a list of tags that have been added to
// customers", https://shopify.dev/docs/api/admin-graphql/2025-07/objects/Shop#field-Shop.fields.customerTags).
// Used before a tag-prefix change: the new prefix must not capture a merchant's tags.
import type { AdminGraphqlClient } from './admin-graphql-client.ts';

/** The most Shopify returns in one connection page. */
export const CUSTOMER_TAGS_LIMIT = 250;

export interface ShopCustomerTags {
  tags: string[];
  /** false when the shop has more tags than one page holds: the list is not the whole truth. */
  complete: boolean;
}

export const SHOP_CUSTOMER_TAGS_QUERY = `query ShopCustomerTags { shop { customerTags(first: ${CUSTOMER_TAGS_LIMIT}) { nodes pageInfo { hasNextPage } } } }`;

export async function shopCustomerTags(client: Pick<AdminGraphqlClient, 'request'>): Promise<ShopCustomerTags> {
  const { data } = await client.request<{ shop: { customerTags: { nodes: string[]; pageInfo: { hasNextPage: boolean } } } }>(SHOP_CUSTOMER_TAGS_QUERY);
  return { tags: data.shop.customerTags.nodes, complete: !data.shop.customerTags.pageInfo.hasNextPage };
}
