// How each collection would be sharded on a MongoDB sharded cluster: by shop, so every query of the
// hot path goes to the one shard holding that shop's range (a "targeted" query) instead of to every
// shard (scatter-gather). docs/ARCHITECTURE.md ("Sharding by shop") explains the choice; the test
// harness (test/support/shard-audit.ts) records every query the integration tests send and fails a test
// whose query on a sharded collection does not name the shop through the shard key.
//
// Two kinds of key:
// - `idPrefix`: `_id` is "<shop>/<id>" and the shard key is { _id: 1 } (ranged): one shop's documents
//   are one contiguous key range, and the point reads/writes by `_id` — the one filter FerretDB 1.24
//   answers from an index (docs/ARCHITECTURE.md, "Data rules") — stay exactly as they are. Whole-shop
//   reads add shopIdRange(shop) to their filter, which names the same range.
// - `shopField`: the key starts with the document's `shop` field; filters carry `shop`.
// A collection not listed stays unsharded (on the cluster's primary shard): one small document per shop.

export type ShardKey =
  | { kind: 'idPrefix'; key: { _id: 1 } }
  | { kind: 'idIsShop'; key: { _id: 1 } }
  | { kind: 'shopField'; key: Record<string, 1> };

export const SHARD_KEYS: Readonly<Record<string, ShardKey>> = {
  customer_profiles: { kind: 'idPrefix', key: { _id: 1 } },
  customer_engagement: { kind: 'idPrefix', key: { _id: 1 } },
  pixel_clients: { kind: 'idPrefix', key: { _id: 1 } },
  signal_sources: { kind: 'idIsShop', key: { _id: 1 } },
  order_books: { kind: 'idPrefix', key: { _id: 1 } },
  order_owners: { kind: 'idPrefix', key: { _id: 1 } },
  webhook_deliveries: { kind: 'idPrefix', key: { _id: 1 } },
  calibration_heads: { kind: 'idIsShop', key: { _id: 1 } },
  segment_member_heads: { kind: 'idPrefix', key: { _id: 1 } },
  segment_member_chunks: { kind: 'idPrefix', key: { _id: 1 } },
  shop_aggregates: { kind: 'idIsShop', key: { _id: 1 } },
  segment_size_days: { kind: 'idPrefix', key: { _id: 1 } },
  calibrations: { kind: 'shopField', key: { shop: 1, _id: 1 } },
  segment_events: { kind: 'shopField', key: { shop: 1, customerId: 1 } },
  webhook_dead_letters: { kind: 'shopField', key: { shop: 1, webhookId: 1 } },
  data_requests: { kind: 'shopField', key: { shop: 1, dataRequestId: 1 } },
};

/**
 * Daily maintenance that deletes expired documents of every shop at once: it goes to every shard by
 * design (one query per shard a day), so it is the declared exception. Keys: the filter's field names.
 */
export const CROSS_SHOP_SWEEPS: ReadonlyArray<{ collection: string; fields: readonly string[] }> = [
  { collection: 'webhook_deliveries', fields: ['receivedAt'] },
  { collection: 'webhook_dead_letters', fields: ['receivedAt'] },
  { collection: 'data_requests', fields: ['createdAt'] },
  { collection: 'pixel_clients', fields: ['customerId', 'updatedAt'] },
];

/**
 * The `_id` range of one shop in an `idPrefix` collection: "<shop>/" ≤ _id < "<shop>0" ('0' is the
 * character after '/'). Shop domains contain no '/', so no other shop's ids fall inside.
 */
export function shopIdRange(shop: string): { $gte: string; $lt: string } {
  return { $gte: `${shop}/`, $lt: `${shop}0` };
}

/** The filter that selects one shop's documents in `collection`, through its shard key when it has one. */
export function shopScope(collection: string, shop: string): Record<string, unknown> {
  const key = SHARD_KEYS[collection];
  if (key?.kind === 'idPrefix') return { _id: shopIdRange(shop), shop };
  if (key?.kind === 'idIsShop') return { _id: shop };
  return { shop };
}
