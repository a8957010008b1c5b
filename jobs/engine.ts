// The pure engine (src/segments) as the pipeline calls it, with the engine's own types: the
// calibration is the engine's Calibration (the calibration store keeps it as JSON), memberships come
// back in the shape the profile store keeps them. One implementation, so no port: processors and the
// settings preview (jobs/settings-preview.ts) call these functions directly.
import { calibrateFromSummaries, calibrateShop, segmentCustomer, shopInsights, summarizeCustomer, type Calibration, type CustomerInput, type CustomerSegmentation, type CustomerSummary, type Membership, type ShopInsights, type ShopSettings } from '../src/segments/index.ts';
import type { StoredMembership } from '../src/profiles/customer-profile-store.ts';

/** The engine's per-customer result, as far as the pipeline reads and stores it. */
export interface Segmentation extends Pick<CustomerSegmentation, 'customerId' | 'metrics' | 'tags' | 'predictions' | 'replenishment' | 'nextChangeAt'> {
  memberships: StoredMembership[];
}

export function calibrate(customers: CustomerInput[], settings: ShopSettings, asOf: number, previous: Calibration | undefined): Calibration {
  return calibrateShop(customers, settings, asOf, previous);
}

/** Entries kept per insights list (the best-ranked first). */
export const STORED_INSIGHTS_PER_LIST = 100;

/** What recalibration stores: the calibration with the shop's bright spots (insights.ts) of the same date. */
export type CalibrationWithInsights = Calibration & { insights: ShopInsights };

/** calibrate, plus the bright spots from the same summaries (each customer summarised once). */
export function calibrateWithInsights(customers: CustomerInput[], settings: ShopSettings, asOf: number, previous: Calibration | undefined): CalibrationWithInsights {
  return calibrateSummariesWithInsights(customers.map((c) => summarizeCustomer(c, settings, asOf)), settings, asOf, previous);
}

/** calibrateWithInsights from the customers' summaries (summarizeCustomer): what a streamed whole-shop pass keeps. */
export function calibrateSummariesWithInsights(summaries: readonly CustomerSummary[], settings: ShopSettings, asOf: number, previous: Calibration | undefined): CalibrationWithInsights {
  const calibration = calibrateFromSummaries(summaries, settings, asOf, previous);
  const i = shopInsights(summaries, calibration, settings, asOf);
  // Bounded, so a catalogue of thousands of products cannot swell the stored calibration document.
  const top = <T,>(list: T[]): T[] => list.slice(0, STORED_INSIGHTS_PER_LIST);
  return { ...calibration, insights: { ...i, gatewayProducts: top(i.gatewayProducts), bestCustomerProducts: top(i.bestCustomerProducts), reorder: top(i.reorder) } };
}

export function segment(customer: CustomerInput, calibration: Calibration, settings: ShopSettings, asOf: number, previous: StoredMembership[] | null): Segmentation {
  const prev = previous ? { memberships: previous.map((m) => ({ ...m, since: m.since ?? undefined }) as Membership) } : undefined;
  const r = segmentCustomer(customer, calibration, settings, asOf, prev);
  return {
    customerId: r.customerId,
    metrics: r.metrics,
    memberships: r.memberships.map((m) => ({ family: m.family, segment: m.segment, label: m.label, tag: m.tag, explanation: m.explanation, ...(m.explanationMsg ? { explanationMsg: m.explanationMsg } : {}), since: m.since ?? null })),
    tags: r.tags,
    predictions: r.predictions,
    replenishment: r.replenishment,
    nextChangeAt: r.nextChangeAt,
  };
}

/** Short readable thresholds for job results and logs. */
export function thresholdsOf(c: Calibration) {
  return {
    date: c.date,
    loyalty: c.loyalty,
    rfm: c.rfm,
    valueTiers: c.valueTiers,
    bigSpender: c.bigSpender,
    models: {
      method: c.models.method,
      fallbackReason: c.models.fallbackReason,
      bgnbd: c.models.bgnbd,
      gammaGamma: c.models.gammaGamma,
    },
    changes: c.changes,
  };
}

/** The three together, for scripts/chaos/run.ts until it calls `segment` directly. */
export const segmentEngine = { calibrate, segment, thresholdsOf };
