// What a shop's calibration is computed from, read the one way both readers need it: the
// recalibration job (recompute-shop.ts) and the dashboard's dry run of a settings change
// (settings-preview.ts), both through shop-snapshot.ts: every customer with orders, with their
// engagement signals, streamed in batches, and the shop's previous calibration (thresholds move from
// it with hysteresis).
import type { CustomerInput } from '../src/segments/types.ts';
import type { CalibrationStore } from '../src/profiles/calibration-store.ts';
import type { OrderPort } from './ports.ts';
import { readAhead } from '../src/read-ahead.ts';

export interface CalibrationSources {
  orders: Pick<OrderPort, 'customersOf' | 'engagementOf'>;
  calibrations: Pick<CalibrationStore, 'current'>;
}

/** Customers are read and written in batches of this many. */
export const BATCH = 1000;

/** `batch` with each customer's engagement signals attached (one read for the batch). */
export async function withEngagement(sources: Pick<CalibrationSources, 'orders'>, shop: string, batch: CustomerInput[]): Promise<CustomerInput[]> {
  const engagement = await sources.orders.engagementOf(shop, batch.map((c) => c.customerId));
  for (const c of batch) {
    const e = engagement.get(c.customerId);
    if (e) c.engagement = e;
  }
  return batch;
}

/**
 * The shop's customers with their engagement signals, `size` at a time, in the database's order (one
 * scan), the next batch read while the caller works on the current one (src/read-ahead.ts).
 */
export function customerBatches(sources: CalibrationSources, shop: string, size = BATCH): AsyncGenerator<CustomerInput[]> {
  return readAhead(batchesOf(sources, shop, size));
}

async function* batchesOf(sources: CalibrationSources, shop: string, size: number): AsyncGenerator<CustomerInput[]> {
  let batch: CustomerInput[] = [];
  for await (const c of sources.orders.customersOf(shop)) {
    batch.push(c);
    if (batch.length >= size) {
      yield await withEngagement(sources, shop, batch);
      batch = [];
    }
  }
  if (batch.length) yield await withEngagement(sources, shop, batch);
}
