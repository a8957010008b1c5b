// What a shop's calibration is computed from, loaded the one way both readers need it: the
// recalibration job (recompute-shop.ts) and the dashboard's dry run of a settings change
// (jobs/settings-preview.ts). Every customer with orders, with their engagement signals, and the
// shop's previous calibration (thresholds move from it with hysteresis).
import type { CustomerInput } from '../src/segments/types.ts';
import type { CalibrationRecord, CalibrationStore } from '../src/profiles/calibration-store.ts';
import type { OrderPort } from './ports.ts';

export interface CalibrationInputs {
  customers: CustomerInput[];
  /** Orders over all customers. */
  orders: number;
  previous: CalibrationRecord | null;
}

export interface CalibrationSources {
  orders: Pick<OrderPort, 'customersOf' | 'engagementOf'>;
  calibrations: Pick<CalibrationStore, 'current'>;
}

/** Customers are read and written in batches of this many. */
export const BATCH = 1000;

export async function loadCalibrationInputs(sources: CalibrationSources, shop: string): Promise<CalibrationInputs> {
  const customers: CustomerInput[] = [];
  let orders = 0;
  for await (const c of sources.orders.customersOf(shop)) {
    customers.push(c);
    orders += c.orders.length;
  }
  for (let i = 0; i < customers.length; i += BATCH) {
    const batch = customers.slice(i, i + BATCH);
    const engagement = await sources.orders.engagementOf(shop, batch.map((c) => c.customerId));
    for (const c of batch) {
      const e = engagement.get(c.customerId);
      if (e) c.engagement = e;
    }
  }
  return { customers, orders, previous: await sources.calibrations.current(shop) };
}
