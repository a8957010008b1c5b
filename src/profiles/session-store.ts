// Shopify sessions (offline access token per shop) in MongoDB, tokens encrypted at rest with
// AES-256-GCM (see src/shopify/token-crypto.ts), bound to the session id. Implements the
// SessionStorage interface of @shopify/shopify-app-express, so the library can use it directly.
// Online sessions' user details (name, email) are personal data and are not stored.
import { Schema, type Connection, type Model } from 'mongoose';
import { Session } from '@shopify/shopify-api';
import type { AppConfigParams } from '@shopify/shopify-app-express';
import { decryptSecret, encryptSecret } from '../shopify/token-crypto.ts';

type SessionStorage = NonNullable<AppConfigParams['sessionStorage']>;

export interface SessionDoc {
  sessionId: string;
  shop: string;
  state: string;
  isOnline: boolean;
  scope: string | null;
  expires: Date | null;
  accessTokenSealed: string | null;
  refreshTokenSealed: string | null;
  refreshTokenExpires: Date | null;
  updatedAt: Date;
}

const schema = new Schema<SessionDoc>(
  {
    sessionId: { type: String, required: true },
    shop: { type: String, required: true },
    state: { type: String, default: '' },
    isOnline: { type: Boolean, required: true },
    scope: { type: String, default: null },
    expires: { type: Date, default: null },
    accessTokenSealed: { type: String, default: null },
    refreshTokenSealed: { type: String, default: null },
    refreshTokenExpires: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'shopify_sessions', versionKey: false },
);
schema.index({ sessionId: 1 }, { unique: true });
schema.index({ shop: 1, isOnline: 1 });

export function sessionModel(conn: Connection): Model<SessionDoc> {
  return (conn.models.ShopifySession as Model<SessionDoc> | undefined) ?? conn.model<SessionDoc>('ShopifySession', schema);
}

/** The id shopify-api gives a shop's offline session. */
export const offlineSessionId = (shop: string): string => `offline_${shop}`;

export class MongoSessionStore implements SessionStorage {
  readonly model: Model<SessionDoc>;
  private readonly key: Buffer;
  constructor(conn: Connection, encryptionKey: Buffer) {
    if (encryptionKey.length !== 32) throw new Error('ENCRYPTION_KEY must decode to 32 bytes');
    this.model = sessionModel(conn);
    this.key = encryptionKey;
  }

  async storeSession(session: Session): Promise<boolean> {
    const seal = (v: string | undefined, kind: string) => (v ? encryptSecret(v, this.key, `${session.id}:${kind}`) : null);
    const doc: SessionDoc = {
      sessionId: session.id,
      shop: session.shop,
      state: session.state ?? '',
      isOnline: session.isOnline,
      scope: session.scope ?? null,
      expires: session.expires ?? null,
      accessTokenSealed: seal(session.accessToken, 'access'),
      refreshTokenSealed: seal(session.refreshToken, 'refresh'),
      refreshTokenExpires: session.refreshTokenExpires ?? null,
      updatedAt: new Date(),
    };
    await this.model.updateOne({ sessionId: session.id }, { $set: doc }, { upsert: true });
    return true;
  }

  async loadSession(id: string): Promise<Session | undefined> {
    const d = await this.model.findOne({ sessionId: id }).lean<SessionDoc>();
    return d ? this.toSession(d) : undefined;
  }

  async deleteSession(id: string): Promise<boolean> {
    await this.model.deleteOne({ sessionId: id });
    return true;
  }

  async deleteSessions(ids: string[]): Promise<boolean> {
    await this.model.deleteMany({ sessionId: { $in: ids } });
    return true;
  }

  async findSessionsByShop(shop: string): Promise<Session[]> {
    const docs = await this.model.find({ shop }).lean<SessionDoc[]>();
    return docs.map((d) => this.toSession(d));
  }

  async loadOfflineSession(shop: string): Promise<Session | undefined> {
    return this.loadSession(offlineSessionId(shop));
  }

  /** The offline session and when it was stored (an expiring token's lifetime = expires − storedAt). */
  async loadOffline(shop: string): Promise<{ session: Session; storedAt: Date } | undefined> {
    const d = await this.model.findOne({ sessionId: offlineSessionId(shop) }).lean<SessionDoc>();
    return d ? { session: this.toSession(d), storedAt: new Date(d.updatedAt) } : undefined;
  }

  /** app/uninstalled: every token of the shop is revoked by Shopify, so every session goes. */
  async deleteShopSessions(shop: string): Promise<number> {
    return (await this.model.deleteMany({ shop })).deletedCount;
  }

  private toSession(d: SessionDoc): Session {
    const open = (v: string | null, kind: string) => (v ? decryptSecret(v, this.key, `${d.sessionId}:${kind}`) : undefined);
    return new Session({
      id: d.sessionId,
      shop: d.shop,
      state: d.state,
      isOnline: d.isOnline,
      ...(d.scope ? { scope: d.scope } : {}),
      ...(d.expires ? { expires: new Date(d.expires) } : {}),
      ...(d.accessTokenSealed ? { accessToken: open(d.accessTokenSealed, 'access')! } : {}),
      ...(d.refreshTokenSealed ? { refreshToken: open(d.refreshTokenSealed, 'refresh')! } : {}),
      ...(d.refreshTokenExpires ? { refreshTokenExpires: new Date(d.refreshTokenExpires) } : {}),
    });
  }
}
