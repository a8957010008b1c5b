// Segment history: "customer entered/left segment at time T" — what email tools lack. Written
// idempotently (a deterministic key per event), so a retried recompute never duplicates history.
import { Schema, type Connection, type Model } from 'mongoose';
import { insertIgnoringDuplicates } from './insert-ignoring-duplicates.ts';
import { createMissingIndexes } from './missing-indexes.ts';
import type { ExplanationMsg } from '../segments/explanation.ts';

export type SegmentChange = 'entered' | 'left';

export interface SegmentEvent {
  shop: string;
  customerId: string;
  family: string;
  segment: string;
  tag: string;
  change: SegmentChange;
  /** The engine's as-of instant when the change was observed. */
  at: Date;
  /** English sentence; history written before messages existed has only this. */
  explanation: string;
  /** The explanation as message id + parameters, re-rendered in the viewer's language; absent in older events. */
  explanationMsg?: ExplanationMsg | null;
}

const eventSchema = new Schema<SegmentEvent>(
  {
    shop: { type: String, required: true },
    customerId: { type: String, required: true },
    family: { type: String, required: true },
    segment: { type: String, required: true },
    tag: { type: String, required: true },
    change: { type: String, enum: ['entered', 'left'], required: true },
    at: { type: Date, required: true },
    explanation: { type: String, default: '' },
    explanationMsg: { type: Schema.Types.Mixed, default: undefined },
  },
  { collection: 'segment_events', versionKey: false },
);
// Query paths: a customer's history; who entered a segment since T; idempotent insert key.
eventSchema.index({ shop: 1, customerId: 1, at: -1 });
eventSchema.index({ shop: 1, family: 1, segment: 1, at: -1 });
eventSchema.index({ shop: 1, customerId: 1, family: 1, segment: 1, change: 1, at: 1 }, { unique: true });

export interface MembershipKey { family: string; segment: string; tag: string; explanation?: string; explanationMsg?: ExplanationMsg | null }

/** Pure: which memberships were entered and left between two membership lists. */
export function membershipChanges(before: readonly MembershipKey[], after: readonly MembershipKey[]): { entered: MembershipKey[]; left: MembershipKey[] } {
  const key = (m: MembershipKey) => `${m.family}\u0000${m.segment}`;
  const was = new Set(before.map(key));
  const is = new Set(after.map(key));
  return { entered: after.filter((m) => !was.has(key(m))), left: before.filter((m) => !is.has(key(m))) };
}

export class SegmentEventStore {
  readonly model: Model<SegmentEvent>;

  constructor(conn: Connection) {
    this.model = (conn.models.SegmentEvent as Model<SegmentEvent> | undefined) ?? conn.model<SegmentEvent>('SegmentEvent', eventSchema);
  }

  async init(): Promise<void> {
    await createMissingIndexes(this.model);
  }

  /** Inserts; an event already recorded (same customer, segment, change and instant) is skipped by the unique index. */
  async record(events: readonly SegmentEvent[]): Promise<void> {
    await insertIgnoringDuplicates(this.model, events);
  }

  async forCustomer(shop: string, customerId: string, limit = 100): Promise<SegmentEvent[]> {
    return this.model.find({ shop, customerId }, { _id: 0 }).sort({ at: -1 }).limit(limit).lean<SegmentEvent[]>();
  }

  async recent(shop: string, since: Date, limit = 100): Promise<SegmentEvent[]> {
    return this.model.find({ shop, at: { $gte: since } }, { _id: 0 }).sort({ at: -1 }).limit(limit).lean<SegmentEvent[]>();
  }

  async entered(shop: string, family: string, segment: string, since: Date, limit = 1000): Promise<SegmentEvent[]> {
    return this.model.find({ shop, family, segment, change: 'entered', at: { $gte: since } }, { _id: 0 }).sort({ at: -1 }).limit(limit).lean<SegmentEvent[]>();
  }

  async deleteCustomer(shop: string, customerId: string): Promise<void> {
    await this.model.deleteMany({ shop, customerId });
  }

  async deleteShop(shop: string): Promise<void> {
    await this.model.deleteMany({ shop });
  }
}
