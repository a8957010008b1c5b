// Seeds a shop from the CDNOW purchase log (`customer_id yyyymmdd quantity value`, header first):
// each CDNOW customer becomes a Shopify customer with a large numeric id, each row an order. Streamed.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { merchantTagsFor } from './seed-synthetic.ts';
import type { Simulator } from './simulator.ts';
import type { TimeInput } from './merchant-actions.ts';
import { toMs } from './merchant-actions.ts';
import type { CustomerRecord, LineItemRecord } from './store.ts';

/** CDNOW customer 123 → Shopify customer 7200000000123. */
export const CDNOW_CUSTOMER_ID_BASE = 7_200_000_000_000;
/** The log covers 1997-01-01 … 1998-06-30; `asOf` moves its end (1998-07-01) to that instant. */
export const CDNOW_END = Date.UTC(1998, 6, 1);

export interface CdnowOptions {
  asOf?: TimeInput;
  /** Stop after this many distinct customers (the log is sorted by customer id). */
  limit?: number;
}

export async function seedFromCdnow(sim: Simulator, shopDomain: string, file: string, opts: CdnowOptions = {}): Promise<{ customers: number; orders: number }> {
  const shop = sim.shop(shopDomain);
  const shift = opts.asOf === undefined ? 0 : toMs(opts.asOf) - CDNOW_END;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let customers = 0;
  let orders = 0;
  let current: CustomerRecord | undefined;
  let currentCdnowId = '';
  let row = 0;
  for await (const raw of lines) {
    const parts = raw.trim().split(/\s+/);
    if (parts.length < 4 || !/^\d+$/.test(parts[0] as string)) continue; // header or blank
    const [cid, ymd, qty, value] = parts as [string, string, string, string];
    row++;
    if (cid !== currentCdnowId) {
      if (opts.limit !== undefined && customers >= opts.limit) break;
      currentCdnowId = cid;
      const numeric = Number(cid);
      const day = Date.UTC(Number(ymd.slice(0, 4)), Number(ymd.slice(4, 6)) - 1, Number(ymd.slice(6, 8))) + shift;
      current = sim.merchant.createCustomer(shop.domain, { id: String(CDNOW_CUSTOMER_ID_BASE + numeric), tags: merchantTagsFor(numeric), createdAt: day + 12 * 3600_000 }, true);
      customers++;
    }
    const c = current as CustomerRecord;
    // Noon UTC plus a few minutes per row keeps same-day orders distinct and ordered.
    const at = Date.UTC(Number(ymd.slice(0, 4)), Number(ymd.slice(4, 6)) - 1, Number(ymd.slice(6, 8))) + shift + 12 * 3600_000 + (row % 600) * 60_000;
    const quantity = Math.max(1, Number(qty));
    const valueMinor = Math.round(Number(value) * 100);
    const o = sim.merchant.buildOrder(shop, { customerId: c.id, createdAt: at, sourceName: 'web', lineItems: [] }, at);
    o.lineItems = splitValue(sim, valueMinor, quantity);
    shop.addOrder(o);
    c.updatedAt = Math.max(c.updatedAt, at);
    orders++;
  }
  lines.close();
  return { customers, orders };
}

/** quantity CDs for value: (q-1) at the floor price and one carrying the remainder, so totals match exactly. */
function splitValue(sim: Simulator, valueMinor: number, quantity: number): LineItemRecord[] {
  const base = Math.floor(valueMinor / quantity);
  const rest = valueMinor - base * quantity;
  const item = (q: number, price: number): LineItemRecord => ({
    id: sim.nextId('lineItem'), quantity: q, currentQuantity: q, priceMinor: price, sku: 'CDNOW-CD', title: 'CD', productId: '8000000000001', variantId: '44000000000001',
  });
  if (rest === 0) return [item(quantity, base)];
  return quantity === 1 ? [item(1, valueMinor)] : [item(quantity - 1, base), item(1, base + rest)];
}
