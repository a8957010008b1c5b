// Per-shop segmentation settings: one zod schema with documented defaults. Stored with the shop,
// validated on every write; `parseShopSettings` turns validation failures into readable sentences.
import { z } from 'zod';

/** Longest tag suffix in the vocabulary (tags.ts; a test keeps this in step); prefix + suffix must fit Shopify's 40 chars. */
export const LONGEST_TAG_SUFFIX = 'rfm-potential-loyalist';
export const MAX_TAG_LENGTH = 40;

const share = z.number().min(0).max(1);
const days = z.number().int().min(1).max(3650);

const familiesSchema = z.object({
  /** One Time Buyer / Loyal Customer / Frequent Buyer / VIP. */
  loyalty: z.boolean().default(true),
  /** RFM quintile scores and the twelve named segments (plus Prospects). */
  rfm: z.boolean().default(true),
  /** Churn risk high/medium/low from BG/NBD or MBG/NBD (or the cadence fallback). */
  churn: z.boolean().default(true),
  /** 12-month CLV value tier high/medium/low. */
  value: z.boolean().default(true),
  /** Replenishment due for consumables. */
  replenishment: z.boolean().default(true),
  /** Big Spenders, Coupon Customers, Dormant, New, Trend Followers, Bulk / One-item Buyers. */
  behaviour: z.boolean().default(true),
  /** Abandoned cart, curious and undecided prospects (store visits, carts and checkouts). */
  intent: z.boolean().default(true),
});

const orderExclusionsSchema = z.object({
  /** Test, cancelled, voided and fully refunded orders never count: these switches exist only to be explicit. */
  test: z.boolean().default(true),
  cancelled: z.boolean().default(true),
  voided: z.boolean().default(true),
  refunded: z.boolean().default(true),
  /** Orders whose net total (after refunds) is zero or less, e.g. free samples, 100 % discounts. */
  zeroValue: z.boolean().default(true),
  /** Point-of-sale orders (source_name 'pos'). */
  pos: z.boolean().default(false),
  /** Orders created from draft orders (source_name 'shopify_draft_order'). */
  draft: z.boolean().default(false),
  /** Orders placed by a B2B company location. */
  b2b: z.boolean().default(false),
  /** Orders carrying this order tag (case-insensitive) are ignored, e.g. "wholesale". null = off. */
  tag: z.string().trim().min(1).max(255).nullable().default(null),
});

const loyaltySchema = z.object({
  /** Frequent Buyer: order count at or above this percentile of repeat buyers' order counts (min. 3). */
  frequentOrdersPercentile: share.default(0.5),
  /** VIP: order count at or above this percentile of repeat buyers' order counts (min. the Frequent threshold)… */
  vipOrdersPercentile: share.default(0.9),
  /** …and total spend at or above this percentile of all buyers' spend. */
  vipSpendPercentile: share.default(0.9),
});

const hysteresisSchema = z.object({
  /** A member keeps an order-count-based group while orders >= threshold - this. */
  orders: z.number().int().min(0).max(10).default(1),
  /** A member keeps a money-based group while value >= threshold * (1 - this). */
  moneyFraction: share.default(0.1),
});

const rfmSchema = z.object({
  /**
   * Recency is measured from asOf ('as-of', live shops) or from the shop's latest order at the last
   * calibration ('latest-order': for historical exports and shops that paused selling).
   */
  recencyReference: z.enum(['as-of', 'latest-order']).default('as-of'),
  /** Lost but Engaged: clicked an email within this many days… */
  engagedEmailClickDays: days.default(180),
  /** …or visited the store within this many days. */
  engagedVisitDays: days.default(90),
});

const modelsSchema = z.object({
  /** Time unit of the BG/NBD parameters (alpha is per unit). r, a, b are unit-free. */
  timeUnit: z.enum(['days', 'weeks']).default('weeks'),
  /** Below these the shop gets the cadence fallback instead of BG/NBD (Klaviyo asks for 500 / 180). */
  minBuyers: z.number().int().min(10).default(500),
  minRepeatBuyers: z.number().int().min(5).default(50),
  minHistoryDays: days.default(180),
  /** Gamma-Gamma needs this many customers with a positive repeat-purchase mean, else own AOV is used. */
  minGammaGammaCustomers: z.number().int().min(5).default(50),
  /** Fit on at most this many customers, chosen by a hash of the customer id (deterministic). */
  maxFitCustomers: z.number().int().min(1000).default(100_000),
  /**
   * Which count model predicts: 'backtest' fits BG/NBD and MBG/NBD and keeps the one closer to what
   * customers did in the held-out most recent part of the history; or always one of them.
   */
  choice: z.enum(['backtest', 'bgnbd', 'mbgnbd']).default('backtest'),
  /** The backtest holds out the most recent this-many days (at most a third of the history; none below 28 days). */
  backtestHoldoutDays: z.number().int().min(28).max(730).default(182),
});

const churnSchema = z.object({
  /** Churn risk = probability of no order within this many days. */
  horizonDays: days.default(180),
  highAtLeast: share.default(0.8),
  mediumAtLeast: share.default(0.5),
  /** Cadence fallback: days since last order measured in typical intervals. */
  fallbackMediumAfterIntervals: z.number().positive().default(1.5),
  fallbackHighAfterIntervals: z.number().positive().default(3),
  /** Cadence fallback interval when the shop has no repeat buyers at all. */
  fallbackDefaultIntervalDays: days.default(90),
});

const valueTiersSchema = z.object({
  /** High = top share of buyers by predicted 12-month CLV; medium = the next ones up to mediumTopShare. */
  highTopShare: share.default(0.2),
  mediumTopShare: share.default(0.5),
});

const replenishmentSchema = z.object({
  /** A product is a consumable once this many customers bought it on 2+ different days. */
  minRepeatCustomers: z.number().int().min(2).default(10),
  /** Due when the expected reorder date is within this many days… */
  windowDays: z.number().int().min(0).max(365).default(7),
  /** …or overdue by at most this many typical intervals (then the reminder is stale). */
  maxOverdueIntervals: z.number().min(0).max(10).default(1),
});

const behaviourSchema = z.object({
  /** Big Spenders: top share of buyers by average order value. */
  bigSpenderTopShare: share.default(0.1),
  /** Coupon Customers: more than this share of counted orders used a discount code… */
  couponMinShare: share.default(0.5),
  /** …with at least this many counted orders. */
  couponMinOrders: z.number().int().min(1).default(2),
  /** Dormant: no counted order for at least this many days. */
  dormantDays: days.default(180),
  /** New: first counted order within this many days. */
  newCustomerDays: days.default(30),
  /** Trend Follower: a purchased product counts as "early" when bought within this many days of its first sale in the shop… */
  trendWindowDays: days.default(30),
  /** …at least this share of the customer's (datable) products were bought early… */
  trendMinShare: share.default(0.5),
  /** …with at least this many counted orders. */
  trendMinOrders: z.number().int().min(1).default(2),
  /** Bulk Buyer: items per order in the top share of repeat buyers' (itemsMinOrders+ orders)… */
  bulkTopShare: share.default(0.2),
  /** …One-item Buyer: in the bottom share. */
  oneItemBottomShare: share.default(0.2),
  /** Both need at least this many counted orders. */
  itemsMinOrders: z.number().int().min(1).default(2),
});

const intentSchema = z.object({
  /** Abandoned cart: an unfinished checkout within this many days and no order since. */
  abandonedCartDays: days.default(7),
  /** Curious prospect: visited the store within this many days, never bought. */
  curiousVisitDays: days.default(30),
  /** Undecided prospect: added to cart or started a checkout within this many days, never bought. */
  undecidedDays: days.default(90),
});

/** What the app keeps inside Shopify besides tags (docs/shopify-integration.md, "Inside Shopify"). */
const shopifySchema = z.object({
  /** One native Shopify customer segment per segment of every enabled family, defined on our tag. */
  nativeSegments: z.boolean().default(true),
  /** A native segment the merchant deleted in the admin is created again at the next reconcile (false: left deleted). */
  recreateDeletedSegments: z.boolean().default(true),
  /** The app-owned customer metafield $app:segments (memberships with entry dates, churn, next order, value). */
  customerMetafield: z.boolean().default(true),
  /**
   * Segments (ids, e.g. "vip", "at-risk", "churn-risk-high") whose entries and exits fire the app's
   * Flow triggers. Each fired trigger costs API budget, so none by default.
   */
  flowSegments: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a segment id such as vip or churn-risk-high')).max(64).default([]),
});

export const shopSettingsSchema = z
  .object({
    /**
     * Every app tag starts with this; the app never touches tags without it. At least 3 characters and
     * ending with a separator, so it cannot swallow ordinary words: with "v", every merchant tag
     * starting with v ("vip", "vegan") would look like ours and be removed by the next sync.
     */
    tagPrefix: z
      .string()
      .min(3, 'must be at least 3 characters (e.g. seg:)')
      .max(MAX_TAG_LENGTH - LONGEST_TAG_SUFFIX.length)
      .regex(/^[A-Za-z0-9][A-Za-z0-9_:/-]*$/, 'may contain only letters, digits and _ : / - and must start with a letter or digit')
      .regex(/[:_/-]$/, 'must end with a separator (: - _ /), e.g. seg: or crm-')
      .default('seg:'),
    /** Shop currency (ISO 4217), used only to format money in explanations. */
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD').default('USD'),
    /** Calendar days (same-day purchases, recency) are counted in this fixed UTC offset. */
    utcOffsetMinutes: z.number().int().min(-840).max(840).default(0),
    families: familiesSchema.prefault({}),
    orderExclusions: orderExclusionsSchema.prefault({}),
    loyalty: loyaltySchema.prefault({}),
    hysteresis: hysteresisSchema.prefault({}),
    rfm: rfmSchema.prefault({}),
    models: modelsSchema.prefault({}),
    churn: churnSchema.prefault({}),
    valueTiers: valueTiersSchema.prefault({}),
    replenishment: replenishmentSchema.prefault({}),
    behaviour: behaviourSchema.prefault({}),
    shopify: shopifySchema.prefault({}),
    intent: intentSchema.prefault({}),
  })
  .superRefine((s, ctx) => {
    if (s.loyalty.vipOrdersPercentile < s.loyalty.frequentOrdersPercentile) {
      ctx.addIssue({ code: 'custom', path: ['loyalty', 'vipOrdersPercentile'], message: 'must be at least loyalty.frequentOrdersPercentile' });
    }
    if (s.churn.mediumAtLeast > s.churn.highAtLeast) {
      ctx.addIssue({ code: 'custom', path: ['churn', 'mediumAtLeast'], message: 'must not exceed churn.highAtLeast' });
    }
    if (s.churn.fallbackMediumAfterIntervals > s.churn.fallbackHighAfterIntervals) {
      ctx.addIssue({ code: 'custom', path: ['churn', 'fallbackMediumAfterIntervals'], message: 'must not exceed churn.fallbackHighAfterIntervals' });
    }
    if (s.valueTiers.highTopShare > s.valueTiers.mediumTopShare) {
      ctx.addIssue({ code: 'custom', path: ['valueTiers', 'highTopShare'], message: 'must not exceed valueTiers.mediumTopShare' });
    }
  });

export type ShopSettings = z.output<typeof shopSettingsSchema>;
export type ShopSettingsInput = z.input<typeof shopSettingsSchema>;

export const defaultShopSettings: ShopSettings = shopSettingsSchema.parse({});

export class ShopSettingsError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid segment settings (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n  - ${issues.join('\n  - ')}`);
    this.name = 'ShopSettingsError';
    this.issues = issues;
  }
}

export type SettingsParseResult = { ok: true; settings: ShopSettings } | { ok: false; issues: string[] };

/** Validates partial settings (missing fields take defaults); every problem as "path: message". */
export function safeParseShopSettings(input: unknown): SettingsParseResult {
  const parsed = shopSettingsSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, settings: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'settings'}: ${i.message}`) };
}

/** Like safeParseShopSettings but throws one ShopSettingsError listing every problem. */
export function parseShopSettings(input: unknown): ShopSettings {
  const result = safeParseShopSettings(input);
  if (!result.ok) throw new ShopSettingsError(result.issues);
  return result.settings;
}
