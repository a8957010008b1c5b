// Dry run of a settings change: recalibrate and segment the whole shop with the proposed settings,
// from the inputs the recalibration job loads (jobs/calibration-inputs.ts), and count the customers
// whose tags would change — without writing anything. As heavy as a recalibration, so it runs as a job
// of the `settings-preview` queue in a worker (one per shop at a time, result kept 15 minutes under the
// settings' hash), never in the web process that ingests every shop's webhooks. A tag-prefix change is
// checked against the tags customers carry on Shopify (tag-prefix-check.ts).
import { createHash } from 'node:crypto';
import type { Job } from 'bullmq';
import type { ShopSettings } from '../src/segments/settings.ts';
import type { CalibrationSources } from './calibration-inputs.ts';
import { segment } from './engine.ts';
import { byCustomerId, calibrateStreamed, customersWithoutOrders, Interner, membershipsOf, readPreviousProfiles, yieldToEventLoop, type CalibratedShop, type StreamOptions } from './shop-snapshot.ts';
import { calibrateFromSummaries, type CustomerInput } from '../src/segments/index.ts';
import type { JobContext } from './ports.ts';
import type { PreviewSettingsData } from './queues.ts';
import { checkPrefixChange, type PrefixCheck } from './tag-prefix-check.ts';
import type { CustomerProfileStore } from '../src/profiles/customer-profile-store.ts';

export interface SettingsPreview {
  asOf: string;
  customers: number;
  wouldChange: number;
  unchanged: number;
  tagsAdded: Array<{ tag: string; customers: number }>;
  tagsRemoved: Array<{ tag: string; customers: number }>;
  examples: Array<{ customerId: string; add: string[]; remove: string[] }>;
}

type PreviewPorts = CalibrationSources & { profiles: Pick<CustomerProfileStore, 'previousOfShop'> };

// Read the way the recalibration reads the shop (shop-snapshot.ts): the calibration from the customers'
// summaries, every previous profile once by one scan (compact), the books again in batches — memory
// bounded by the shop's compact numbers and each read linear in the shop, at any size.
/** Keeps the 10 examples with the lowest customer ids (numeric-string ids compare as the database sorts them). */
function keepLowest(examples: Array<{ customerId: string }>): void {
  examples.sort(byCustomerId);
  examples.length = Math.min(examples.length, 10);
}

export async function previewSettings(ports: PreviewPorts, shop: string, next: ShopSettings, asOf: number, o: StreamOptions = {}): Promise<SettingsPreview> {
  const previousCal = await ports.calibrations.current(shop);
  const streamed = await calibrateStreamed(ports, shop, next, asOf,
    (summaries) => calibrateFromSummaries(summaries, next, asOf, previousCal?.calibration ?? undefined), o);
  try {
    return await compareAll(ports, shop, next, asOf, streamed);
  } finally {
    await streamed.release();
  }
}

async function compareAll(ports: PreviewPorts, shop: string, next: ShopSettings, asOf: number, streamed: CalibratedShop<ReturnType<typeof calibrateFromSummaries>>): Promise<SettingsPreview> {
  const { customers, calibration, batches } = streamed;
  const previous = await readPreviousProfiles(ports.profiles, shop, new Interner());

  const added = new Map<string, number>();
  const removed = new Map<string, number>();
  const examples: SettingsPreview['examples'] = [];
  let wouldChange = 0;
  let withoutOrders = 0;
  const compare = (c: CustomerInput) => {
    const prev = previous.get(c.customerId) ?? null;
    if (prev) prev.seen = true;
    // The previous memberships with their dates: hysteresis keeps a member in a group as the recalibration would.
    const s = segment(c, calibration, next, asOf, prev ? membershipsOf(prev) : null);
    const before = new Set(prev?.tagsDesired ?? []);
    const after = new Set(s.tags);
    const add = [...after].filter((t) => !before.has(t)).sort();
    const remove = [...before].filter((t) => !after.has(t)).sort();
    if (!add.length && !remove.length) return;
    wouldChange++;
    for (const t of add) added.set(t, (added.get(t) ?? 0) + 1);
    for (const t of remove) removed.set(t, (removed.get(t) ?? 0) + 1);
    // The 10 lowest customer ids, whatever order the database returned the shop in.
    examples.push({ customerId: c.customerId, add, remove });
    if (examples.length >= 40) keepLowest(examples);
  };
  for await (const batch of batches()) {
    for (const c of batch) compare(c);
    await yieldToEventLoop();
  }
  // The customers with a profile and no orders, as the recalibration computes them too (recompute-shop.ts).
  for await (const batch of customersWithoutOrders(ports, shop, previous)) {
    for (const c of batch) compare(c);
    withoutOrders += batch.length;
    await yieldToEventLoop();
  }
  keepLowest(examples);
  const ranked = (m: Map<string, number>) => [...m].map(([tag, n]) => ({ tag, customers: n })).sort((a, b) => b.customers - a.customers || a.tag.localeCompare(b.tag));
  return {
    asOf: new Date(asOf).toISOString(),
    customers: customers + withoutOrders,
    wouldChange,
    unchanged: customers + withoutOrders - wouldChange,
    tagsAdded: ranked(added),
    tagsRemoved: ranked(removed),
    examples,
  };
}

/** What a preview job returns (its result is kept with the job: BullMQ's returnvalue). */
export interface PreviewResult extends SettingsPreview {
  settingsHash: string;
  prefix: PrefixCheck;
}

/** Same settings → same hash (keys sorted), so a repeated preview finds the kept result. */
export function settingsHash(settings: ShopSettings): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(settings))).digest('hex').slice(0, 24);
}

export async function runSettingsPreview(ctx: JobContext, data: PreviewSettingsData, job?: Pick<Job, 'updateProgress'>): Promise<PreviewResult> {
  const shop = await ctx.shops.get(data.shop);
  const asOf = data.asOf ?? ctx.now();
  await job?.updateProgress(5);
  const [preview, prefix] = await Promise.all([
    previewSettings(ctx, data.shop, data.settings, asOf),
    shop
      ? checkPrefixChange(ctx.shopify, data.shop, shop.settings, data.settings).catch((err: Error): PrefixCheck => {
        // Shopify unreachable: the preview still answers; the check says it is incomplete (the save
        // checks again and is refused while it cannot be done).
        ctx.logger.warn({ shop: data.shop, err: err.message }, 'tag prefix check failed');
        return { from: shop.settings.tagPrefix, to: data.settings.tagPrefix, changed: true, captured: [], complete: false, error: err.message };
      })
      : Promise.resolve<PrefixCheck>({ from: data.settings.tagPrefix, to: data.settings.tagPrefix, changed: false, captured: [], complete: true }),
  ]);
  await job?.updateProgress(100);
  return { ...preview, settingsHash: data.settingsHash, prefix };
}
