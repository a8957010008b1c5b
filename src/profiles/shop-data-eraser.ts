// Erasure for customers/redact, shop/redact and customers/delete. Every collection follows the
// convention "documents carry `shop`, customer-scoped ones carry `customerId` (string)", so erasure is
// generic: list the collections and deleteMany in each — a collection added later is covered too.
import type { Connection } from 'mongoose';
import { shopScope } from './shard-keys.ts';
import type { CustomerProfileStore } from './customer-profile-store.ts';

export type ErasureReport = Record<string, number>;

async function dataCollections(conn: Connection): Promise<string[]> {
  const db = conn.db;
  if (!db) throw new Error('mongoose connection is not open');
  const list = await db.listCollections({}, { nameOnly: true }).toArray();
  return list.map((c) => c.name).filter((n) => !n.startsWith('system.')).sort();
}

/** `filter` narrowed to the shop through each collection's shard key (src/profiles/shard-keys.ts). */
async function eraseWhere(conn: Connection, shop: string, filter: Record<string, unknown>, skip: ReadonlySet<string>): Promise<ErasureReport> {
  const report: ErasureReport = {};
  for (const name of await dataCollections(conn)) {
    if (skip.has(name)) continue;
    const { deletedCount } = await conn.db!.collection(name).deleteMany({ ...shopScope(name, shop), ...filter });
    if (deletedCount > 0) report[name] = deletedCount;
  }
  return report;
}

/**
 * Deletes everything held about one customer of one shop, in every collection. Idempotent. The profile
 * goes first through its store, which takes the customer out of the shop's membership index and
 * aggregates (documents shared by many customers, so no `customerId` filter reaches them).
 */
export async function eraseCustomerData(conn: Connection, profiles: CustomerProfileStore, shop: string, customerId: string): Promise<ErasureReport> {
  const hadProfile = await profiles.deleteCustomer(shop, customerId);
  const report = await eraseWhere(conn, shop, { customerId }, new Set());
  if (hadProfile) report.customer_profiles = 1;
  return report;
}

/** Deletes everything held about a shop (shop/redact, 48 h after uninstall). Idempotent. */
export function eraseShopData(conn: Connection, shop: string): Promise<ErasureReport> {
  return eraseWhere(conn, shop, {}, new Set());
}

/** Every document about a customer, per collection, for customers/data_request. */
export async function collectCustomerData(conn: Connection, shop: string, customerId: string, skip: ReadonlySet<string>): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const name of await dataCollections(conn)) {
    if (skip.has(name)) continue;
    const docs = await conn.db!.collection(name).find({ ...shopScope(name, shop), customerId }, { projection: { _id: 0 } }).toArray();
    if (docs.length > 0) out[name] = docs;
  }
  return out;
}
