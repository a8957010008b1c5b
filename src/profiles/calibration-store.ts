// Threshold and model history per shop: every recalibration kept with its date, so a merchant can see
// that "frequent" meant 3+ orders in March and 4+ in November. The engine's Calibration is stored as
// JSON text: it may hold product keys with '.', which FerretDB forbids as document keys.
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface CalibrationRecord<C = unknown> {
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

function toRecord<C>(d: CalibrationDoc): CalibrationRecord<C> {
  return { id: String(d._id), shop: d.shop, asOf: d.asOf, createdAt: d.createdAt, reason: d.reason, buyers: d.buyers, calibration: JSON.parse(d.payload) as C };
}

export class CalibrationStore {
  readonly model: Model<CalibrationDoc>;

  constructor(conn: Connection) {
    this.model = (conn.models.Calibration as Model<CalibrationDoc> | undefined) ?? conn.model<CalibrationDoc>('Calibration', calibrationSchema);
  }

  async init(): Promise<void> {
    await this.model.createIndexes();
  }

  async save<C>(shop: string, calibration: C, meta: { asOf: Date; createdAt: Date; reason: string; buyers: number }): Promise<CalibrationRecord<C>> {
    const doc = await this.model.create({ shop, ...meta, payload: JSON.stringify(calibration) });
    return toRecord<C>(doc.toObject());
  }

  async current<C>(shop: string): Promise<CalibrationRecord<C> | null> {
    const d = await this.model.findOne({ shop }).sort({ createdAt: -1, _id: -1 }).lean<CalibrationDoc>();
    return d ? toRecord<C>(d) : null;
  }

  async history<C>(shop: string, limit = 50): Promise<CalibrationRecord<C>[]> {
    const docs = await this.model.find({ shop }).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<CalibrationDoc[]>();
    return docs.map((d) => toRecord<C>(d));
  }

  async deleteShop(shop: string): Promise<void> {
    await this.model.deleteMany({ shop });
  }
}
