// Binds the pure engine (src/segments) to the pipeline's EnginePort. The calibration crosses the
// port as an opaque value (stored as JSON by the calibration store).
import { calibrateShop, segmentCustomer, type Calibration, type Membership } from '../src/segments/index.ts';
import type { EnginePort } from './context.ts';

export const segmentEngine: EnginePort = {
  calibrate(customers, settings, asOf, previous) {
    return calibrateShop(customers, settings, asOf, (previous as Calibration | undefined) ?? undefined);
  },
  segment(customer, calibration, settings, asOf, previous) {
    const prev = previous ? { memberships: previous.map((m) => ({ ...m, since: m.since ?? undefined }) as Membership) } : undefined;
    const r = segmentCustomer(customer, calibration as Calibration, settings, asOf, prev);
    return {
      customerId: r.customerId,
      metrics: r.metrics,
      memberships: r.memberships.map((m) => ({ family: m.family, segment: m.segment, label: m.label, tag: m.tag, explanation: m.explanation, since: m.since ?? null })),
      tags: r.tags,
      predictions: r.predictions,
      replenishment: r.replenishment,
      nextChangeAt: r.nextChangeAt,
    };
  },
  thresholdsOf(calibration) {
    const c = calibration as Calibration;
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
  },
};
