// Every GraphQL document the app sends to Shopify's Admin API, in one list: the request documents
// (each module keeps its own and exports it), every variant of the generated ones, and the documents
// run inside bulk operations. test/shopify/graphql-documents.test.ts validates each against the
// simulator's schema (whose definitions cite shopify.dev) and test/proof/protected-customer-data.test.ts
// checks that none reads protected customer fields (names, e-mails, phones, addresses) but the live,
// never stored name read of customer-names.ts.
import { ACCESS_SCOPES_QUERY } from './access-scopes.ts';
import { BACKFILL_QUERY } from './bulk-backfill.ts';
import { BULK_OPERATION_QUERY, CURRENT_BULK_MUTATION_QUERY, RUN_BULK_MUTATION_MUTATION, RUN_BULK_QUERY_MUTATION, STAGE_UPLOAD_MUTATION } from './bulk-operations.ts';
import { bulkTagMutation } from './bulk-tag-mutation.ts';
import { INSTALL_FACTS_QUERY } from './install.ts';
import { CUSTOMER_TAGS_QUERY } from './tag-sync.ts';
import { tagMutationFor } from './tag-writer.ts';
import { SHOP_CUSTOMER_TAGS_QUERY } from './customer-tags.ts';
import { APP_STILL_INSTALLED_QUERY } from './installation-probe.ts';
import { FLOW_TRIGGER_MUTATION } from './flow-triggers.ts';
import { METAFIELD_DEFINITION_MUTATION, METAFIELDS_SET_BULK_MUTATION, METAFIELDS_SET_MUTATION } from './customer-metafield.ts';
import { WEB_PIXEL_CREATE_MUTATION, WEB_PIXEL_QUERY, WEB_PIXEL_UPDATE_MUTATION } from './web-pixel.ts';
import { ABANDONED_CHECKOUTS_QUERY } from './abandoned-checkouts.ts';
import { CUSTOMER_NAMES_QUERY } from './customer-names.ts';
import { SEGMENTS_QUERY, SEGMENT_CREATE_MUTATION, SEGMENT_DELETE_MUTATION, SEGMENT_UPDATE_MUTATION } from './native-segments.ts';

export interface AppGraphqlDocument {
  /** Where it comes from, for test messages. */
  source: string;
  document: string;
  /** request: sent as is; bulk-query: the query of bulkOperationRunQuery; bulk-mutation: of bulkOperationRunMutation. */
  kind: 'request' | 'bulk-query' | 'bulk-mutation';
}

export const APP_GRAPHQL_DOCUMENTS: readonly AppGraphqlDocument[] = [
  { source: 'access-scopes.ts ACCESS_SCOPES_QUERY', document: ACCESS_SCOPES_QUERY, kind: 'request' },
  { source: 'install.ts INSTALL_FACTS_QUERY', document: INSTALL_FACTS_QUERY, kind: 'request' },
  { source: 'tag-sync.ts CUSTOMER_TAGS_QUERY', document: CUSTOMER_TAGS_QUERY, kind: 'request' },
  { source: 'customer-tags.ts SHOP_CUSTOMER_TAGS_QUERY', document: SHOP_CUSTOMER_TAGS_QUERY, kind: 'request' },
  { source: 'installation-probe.ts APP_STILL_INSTALLED_QUERY', document: APP_STILL_INSTALLED_QUERY, kind: 'request' },
  { source: 'tag-writer.ts tagMutationFor (remove only)', document: tagMutationFor({ add: [], remove: ['x'] }), kind: 'request' },
  { source: 'tag-writer.ts tagMutationFor (add only)', document: tagMutationFor({ add: ['x'], remove: [] }), kind: 'request' },
  { source: 'tag-writer.ts tagMutationFor (remove and add)', document: tagMutationFor({ add: ['x'], remove: ['y'] }), kind: 'request' },
  { source: 'bulk-operations.ts RUN_BULK_QUERY_MUTATION', document: RUN_BULK_QUERY_MUTATION, kind: 'request' },
  { source: 'bulk-operations.ts STAGE_UPLOAD_MUTATION', document: STAGE_UPLOAD_MUTATION, kind: 'request' },
  { source: 'bulk-operations.ts RUN_BULK_MUTATION_MUTATION', document: RUN_BULK_MUTATION_MUTATION, kind: 'request' },
  { source: 'bulk-operations.ts BULK_OPERATION_QUERY', document: BULK_OPERATION_QUERY, kind: 'request' },
  { source: 'bulk-operations.ts CURRENT_BULK_MUTATION_QUERY', document: CURRENT_BULK_MUTATION_QUERY, kind: 'request' },
  { source: 'bulk-backfill.ts BACKFILL_QUERY', document: BACKFILL_QUERY, kind: 'bulk-query' },
  { source: 'bulk-tag-mutation.ts bulkTagMutation(tagsAdd)', document: bulkTagMutation('tagsAdd'), kind: 'bulk-mutation' },
  { source: 'native-segments.ts SEGMENTS_QUERY', document: SEGMENTS_QUERY, kind: 'request' },
  { source: 'native-segments.ts SEGMENT_CREATE_MUTATION', document: SEGMENT_CREATE_MUTATION, kind: 'request' },
  { source: 'native-segments.ts SEGMENT_UPDATE_MUTATION', document: SEGMENT_UPDATE_MUTATION, kind: 'request' },
  { source: 'native-segments.ts SEGMENT_DELETE_MUTATION', document: SEGMENT_DELETE_MUTATION, kind: 'request' },
  { source: 'customer-metafield.ts METAFIELD_DEFINITION_MUTATION', document: METAFIELD_DEFINITION_MUTATION, kind: 'request' },
  { source: 'customer-metafield.ts METAFIELDS_SET_MUTATION', document: METAFIELDS_SET_MUTATION, kind: 'request' },
  { source: 'customer-metafield.ts METAFIELDS_SET_BULK_MUTATION', document: METAFIELDS_SET_BULK_MUTATION, kind: 'bulk-mutation' },
  { source: 'flow-triggers.ts FLOW_TRIGGER_MUTATION', document: FLOW_TRIGGER_MUTATION, kind: 'request' },
  { source: 'bulk-tag-mutation.ts bulkTagMutation(tagsRemove)', document: bulkTagMutation('tagsRemove'), kind: 'bulk-mutation' },
  { source: 'web-pixel.ts WEB_PIXEL_QUERY', document: WEB_PIXEL_QUERY, kind: 'request' },
  { source: 'web-pixel.ts WEB_PIXEL_CREATE_MUTATION', document: WEB_PIXEL_CREATE_MUTATION, kind: 'request' },
  { source: 'web-pixel.ts WEB_PIXEL_UPDATE_MUTATION', document: WEB_PIXEL_UPDATE_MUTATION, kind: 'request' },
  { source: 'abandoned-checkouts.ts ABANDONED_CHECKOUTS_QUERY', document: ABANDONED_CHECKOUTS_QUERY, kind: 'request' },
  // The one live read of a protected customer field (names on screen, opt-in, never stored).
  { source: 'customer-names.ts CUSTOMER_NAMES_QUERY', document: CUSTOMER_NAMES_QUERY, kind: 'request' },
];
