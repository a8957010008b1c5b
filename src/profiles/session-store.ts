// Shopify sessions (offline access token per shop) in MongoDB, tokens encrypted at rest with
// AES-256-GCM (see src/shopify/token-crypto.ts), bound to the session id. Implements the
// SessionStorage interface of @shopify/shopify-app-express, so the library can use it directly.
// Online sessions' user details (name, email) are personal data and are not stored.
// Key rotation: a token sealed with ENCRYPTION_KEY_PREVIOUS is re-encrypted with the current key the
// first time it is read; one no key opens (the key was changed without keeping the previous one)
// reads as "no session", so the admin path exchanges a new token instead of failing forever.
import { Schema, type Connection, type Model } from 'mongoose';
import { Session } from '@shopify/shopify-api';
import type { AppConfigParams } from '@shopify/shopify-app-express';
import { Keyring, TokenDecryptionError } from '../shopify/token-crypto.ts';

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
  private readonly keys: Keyring;
  constructor(conn: Connection, encryptionKey: Buffer | Keyring) {
    if (Buffer.isBuffer(encryptionKey) && encryptionKey.length !== 32) throw new Error('ENCRYPTION_KEY must decode to 32 bytes');
    this.model = sessionModel(conn);
    this.keys = Buffer.isBuffer(encryptionKey) ? new Keyring(encryptionKey) : encryptionKey;
  }

  async storeSession(session: Session): Promise<boolean> {
    const seal = (v: string | undefined, kind: string) => (v ? this.keys.seal(v, `${session.id}:${kind}`) : null);
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

  /** Throws TokenDecryptionError when no configured key opens the stored token. */
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
    return Promise.all(docs.map((d) => this.toSession(d)));
  }

  /**
   * The shop's offline session; undefined when there is none *or* its token no longer decrypts (the
   * key was rotated away): either way the caller needs a new token (token exchange on the admin path).
   */
  async loadOfflineSession(shop: string): Promise<Session | undefined> {
    try {
      return await this.loadSession(offlineSessionId(shop));
    } catch (err) {
      if (err instanceof TokenDecryptionError) return undefined;
      throw err;
    }
  }

  /**
   * `segments rotate-key`: re-encrypts every stored token with the current key. Counts sessions whose
   * tokens were re-encrypted, were already current, or open with no configured key (left as they are:
   * those shops get a new token on their next admin visit).
   */
  async reencryptAll(): Promise<{ sessions: number; reencrypted: number; current: number; undecryptable: number }> {
    const out = { sessions: 0, reencrypted: 0, current: 0, undecryptable: 0 };
    for await (const d of this.model.find({}).lean<SessionDoc>().cursor()) {
      out.sessions++;
      try {
        if (await this.reencryptIfStale(d as SessionDoc)) out.reencrypted++;
        else out.current++;
      } catch (err) {
        if (!(err instanceof TokenDecryptionError)) throw err;
        out.undecryptable++;
      }
    }
    return out;
  }

  /** Re-seals the document's tokens with the current key when one was sealed with an older key. */
  private async reencryptIfStale(d: SessionDoc): Promise<boolean> {
    const fields = [['accessTokenSealed', 'access'], ['refreshTokenSealed', 'refresh']] as const;
    const update: Partial<Record<(typeof fields)[number][0], string>> = {};
    let stale = false;
    for (const [field, kind] of fields) {
      const v = d[field];
      if (!v) continue;
      const opened = this.keys.open(v, `${d.sessionId}:${kind}`);
      stale ||= opened.stale;
      update[field] = this.keys.seal(opened.plaintext, `${d.sessionId}:${kind}`);
    }
    if (!stale) return false;
    // Only if the stored value is still the one read: a concurrent storeSession wins.
    await this.model.updateOne({ sessionId: d.sessionId, accessTokenSealed: d.accessTokenSealed, refreshTokenSealed: d.refreshTokenSealed }, { $set: update });
    return true;
  }

  /** The offline session and when it was stored (an expiring token's lifetime = expires − storedAt). */
  async loadOffline(shop: string): Promise<{ session: Session; storedAt: Date } | undefined> {
    const d = await this.model.findOne({ sessionId: offlineSessionId(shop) }).lean<SessionDoc>();
    return d ? { session: await this.toSession(d), storedAt: new Date(d.updatedAt) } : undefined;
  }

  /** app/uninstalled: every token of the shop is revoked by Shopify, so every session goes. */
  async deleteShopSessions(shop: string): Promise<number> {
    return (await this.model.deleteMany({ shop })).deletedCount;
  }

  private async toSession(d: SessionDoc): Promise<Session> {
    let stale = false;
    const open = (v: string | null, kind: string) => {
      if (!v) return undefined;
      const opened = this.keys.open(v, `${d.sessionId}:${kind}`);
      stale ||= opened.stale;
      return opened.plaintext;
    };
    const session = this.sessionOf(d, open);
    // Re-encrypt on use: the next read (and `segments rotate-key`) finds it under the current key.
    if (stale) await this.reencryptIfStale(d);
    return session;
  }

  private sessionOf(d: SessionDoc, open: (v: string | null, kind: string) => string | undefined): Session {
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
