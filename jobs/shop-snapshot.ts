// A whole shop read the way both whole-shop readers need it — the recalibration pass (recompute-shop.ts)
// and the dashboard's dry run of a settings change (settings-preview.ts) — in memory bounded by the
// shop's compact numbers, not its orders and profiles:
// - the calibration is fitted from each customer's summary (summarizeCustomer), the books streamed
//   BATCH customers at a time; a small shop's books are kept in memory from that first read, a larger
//   shop's written to a local file as they are read (batch-spill.ts) and read back from it for the
//   per-customer pass (`batches`) — from the database again only if the file cannot be written;
// - each previous profile is read once, by one unsorted scan (on FerretDB 1.24 only `_id` point reads
//   use an index, so a read per batch of ids would scan the collection once per batch: quadratic), and
//   kept compact (PreviousLite: membership keys and dates, tags, revision; strings shared between
//   customers by an Interner, a shop has few distinct sets).
import type { CustomerProfileDoc, CustomerProfileStore, StoredMembership } from '../src/profiles/customer-profile-store.ts';
import { summarizeCustomer, SummaryCompactor, type CustomerInput, type CustomerSummary, type ShopSettings } from '../src/segments/index.ts';
import { BATCH, customerBatches, withEngagement, type CalibrationSources } from './calibration-inputs.ts';
import { BatchSpill } from './batch-spill.ts';
import { readAhead } from '../src/read-ahead.ts';

export const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/** Kept in memory between the calibration and the per-customer pass up to this many customers; a larger shop's books go to a spill file. */
const KEEP_CUSTOMERS_UP_TO = 50_000;

export interface StreamOptions {
  /** Overrides KEEP_CUSTOMERS_UP_TO and BATCH (tests). */
  keepCustomersUpTo?: number;
  batchSize?: number;
  /** Where a larger shop's books wait for the second read (default: a new file under the OS temp dir; null: read the database again). */
  spill?: (() => Promise<BatchSpill<CustomerInput[]>>) | null;
}

export interface CalibratedShop<C> {
  customers: number;
  orders: number;
  calibration: C;
  /** The shop's customers again, BATCH at a time, for the per-customer pass (once). */
  batches: () => AsyncGenerator<CustomerInput[]>;
  /** How the books come back: kept in memory, from the spill file (its bytes), or read again from the database. */
  second: { from: 'memory' } | { from: 'spill'; bytes: number } | { from: 'database' };
  /** Frees what is held for `batches` (the spill file) when the pass ends without reading them all; idempotent. */
  release: () => Promise<void>;
}

/** Customer-id order as MongoDB sorts the ids (binary: the same as `<` on these ASCII strings). */
export const byCustomerId = (a: { customerId: string }, b: { customerId: string }): number => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0);

/** Streams the shop's books once, fits `fit` to the customers' summaries, and offers the books again. */
export async function calibrateStreamed<C>(
  sources: CalibrationSources, shop: string, settings: ShopSettings, asOf: number,
  fit: (summaries: readonly CustomerSummary[]) => C, o: StreamOptions = {},
): Promise<CalibratedShop<C>> {
  const keepUpTo = o.keepCustomersUpTo ?? KEEP_CUSTOMERS_UP_TO;
  const size = o.batchSize ?? BATCH;
  const summaries: CustomerSummary[] = [];
  const compactor = new SummaryCompactor();
  let kept: CustomerInput[][] | null = [];
  let keptCount = 0;
  let orders = 0;
  const spills = new Spilling(o.spill === undefined ? () => BatchSpill.create<CustomerInput[]>() : o.spill);
  try {
    for await (const batch of customerBatches(sources, shop, size)) {
      for (const c of batch) {
        orders += c.orders.length;
        summaries.push(compactor.compact(summarizeCustomer(c, settings, asOf)));
      }
      keptCount += batch.length;
      if (kept && keptCount <= keepUpTo) kept.push(batch);
      else {
        // Past the memory bound: what was kept and every batch from here go to the file.
        if (kept) await spills.write(kept);
        kept = null;
        await spills.write([batch]);
      }
      await yieldToEventLoop();
    }
  } catch (err) {
    await spills.release();
    throw err;
  }
  const customers = summaries.length;
  // In customer-id order whatever order the database returned the books in: the fit sums floating-point
  // numbers, so the same shop gives the same calibration on MongoDB and FerretDB, run after run.
  summaries.sort(byCustomerId);
  let calibration: C;
  try {
    calibration = fit(summaries);
  } catch (err) {
    await spills.release();
    throw err;
  }
  summaries.length = 0;
  const spill = spills.file;
  const second: CalibratedShop<C>['second'] = kept ? { from: 'memory' } : spill ? { from: 'spill', bytes: spill.size } : { from: 'database' };
  const batches = async function* (): AsyncGenerator<CustomerInput[]> {
    // Handed over once: the closure no longer holds the books while the pass works through them.
    const held = kept;
    kept = null;
    if (held) yield* held;
    // The next batch read from the file while the caller works on this one.
    else if (spill) yield* readAhead(spill.read());
    else yield* customerBatches(sources, shop, size);
  };
  return { customers, orders, calibration, batches, second, release: () => spills.release() };
}

/** The spill of one pass: opened at the first batch past the memory bound; on any failure to write, dropped for a second database read. */
class Spilling {
  file: BatchSpill<CustomerInput[]> | null = null;
  private failed = false;
  private readonly open: (() => Promise<BatchSpill<CustomerInput[]>>) | null;
  constructor(open: (() => Promise<BatchSpill<CustomerInput[]>>) | null) {
    this.open = open;
  }

  async write(batches: readonly CustomerInput[][]): Promise<void> {
    if (this.failed || !this.open) return;
    try {
      this.file ??= await this.open();
      for (const b of batches) await this.file.write(b);
    } catch {
      // A full or read-only disk costs time, not the pass: the books are read from the database again.
      this.failed = true;
      await this.release();
    }
  }

  async release(): Promise<void> {
    const f = this.file;
    this.file = null;
    await f?.close();
  }
}

/** What a whole-shop reader keeps of a customer's previous profile: a few hundred bytes, the strings shared between customers. */
export interface PreviousLite {
  /** "family/segment" of each membership (one array shared by every customer with the same set). */
  memberships: readonly string[];
  since: Array<number | null>;
  hasMessages: boolean;
  tagsDesired: string[];
  tagsRevision: number;
  /** The stored nextChangeAt (ms), null when none. */
  nextChangeAt: number | null;
  /** Set once the pass has met the customer in the books (customersWithoutOrders reads the rest). */
  seen: boolean;
  /** Stored by an earlier version, memberships as an array (customer-profile-store.ts, ProfileRecord): rewritten by the pass. */
  arrayForm: boolean;
}

/** One copy of each distinct value (membership sets, tag sets, segment keys): a shop has few. */
export class Interner {
  private readonly seen = new Map<string, string[]>();
  of(list: readonly string[]): string[] {
    const key = list.join('\n');
    let v = this.seen.get(key);
    if (!v) this.seen.set(key, (v = [...list]));
    return v;
  }
}

type PreviousDoc = Omit<CustomerProfileDoc, 'metricsJson' | 'predictionsJson' | 'replenishmentJson'>;

/**
 * Every previous profile of the shop, compact, by customer id: one scan. `each` sees every document
 * as read (the recalibration keeps its segment-browser keys too).
 */
export async function readPreviousProfiles(
  profiles: Pick<CustomerProfileStore, 'previousOfShop'>, shop: string, interner: Interner, each?: (doc: PreviousDoc) => void,
): Promise<Map<string, PreviousLite>> {
  const previous = new Map<string, PreviousLite>();
  for await (const batch of profiles.previousOfShop(shop)) {
    for (const d of batch) {
      previous.set(d.customerId, {
        memberships: interner.of(d.memberships.map((m) => `${m.family}/${m.segment}`)), since: d.memberships.map((m) => m.since ?? null),
        hasMessages: d.memberships.every((m) => m.explanationMsg), tagsDesired: interner.of(d.tagsDesired), tagsRevision: d.tagsRevision,
        nextChangeAt: d.nextChangeAt ? new Date(d.nextChangeAt).getTime() : null, seen: false, arrayForm: d.arrayForm,
      });
      each?.(d);
    }
    await yieldToEventLoop();
  }
  return previous;
}

/**
 * The customers with a previous profile whom the books did not hold (`seen` unset: created or engaged
 * without an order, every order deleted), as customers without orders with their engagement — what
 * their own recompute computes — `size` at a time. `keep` drops ids before they are read (a writer
 * keeps only those whose profile is still there: one erased during the pass stays erased).
 */
/** How many customers of `previous` the books did not hold (what customersWithoutOrders yields at most). */
export function unseenCount(previous: ReadonlyMap<string, PreviousLite>): number {
  let n = 0;
  for (const p of previous.values()) if (!p.seen) n++;
  return n;
}

export async function* customersWithoutOrders(
  sources: Pick<CalibrationSources, 'orders'>, shop: string, previous: ReadonlyMap<string, PreviousLite>,
  keep: (ids: string[]) => Promise<string[]> = async (ids) => ids, size = BATCH,
): AsyncGenerator<CustomerInput[]> {
  const ids: string[] = [];
  for (const [id, p] of previous) if (!p.seen) ids.push(id);
  for (let i = 0; i < ids.length; i += size) {
    const slice = await keep(ids.slice(i, i + size));
    if (slice.length) yield await withEngagement(sources, shop, slice.map((customerId) => ({ customerId, orders: [] })));
  }
}

/** The previous memberships as segment() and the comparisons read them (family, segment, since). */
export function membershipsOf(p: PreviousLite): StoredMembership[] {
  return p.memberships.map((key, i) => {
    const slash = key.indexOf('/');
    return { family: key.slice(0, slash), segment: key.slice(slash + 1), label: '', tag: '', explanation: '', since: p.since[i] ?? null };
  });
}
