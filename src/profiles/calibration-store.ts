// Threshold and model history per shop: every recalibration kept with its date, so a merchant can see
// that "frequent" meant 3+ orders in March and 4+ in November. The engine's Calibration is stored as
// JSON text: it may hold product keys with '.', which FerretDB forbids as document keys.
import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { Calibration } from '../segments/calibrate-shop.ts';
import { createMissingIndexes } from './missing-indexes.ts';

export interface CalibrationRecord<C = Calibration> {
  id: string;
  shop: string;
  /** The engine's as-of instant of this calibration. */
  asOf: Date;
  createdAt: Date;
  reason: string;
  buyers: number;
  calibration: C;
}

interface CalibrationDoc {
  _id: Types.ObjectId;
  shop: string;
  asOf: Date;
  createdAt: Date;
  reason: string;
  buyers: number;
  payload: string;
}

const calibrationSchema = new Schema<CalibrationDoc>(
  {
    shop: { type: String, required: true },
    asOf: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    reason: { type: String, default: '' },
    buyers: { type: Number, default: 0 },
    payload: { type: String, required: true },
  },
  { collection: 'calibrations', versionKey: false },
);
// Query paths: the current calibration of a shop; its history by date.
calibrationSchema.index({ shop: 1, createdAt: -1 });

/**
 * Which calibration is current, per shop: {_id: shop, head: "<createdAt ms, 15 digits>|<calibration id>"},
 * moved only forward by $max. Every recompute asks for the current calibration; through the head
 * that is two point reads by _id (the only filter FerretDB 1.x answers from an index) instead of a
 * sorted scan of the shop's whole history.
 */
interface CalibrationHeadDoc {
  _id: string;
  /** Same as _id: every document carries `shop`, so the generic shop erasure covers this one. */
  shop: string;
  head: string;
  /** The last whole-shop pass that computed every profile of the shop (recompute-shop.ts): see coveredUntil. */
  covered?: { calibrationId: string; until: Date; utcOffsetMinutes: number };
}
const headSchema = new Schema<CalibrationHeadDoc>({
  _id: { type: String, required: true }, shop: { type: String, required: true }, head: { type: String, required: true },
  covered: { type: new Schema({ calibrationId: String, until: Date, utcOffsetMinutes: Number }, { _id: false }), required: false },
}, { collection: 'calibration_heads', versionKey: false });
const headOf = (createdAt: Date, id: string): string => `${String(createdAt.getTime()).padStart(15, '0')}|${id}`;
/** The calibration id a head names (headOf's second part). */
const idOfHead = (head: string): string => head.slice(head.indexOf('|') + 1);

/** Calibrations never change once written: parsed ones are kept for the next recompute. */
const PARSED_CACHE_SIZE = 64;

function toRecord<C = Calibration>(d: CalibrationDoc): CalibrationRecord<C> {
  return { id: String(d._id), shop: d.shop, asOf: d.asOf, createdAt: d.createdAt, reason: d.reason, buyers: d.buyers, calibration: JSON.parse(d.payload) as C };
}

export class CalibrationStore {
  readonly model: Model<CalibrationDoc>;
  readonly heads: Model<CalibrationHeadDoc>;
  private readonly parsed = new Map<string, CalibrationRecord<unknown>>();

  constructor(conn: Connection) {
    this.model = (conn.models.Calibration as Model<CalibrationDoc> | undefined) ?? conn.model<CalibrationDoc>('Calibration', calibrationSchema);
    this.heads = (conn.models.CalibrationHead as Model<CalibrationHeadDoc> | undefined) ?? conn.model<CalibrationHeadDoc>('CalibrationHead', headSchema);
  }

  async init(): Promise<void> {
    await Promise.all([createMissingIndexes(this.model), createMissingIndexes(this.heads)]);
  }

  async save<C = Calibration>(shop: string, calibration: C, meta: { asOf: Date; createdAt: Date; reason: string; buyers: number }): Promise<CalibrationRecord<C>> {
    const doc = await this.model.create({ shop, ...meta, payload: JSON.stringify(calibration) });
    const record = toRecord<C>(doc.toObject());
    await this.heads.collection.updateOne({ _id: shop } as never, { $max: { head: headOf(meta.createdAt, record.id) }, $setOnInsert: { shop } }, { upsert: true });
    return record;
  }

  async current<C = Calibration>(shop: string): Promise<CalibrationRecord<C> | null> {
    const head = await this.heads.findOne({ _id: shop }).lean<CalibrationHeadDoc>();
    if (!head) {
      // Written before heads existed (or the head write was interrupted): the sorted query.
      const d = await this.model.findOne({ shop }).sort({ createdAt: -1, _id: -1 }).lean<CalibrationDoc>();
      return d ? toRecord<C>(d) : null;
    }
    const id = idOfHead(head.head);
    const cached = this.parsed.get(id);
    if (cached) return cached as CalibrationRecord<C>;
    const d = await this.model.findOne({ shop, _id: new Types.ObjectId(id) }).lean<CalibrationDoc>();
    if (!d) return null;
    const record = toRecord<C>(d);
    if (this.parsed.size >= PARSED_CACHE_SIZE) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(id, record);
    return record;
  }

  /**
   * A whole-shop pass with `record`'s calibration computed every profile of the shop: none changes with
   * time alone before `until` (the start of the pass's next day in the shop's calendar at
   * `utcOffsetMinutes`: nextChangeAt is always a later day's start). Written only while that
   * calibration is the head, and current only while it stays the head.
   */
  async markCovered(shop: string, cover: { record: Pick<CalibrationRecord<unknown>, 'id' | 'createdAt'>; until: Date; utcOffsetMinutes: number }): Promise<void> {
    await this.heads.collection.updateOne(
      { _id: shop, head: headOf(cover.record.createdAt, cover.record.id) } as never,
      { $set: { covered: { calibrationId: cover.record.id, until: cover.until, utcOffsetMinutes: cover.utcOffsetMinutes } } },
    );
  }

  /** `until` of markCovered while its calibration is the shop's current one and the shop's day is the same (offset); null otherwise. */
  async coveredUntil(shop: string, utcOffsetMinutes: number): Promise<Date | null> {
    const head = await this.heads.findOne({ _id: shop }).lean<CalibrationHeadDoc>();
    const c = head?.covered;
    if (!head || !c || c.utcOffsetMinutes !== utcOffsetMinutes) return null;
    return idOfHead(head.head) === c.calibrationId ? new Date(c.until) : null;
  }

  async history<C = Calibration>(shop: string, limit = 50): Promise<CalibrationRecord<C>[]> {
    const docs = await this.model.find({ shop }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<CalibrationDoc[]>();
    return docs.map((d) => toRecord<C>(d));
  }

  async deleteShop(shop: string): Promise<void> {
    await this.model.deleteMany({ shop });
    await this.heads.deleteOne({ _id: shop });
  }
}
