// Per shop, the sources of engagement signals (docs/signals.md): when each last delivered, what each
// dropped and why (counts only), and the credentials each needs:
//   pixelKey      the web pixel's shop key: NOT a secret (it is in every storefront page); it only
//                 names the shop to the ingest endpoint, which trusts nothing more than that.
//   flowTokenHash SHA-256 of the token Klaviyo flow webhooks (and the generic form) send in a header;
//                 the token itself is shown once, at rotation.
//   klaviyoSecret the Klaviyo system-webhook signing secret, sealed with ENCRYPTION_KEY (it must be
//                 read back to verify each signature); shown once, at rotation.
// Drops for shops we do not know are not stored here (that would let anyone create documents): the
// ingest endpoints count them in Redis (src/profiles/signal-drops.ts).
import { createMissingIndexes } from './missing-indexes.ts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Keyring } from '../shopify/token-crypto.ts';

export const SIGNAL_SOURCES = ['pixel', 'klaviyo', 'flow', 'generic', 'checkouts'] as const;
export type SignalSource = (typeof SIGNAL_SOURCES)[number];

const lastField = (s: SignalSource): string => `last_${s}`;
const droppedField = (s: SignalSource): string => `dropped_${s}`;

interface SignalSourceDoc {
  _id: string;
  /** Carried so shop/redact's generic erasure (shop-data-eraser.ts) finds the document. */
  shop: string;
  pixelKey?: string | null;
  flowTokenHash?: string | null;
  klaviyoSecret?: string | null;
  [field: string]: unknown;
}

const schema = new Schema<SignalSourceDoc>(
  {
    _id: { type: String, required: true },
    shop: { type: String, required: true },
    pixelKey: { type: String, default: null },
    flowTokenHash: { type: String, default: null },
    klaviyoSecret: { type: String, default: null },
    ...Object.fromEntries(SIGNAL_SOURCES.flatMap((s) => [[lastField(s), { type: Date, default: null }], [droppedField(s), { type: Number, default: 0 }], [`reason_${s}`, { type: String, default: null }]])),
  },
  { collection: 'signal_sources', versionKey: false, strict: true },
);

export interface SourceStatus {
  source: SignalSource;
  lastDeliveryAt: Date | null;
  dropped: number;
  lastDropReason: string | null;
}

export interface SignalCredentials {
  pixelKey: string | null;
  flowTokenSet: boolean;
  klaviyoSecretSet: boolean;
}

const hashToken = (t: string): string => createHash('sha256').update(t).digest('hex');
const newToken = (prefix: string): string => `${prefix}${randomBytes(24).toString('base64url')}`;

export class SignalSourceStore {
  readonly model: Model<SignalSourceDoc>;
  private readonly keyring: Keyring;
  constructor(conn: Connection, keyring: Keyring) {
    this.model = (conn.models.SignalSource as Model<SignalSourceDoc> | undefined) ?? conn.model<SignalSourceDoc>('SignalSource', schema);
    this.keyring = keyring;
  }

  async init(): Promise<void> {
    await createMissingIndexes(this.model);
  }

  /** Updates (upserting) the shop's document; every document carries `shop`. */
  private async upsert(shop: string, update: Record<string, unknown>): Promise<void> {
    const onInsert = (update.$setOnInsert as Record<string, unknown> | undefined) ?? {};
    await this.model.updateOne({ _id: shop }, { ...update, $setOnInsert: { ...onInsert, shop } }, { upsert: true });
  }

  async delivered(shop: string, source: SignalSource, at: Date): Promise<void> {
    await this.upsert(shop, { $max: { [lastField(source)]: at } });
  }

  async dropped(shop: string, source: SignalSource, reason: string, count = 1): Promise<void> {
    if (count <= 0) return;
    await this.upsert(shop, { $inc: { [droppedField(source)]: count }, $set: { [`reason_${source}`]: reason.slice(0, 200) } });
  }

  async status(shop: string): Promise<SourceStatus[]> {
    const d = await this.model.findOne({ _id: shop }).lean<SignalSourceDoc>();
    return SIGNAL_SOURCES.map((source) => ({
      source,
      lastDeliveryAt: (d?.[lastField(source)] as Date | null | undefined) ?? null,
      dropped: (d?.[droppedField(source)] as number | undefined) ?? 0,
      lastDropReason: (d?.[`reason_${source}`] as string | null | undefined) ?? null,
    }));
  }

  async credentials(shop: string): Promise<SignalCredentials> {
    const d = await this.model.findOne({ _id: shop }).lean<SignalSourceDoc>();
    return { pixelKey: d?.pixelKey ?? null, flowTokenSet: Boolean(d?.flowTokenHash), klaviyoSecretSet: Boolean(d?.klaviyoSecret) };
  }

  /** The shop's pixel key, created on first use (idempotent under concurrency: the first writer wins). */
  async pixelKey(shop: string): Promise<string> {
    const known = await this.model.findOne({ _id: shop }).lean<SignalSourceDoc>();
    if (known?.pixelKey) return known.pixelKey;
    const candidate = newToken('px_');
    await this.upsert(shop, { $setOnInsert: { pixelKey: candidate } }).catch(() => undefined);
    await this.model.updateOne({ _id: shop, pixelKey: null }, { $set: { pixelKey: candidate } });
    const d = await this.model.findOne({ _id: shop }).lean<SignalSourceDoc>();
    return d!.pixelKey!;
  }

  /**
   * A new pixel key; the old one stops working now. The caller queues the shopify-objects job, which
   * updates the web pixel's settings (until then the storefront's events carry the old key and are dropped).
   */
  async rotatePixelKey(shop: string): Promise<string> {
    const key = newToken('px_');
    await this.upsert(shop, { $set: { pixelKey: key } });
    return key;
  }

  /** The shop whose pixel key this is, checked against the shop the request names; false for unknown. */
  async pixelKeyMatches(shop: string, key: string): Promise<boolean> {
    const d = await this.model.findOne({ _id: shop }).lean<SignalSourceDoc>();
    return Boolean(d?.pixelKey) && safeEqual(d!.pixelKey!, key);
  }

  /** A new flow/generic token (returned once; only its hash is kept); the old one stops working. */
  async rotateFlowToken(shop: string): Promise<string> {
    const token = newToken('sgt_');
    await this.upsert(shop, { $set: { flowTokenHash: hashToken(token) } });
    return token;
  }

  async flowTokenMatches(shop: string, token: string): Promise<boolean> {
    const d = await this.model.findOne({ _id: shop }).lean<SignalSourceDoc>();
    return Boolean(d?.flowTokenHash) && safeEqual(d!.flowTokenHash!, hashToken(token));
  }

  /** A new Klaviyo system-webhook secret (returned once, stored sealed); the old one stops working. */
  async rotateKlaviyoSecret(shop: string): Promise<string> {
    const secret = randomBytes(24).toString('hex');
    await this.upsert(shop, { $set: { klaviyoSecret: this.keyring.seal(secret, `klaviyo:${shop}`) } });
    return secret;
  }

  /** The Klaviyo secret in clear, or null (none set, or it no longer opens). */
  async klaviyoSecret(shop: string): Promise<string | null> {
    const d = await this.model.findOne({ _id: shop }).lean<SignalSourceDoc>();
    if (!d?.klaviyoSecret) return null;
    try {
      return this.keyring.open(d.klaviyoSecret, `klaviyo:${shop}`).plaintext;
    } catch {
      return null;
    }
  }

  async deleteShop(shop: string): Promise<void> {
    await this.model.deleteOne({ _id: shop });
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
