// Dry run of a settings change: recalibrate and segment the whole shop with the proposed settings,
// from the inputs the recalibration job loads (jobs/calibration-inputs.ts), and count the customers
// whose tags would change — without writing anything. As heavy as a recalibration.
import type { ShopSettings } from '../../src/segments/settings.ts';
import type { DashboardPorts } from '../ports.ts';
import { BATCH, loadCalibrationInputs } from '../../jobs/calibration-inputs.ts';
import { calibrate, segment } from '../../jobs/engine.ts';

export interface SettingsPreview {
  asOf: string;
  customers: number;
  wouldChange: number;
  unchanged: number;
  tagsAdded: Array<{ tag: string; customers: number }>;
  tagsRemoved: Array<{ tag: string; customers: number }>;
  examples: Array<{ customerId: string; add: string[]; remove: string[] }>;
}

type PreviewPorts = Pick<DashboardPorts, 'orders' | 'profiles' | 'calibrations'>;

export async function previewSettings(ports: PreviewPorts, shop: string, next: ShopSettings, asOf: number): Promise<SettingsPreview> {
  const { customers, previous } = await loadCalibrationInputs(ports, shop);
  const calibration = calibrate(customers, next, asOf, previous?.calibration ?? undefined);

  const added = new Map<string, number>();
  const removed = new Map<string, number>();
  const examples: SettingsPreview['examples'] = [];
  let wouldChange = 0;
  for (let i = 0; i < customers.length; i += BATCH) {
    const batch = customers.slice(i, i + BATCH);
    const profiles = new Map((await ports.profiles.getMany(shop, batch.map((c) => c.customerId))).map((p) => [p.customerId, p]));
    for (const c of batch) {
      const prev = profiles.get(c.customerId) ?? null;
      const s = segment(c, calibration, next, asOf, prev?.memberships ?? null);
      const before = new Set(prev?.tagsDesired ?? []);
      const after = new Set(s.tags);
      const add = [...after].filter((t) => !before.has(t)).sort();
      const remove = [...before].filter((t) => !after.has(t)).sort();
      if (!add.length && !remove.length) continue;
      wouldChange++;
      for (const t of add) added.set(t, (added.get(t) ?? 0) + 1);
      for (const t of remove) removed.set(t, (removed.get(t) ?? 0) + 1);
      if (examples.length < 10) examples.push({ customerId: c.customerId, add, remove });
    }
  }
  const ranked = (m: Map<string, number>) => [...m].map(([tag, n]) => ({ tag, customers: n })).sort((a, b) => b.customers - a.customers || a.tag.localeCompare(b.tag));
  return {
    asOf: new Date(asOf).toISOString(),
    customers: customers.length,
    wouldChange,
    unchanged: customers.length - wouldChange,
    tagsAdded: ranked(added),
    tagsRemoved: ranked(removed),
    examples,
  };
}
