// Install state per shop. `settings` is a plain object owned by the pipeline and dashboard (its keys
// must not contain '.', a FerretDB limit).
import { Schema, type Connection, type Model } from 'mongoose';
import { defaultShopSettings, safeParseShopSettings, type ShopSettings } from '../segments/settings.ts';

export interface ShopDoc {
  shop: string;
  installedAt: Date | null;
  uninstalledAt: Date | null;
  scopes: string[];
  /** Without read_all_orders Shopify only returns the last 60 days of orders: the dashboard says so. */
  hasReadAllOrders: boolean;
  /** When `scopes` was true on Shopify (install, app/scopes_update, a resync's read): older news loses. */
  scopesUpdatedAt: Date | null;
  timezone: string | null;
  currency: string | null;
  plan: string | null;
  settings: Record<string, unknown>;
  /**
   * Set when the offline token could not be renewed (refresh rejected, token revoked or refused): the
   * merchant must open the app (a new token exchange clears it). Work waits meanwhile.
   */
  needsReauthAt: Date | null;
  needsReauthReason: string | null;
  /** The last completed resync (BullMQ drops completed jobs after an hour; the dashboard keeps showing it). */
  lastResync: ResyncSummary | null;
  /**
   * The merchant's opt-in: the dashboard shows the names of the customers on screen, read live from
   * Shopify and never stored (web/admin/customer-names.ts). Off by default. A switch, not a name.
   */
  liveCustomerNames?: boolean;
  updatedAt: Date;
}

export interface ResyncSummary {
  jobId: string;
  requestedBy: string;
  startedAt: Date;
  finishedAt: Date;
  customers: number;
  orders: number;
  profiles: number;
  tagsPending: number;
}

const schema = new Schema<ShopDoc>(
  {
    shop: { type: String, required: true },
    installedAt: { type: Date, default: null },
    uninstalledAt: { type: Date, default: null },
    scopes: { type: [String], default: [] },
    hasReadAllOrders: { type: Boolean, default: false },
    scopesUpdatedAt: { type: Date, default: null },
    timezone: { type: String, default: null },
    currency: { type: String, default: null },
    plan: { type: String, default: null },
    settings: { type: Schema.Types.Mixed, default: {} },
    lastResync: { type: Schema.Types.Mixed, default: null },
    needsReauthAt: { type: Date, default: null },
    needsReauthReason: { type: String, default: null },
    liveCustomerNames: { type: Boolean, default: false },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'shops', versionKey: false, minimize: false },
);
schema.index({ shop: 1 }, { unique: true });
schema.index({ uninstalledAt: 1, installedAt: 1 });

export function shopModel(conn: Connection): Model<ShopDoc> {
  return (conn.models.Shop as Model<ShopDoc> | undefined) ?? conn.model<ShopDoc>('Shop', schema);
}

export interface InstallFacts {
  scopes: string[];
  timezone?: string | null;
  currency?: string | null;
  plan?: string | null;
}

export function isInstalled(doc: Pick<ShopDoc, 'installedAt' | 'uninstalledAt'> | null): boolean {
  return Boolean(doc?.installedAt && !doc.uninstalledAt);
}

/**
 * A shop as the pipeline, the webhooks and the dashboard read it: the one place that says whether it
 * is installed and which settings are in force. Stored settings lie over the shop's own currency (the
 * default for explanations); stored settings that no longer validate give way to the defaults (in the
 * shop's currency) and `settingsIssues` says why.
 */
export interface EffectiveShop {
  shop: string;
  installed: boolean;
  settings: ShopSettings;
  /** Why the stored settings were set aside; null when they are in force. */
  settingsIssues: string[] | null;
  /** IANA time zone for schedules a person reads (nightly run at 03:00 shop time). */
  timezone: string;
  hasReadAllOrders: boolean;
}

export function effectiveShop(shop: string, doc: ShopDoc | null): EffectiveShop {
  const base = doc?.currency ? { currency: doc.currency } : {};
  const stored = safeParseShopSettings({ ...base, ...doc?.settings });
  const fallback = safeParseShopSettings(base);
  return {
    shop,
    installed: isInstalled(doc),
    settings: stored.ok ? stored.settings : fallback.ok ? fallback.settings : defaultShopSettings,
    settingsIssues: stored.ok ? null : stored.issues,
    timezone: doc?.timezone ?? 'UTC',
    hasReadAllOrders: doc?.hasReadAllOrders ?? false,
  };
}

export function normaliseScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes.map((s) => s.trim()).filter(Boolean))].sort();
}

export class ShopStore {
  readonly model: Model<ShopDoc>;
  constructor(conn: Connection) {
    this.model = shopModel(conn);
  }

  /** Install or re-install: clears uninstalledAt; keeps settings and the first installedAt of this install. */
  async markInstalled(shop: string, facts: InstallFacts, now: Date): Promise<void> {
    const scopes = normaliseScopes(facts.scopes);
    // A token exchange just succeeded: whatever needed re-authentication is resolved.
    const set: Partial<ShopDoc> = { scopes, hasReadAllOrders: scopes.includes('read_all_orders'), scopesUpdatedAt: now, uninstalledAt: null, needsReauthAt: null, needsReauthReason: null, updatedAt: now };
    if (facts.timezone !== undefined) set.timezone = facts.timezone;
    if (facts.currency !== undefined) set.currency = facts.currency;
    if (facts.plan !== undefined) set.plan = facts.plan;
    // A re-install after an uninstall starts a new installedAt.
    await this.model.updateOne({ shop, uninstalledAt: { $ne: null } }, { $set: { installedAt: now } });
    await this.model.updateOne({ shop }, { $set: set, $setOnInsert: { installedAt: now, settings: {} } }, { upsert: true });
  }

  /**
   * The scopes Shopify granted as of `asOf` (app/scopes_update's updated_at, or when a resync read
   * them). Applied only when newer than what is stored, so a late or replayed webhook cannot undo a
   * newer grant. Returns whether read_all_orders was granted by this change (older orders to fetch).
   */
  async updateScopes(shop: string, granted: readonly string[], asOf: Date, now: Date): Promise<{ applied: boolean; gainedReadAllOrders: boolean }> {
    const scopes = normaliseScopes(granted);
    const hasReadAllOrders = scopes.includes('read_all_orders');
    const before = await this.model.findOne({ shop }, { hasReadAllOrders: 1, scopesUpdatedAt: 1 }).lean();
    if (!before || (before.scopesUpdatedAt && before.scopesUpdatedAt.getTime() > asOf.getTime())) return { applied: false, gainedReadAllOrders: false };
    const r = await this.model.updateOne(
      { shop, $or: [{ scopesUpdatedAt: null }, { scopesUpdatedAt: { $lte: asOf } }] },
      { $set: { scopes, hasReadAllOrders, scopesUpdatedAt: asOf, updatedAt: now } },
    );
    const applied = r.matchedCount > 0;
    return { applied, gainedReadAllOrders: applied && hasReadAllOrders && !before.hasReadAllOrders };
  }

  async markUninstalled(shop: string, now: Date): Promise<void> {
    await this.model.updateOne({ shop, uninstalledAt: null }, { $set: { uninstalledAt: now, updatedAt: now } });
  }

  /** The first failure is kept (its time is when the shop stopped syncing). */
  async markNeedsReauth(shop: string, reason: string, now: Date): Promise<void> {
    await this.model.updateOne({ shop, needsReauthAt: null }, { $set: { needsReauthAt: now, needsReauthReason: reason, updatedAt: now } });
  }

  async needsReauth(shop: string): Promise<boolean> {
    const doc = await this.model.findOne({ shop }, { needsReauthAt: 1 }).lean<Pick<ShopDoc, 'needsReauthAt'>>();
    return Boolean(doc?.needsReauthAt);
  }

  async get(shop: string): Promise<ShopDoc | null> {
    return this.model.findOne({ shop }).lean<ShopDoc>();
  }

  /** The shop as it is in force (see EffectiveShop); a shop never recorded is not installed and has the defaults. */
  async effective(shop: string): Promise<EffectiveShop> {
    return effectiveShop(shop, await this.get(shop));
  }

  async isInstalled(shop: string): Promise<boolean> {
    return isInstalled(await this.model.findOne({ shop }, { installedAt: 1, uninstalledAt: 1 }).lean());
  }

  async listInstalled(): Promise<string[]> {
    const docs = await this.model.find({ uninstalledAt: null, installedAt: { $ne: null } }, { shop: 1 }).sort({ shop: 1 }).lean();
    return docs.map((d) => d.shop);
  }

  async updateSettings(shop: string, settings: Record<string, unknown>, now: Date): Promise<void> {
    await this.model.updateOne({ shop }, { $set: { settings, updatedAt: now } });
  }

  /** The live-names opt-in (ShopDoc.liveCustomerNames); false for a shop that never chose. */
  async setLiveCustomerNames(shop: string, enabled: boolean, now: Date): Promise<void> {
    await this.model.updateOne({ shop }, { $set: { liveCustomerNames: enabled, updatedAt: now } });
  }

  async recordResync(shop: string, summary: ResyncSummary): Promise<void> {
    await this.model.updateOne({ shop }, { $set: { lastResync: summary } });
  }
}
