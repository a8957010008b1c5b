// Why a customer is in a segment, as data: a message id and its parameters (counts, money in minor
// units, shop-local dates, shares), never a finished sentence. Profiles and the segment history store
// this shape, so the dashboard renders it in the viewer's language with that locale's number, money and
// date formats (web/dashboard/src/explanations.ts over the catalogues' `explanations` templates), and a
// stored explanation re-renders when the viewer's language changes. English text for the CLI, Flow
// triggers, logs and the CSV export comes from `explanationText()` over EXPLANATIONS_EN below.
// Templates use {{name}} placeholders; a parameter that is itself a message renders in place.
import { formatMoney, percent } from './explain.ts';

/** Nouns counted in explanations; each language has a singular and a plural form. */
export type CountUnit = 'order' | 'day' | 'product' | 'week' | 'customer';

export type ExplanationParam =
  /** Verbatim (product ids, model names, a reason the calibration gives in English). */
  | string
  /** A whole number in the locale's format. */
  | number
  | { count: number; unit: CountUnit }
  | { money: number; currency: string }
  /** A shop-local day, YYYY-MM-DD. */
  | { date: string }
  /** A share 0–1, shown as a whole percent. */
  | { percent: number }
  | { fixed: number; digits: number }
  | { msg: ExplanationMsg }
  | { list: ExplanationParam[] };

export interface ExplanationMsg {
  /** A key under `explanations` in every catalogue, e.g. "loyalty.vip". */
  id: string;
  params: Record<string, ExplanationParam>;
}

/** An empty optional part of a sentence (no hysteresis note, no "and 3 more"). */
export const NOTHING: ExplanationParam = '';

/** English templates: the source for every language's `explanations` catalogue (same keys, same placeholders). */
export const EXPLANATIONS_EN = {
  units: {
    order: { one: '{{n}} order', other: '{{n}} orders' },
    day: { one: '{{n}} day', other: '{{n}} days' },
    product: { one: '{{n}} product', other: '{{n}} products' },
    week: { one: '{{n}} week', other: '{{n}} weeks' },
    customer: { one: '{{n}} customer', other: '{{n}} customers' },
  },
  loyalty: {
    vip: '{{orders}} ≥ {{minOrders}} and {{spend}} spent ≥ {{minSpend}}, thresholds of {{calDate}}{{held}}',
    'frequent-buyer': '{{orders}} ≥ {{minOrders}}, threshold of {{calDate}}{{held}}',
    'loyal-customer': '{{orders}} (Frequent Buyer from {{minOrders}}, threshold of {{calDate}}){{held}}',
    'one-time-buyer': '1 order, on {{date}}{{held}}',
    held: ' (kept: within the hysteresis margin of a moved threshold)',
  },
  rfm: {
    prospects: 'customer record with no counted order yet',
    scores: 'R{{r}} F{{f}} M{{m}}: {{when}}, {{orders}}, {{spend}} spent (quintiles of {{calDate}})',
    daysAgo: 'last order {{days}} ago',
    beforeLatest: "last order {{days}} before the shop's latest order ({{latest}})",
    lostButEngaged: 'Lost by RFM ({{basis}}), but {{engagement}} on {{date}}',
    'email-click': 'clicked an email',
    visit: 'visited the store',
  },
  churn: {
    probability: '{{chance}} chance of no order in the next {{horizon}} ({{model}})',
    cadence: '{{days}} since the last order = {{ratio}}× the typical {{interval}}-day interval ({{model}})',
    cadenceRule: 'cadence rule; {{reason}}',
    backtest: '{{name}}, chosen by the backtest of {{from}}–{{until}}: repeat orders predicted {{accuracy}}',
    onTarget: 'on target',
    low: '{{error}} low',
    high: '{{error}} high',
  },
  value: {
    'value-high': 'predicted 12-month value {{clv}} ≥ {{bar}} (top {{share}}), tiers of {{calDate}}',
    'value-medium': 'predicted 12-month value {{clv}} ≥ {{bar}} (top {{share}}), tiers of {{calDate}}',
    'value-low': 'predicted 12-month value {{clv}} < {{bar}}, tiers of {{calDate}}',
  },
  replenishment: {
    due: '{{items}}{{more}}',
    item: '{{product}} due {{date}} (every {{interval}})',
    more: ' and {{n}} more',
  },
  behaviour: {
    'big-spender': 'average order {{aov}} ≥ {{min}} (top {{share}}, of {{calDate}}){{held}}',
    held: ' (kept: within the hysteresis margin)',
    'coupon-customer': '{{discounted}} of {{orders}} used a discount code',
    dormant: 'no order for {{days}} (≥ {{min}})',
    'new-customer': 'first order {{days}} ago (within {{max}})',
    'trend-follower': "{{early}} of {{products}} bought within {{window}} of the product's first sale in the shop (of {{calDate}})",
    'bulk-buyer': '{{perOrder}} items per order ≥ {{threshold}} (top {{share}} of repeat buyers, of {{calDate}})',
    'one-item-buyer': '{{perOrder}} items per order ≤ {{threshold}} (bottom {{share}} of repeat buyers, of {{calDate}})',
  },
  /** Why a calibration ran (calibration-reason.ts): the Thresholds and Sync pages. */
  calibration: {
    nightly: 'nightly',
    'after-resync': 'after a resync',
    support: 'support',
    'settings-changed': 'settings change',
    resync: 'resync ({{by}})',
    other: '{{reason}}',
    by: { merchant: 'merchant', support: 'support', install: 'install', demo: 'demo', scopes: 'scopes' },
  },
  /** RFM score bands on the Thresholds page (web/admin/thresholds.ts). */
  bands: {
    any: 'any',
    upTo: 'up to {{hi}}',
    moreThan: 'more than {{lo}}',
    exactly: 'exactly {{hi}}',
    between: 'more than {{lo}}, up to {{hi}}',
    recency: 'last order {{range}} ago',
    frequency: '{{range}}',
    monetary: '{{range}} spent',
  },
  /** Why a prediction model is (not) used (fit-models.ts, calibrate-shop.ts, backtest.ts, predictions.ts). */
  models: {
    gateBuyers: 'too little data for a statistical model: {{n}} buyers < {{min}}',
    gateRepeat: 'too little data for a statistical model: {{n}} repeat buyers < {{min}}',
    gateHistory: 'too little data for a statistical model: {{n}} days of history < {{min}}',
    noFit: 'the prediction models do not fit your order history ({{problems}})',
    problem: '{{model}}: {{problem}}',
    problems: '{{first}}; {{rest}}',
    failed: 'the fit failed (no finite likelihood)',
    unsettled: 'the fit did not settle on a best estimate',
    edge: 'the fit ran to the edge of its range ({{name}} = {{value}})',
    degenerateStop: 'the fit is degenerate (a = {{a}}, b = {{b}}: every customer would stop buying after their next order)',
    degenerateForever: 'the fit is degenerate (a = {{a}}, b = {{b}}: every customer would keep buying forever)',
    degenerateR: 'the fit is degenerate (r = {{r}}: almost nobody would buy again)',
    nonFinite: 'the model gives no finite prediction for some customers (e.g. {{x}} repeat orders, first order {{days}} days before)',
    unpredictable: 'the model gives no finite prediction for this customer',
    settingsAsk: 'the shop settings ask for {{model}}, and {{problem}}',
    notFitted: 'it was not fitted',
    chosenInSettings: '{{model}}: chosen in the shop settings',
    defaultChoice: '{{model}}, the default: no backtest could choose ({{why}})',
    onlyFits: '{{model}}: the only model that fits your orders ({{problems}})',
    closest: '{{model}} came closest to what customers actually did after {{split}} (off by {{error}} orders per customer by purchase frequency, against {{others}})',
    closestOther: '{{error}} for {{model}}',
    onlyFitted: '{{model}} is the only model that could be fitted on the history up to {{split}}',
    noneFitted: 'no model could be fitted on the history up to {{split}}: {{why}}',
    shortHistory: '{{days}} days of history are too few to hold out a month for a backtest',
    cadenceUsed: 'Predictions use the cadence rule: {{reason}}.',
    noModel: 'no model fitted',
    /** A reason stored before reasons were messages: its English as it is. */
    stored: '{{reason}}',
    noCalibration: 'No calibration yet: run a resync from the Sync page.',
    sentence: 'On your last {{span}} ({{split}} to {{until}}), {{model}} predicted {{predicted}} repeat orders, actual {{actual}}: {{direction}}.',
  },
  /** Bright spots: the example sentence under the gateway products (insights.ts). */
  insights: {
    gateway: '{{rate}} of the {{customers}} whose first order included {{product}} ordered again within {{window}} (95% interval {{low}}–{{high}}), against {{shopRate}} for the shop; their predicted 12-month value averages {{clv}} against {{shopClv}}',
    /** Why a report is empty (insights.ts notesOf). */
    notes: {
      noProducts: 'no counted order line names a product (SKU, else title): gateway products, what the best buy and reorder rhythm need products',
      placeholders: 'no product identity in these orders (every line is {{list}}): gateway products, what the best buy and reorder rhythm need products',
      nobodyObserved: "no customer's first order is at least {{window}} before {{date}}: nobody has been observed for the whole window",
      noGateway: 'no product was in the first order of at least {{min}} customers observed for {{window}} (--min-customers)',
      noBest: 'no VIPs or Champions yet: nothing to compare their purchases with',
      noBestProducts: 'no product was bought by at least {{min}} VIPs and Champions',
      noReorder: 'no product was bought on two or more days by at least {{customers}} (replenishment.minRepeatCustomers)',
    },
  },
  /**
   * Why a webhook was kept as a dead letter (webhooks/: the router and each topic's handler): the Sync
   * page. The store keeps the English; it maps back to its message at read time (messageFromEnglish).
   */
  deadLetters: {
    unhandledTopic: 'unhandled topic {{topic}}',
    notJson: 'body is not JSON',
    triggeredNotDate: 'X-Shopify-Triggered-At is not a date',
    replay: "triggered {{minutes}} min ago, outside Shopify's 4 h retry window: a replay",
    future: 'X-Shopify-Triggered-At is in the future',
    otherShop: 'the payload names another shop than X-Shopify-Shop-Domain',
    notInstalled: 'shop is not installed',
    invalidOrder: 'invalid order payload: {{problem}}',
    notOrdersDelete: 'not an orders/delete payload ({"id": …} only)',
    notRefund: 'not a refunds/create payload (id, order_id, admin_graphql_api_id gid://shopify/Refund/…)',
    notCustomer: 'not a customer payload (id, updated_at, admin_graphql_api_id gid://shopify/Customer/…)',
    notCustomersDelete: 'not a customers/delete payload (id and admin_graphql_api_id only)',
    notAppUninstalled: 'not an app/uninstalled payload (the shop: id, myshopify_domain)',
    uninstallRefused: 'app/uninstalled refused: the stored access token still works, the app is installed',
    scopesNoList: 'app/scopes_update payload without a current scope list',
    bulkNoId: 'bulk_operations/finish payload without a BulkOperation id',
    notCheckout: 'not a checkout payload (token, created_at, updated_at, abandoned_checkout_url, line_items; no order fields)',
    notDataRequest: 'not a customers/data_request payload (shop_id, shop_domain, customer.id, orders_requested, data_request.id)',
    notCustomersRedact: 'not a customers/redact payload (shop_id, shop_domain, customer.id, orders_to_redact)',
    notShopRedact: 'not a shop/redact payload (shop_id, shop_domain only)',
    shopRedactRefused: 'shop/redact refused: the shop is installed',
  },
  /**
   * Why Shopify refused the web pixel (src/shopify/web-pixel.ts reports): ErrorsWebPixelUserErrorCode
   * (https://shopify.dev/docs/api/admin-graphql/2026-10/enums/ErrorsWebPixelUserErrorCode) and the
   * GraphQL error code of a missing scope; anything else as Shopify said it (`other`).
   */
  pixel: {
    ACCESS_DENIED: 'the app may not manage web pixels on this store: the write_pixels and read_customer_events permissions are missing (ACCESS_DENIED)',
    BLANK: 'a required pixel setting is empty (BLANK)',
    INVALID_CONFIGURATION_JSON: 'the pixel settings are not valid JSON (INVALID_CONFIGURATION_JSON)',
    INVALID_RUNTIME_CONTEXT: "the pixel's runtime context is invalid (INVALID_RUNTIME_CONTEXT)",
    INVALID_SETTINGS: "the pixel settings do not match the settings the app's pixel declares (INVALID_SETTINGS)",
    INVALID_SETTINGS_DEFINITION: "the settings definition of the app's pixel extension is invalid: the app must be deployed again (INVALID_SETTINGS_DEFINITION)",
    NO_EXTENSION: "the app's web pixel extension is not deployed (NO_EXTENSION)",
    NOT_FOUND: 'the web pixel the app had created no longer exists (NOT_FOUND)',
    TAKEN: "the store already has this app's web pixel (TAKEN)",
    UNEXPECTED_ERROR: 'Shopify had an unexpected error (UNEXPECTED_ERROR)',
    UNABLE_TO_DELETE: 'the web pixel could not be deleted (UNABLE_TO_DELETE)',
    other: '{{reason}}',
  },
  /** How to connect each signal source (web/admin/signals.ts): Settings → Signals. */
  connect: {
    pixel: 'Nothing to set up: the app activates its "segment-pixel" web pixel in your store itself (settings: the pixel key below and the endpoint {{endpoint}}). It sends events only for visitors who allowed analytics.',
    klaviyo: 'In Klaviyo (Advanced KDP or app partners), create a system webhook for the "Clicked Email" topic to {{url}}, with the secret from "Rotate Klaviyo secret". Klaviyo signs every request in the {{header}} header.',
    flow: 'In a Klaviyo flow triggered by "Clicked Email", add a Webhook action that posts to {{url}} with the {{header}} header (the token from "Rotate token") and the body {{body}}.',
    generic: 'Any other e-mail tool: post to {{url}} with the {{header}} header (the token from "Rotate token") and the body {{body}}.',
    checkouts: 'Nothing to set up: the app subscribes to checkouts/create and checkouts/update of your store.',
  },

  /** Why a signal was dropped (web/signals/clicks.ts, pixel.ts): Settings → Signals. */
  drops: {
    noCustomerId: 'no Shopify customer id on the profile',
    clickTooOld: 'click time outside the last 30 days',
    unknownCustomer: 'unknown customer id',
    anonymousVisitor: 'unknown customer id (kept as an anonymous visitor)',
    eventTime: 'event time outside the last 24 h',
  },
  intent: {
    'abandoned-cart': 'checkout started on {{date}} (within {{window}}), no order since{{products}}',
    products: ': {{list}}{{more}}',
    more: ' and {{n}} more',
    'curious-prospect': 'visited the store on {{date}} (within {{window}}), no order yet',
    'undecided-prospect': 'added to cart or started a checkout on {{date}} (within {{window}}), no order yet',
  },
};

/** How one language turns parameters into text (the dashboard: Intl in the viewer's locale). */
export interface ParamFormat {
  template: (id: string) => string;
  number: (n: number, digits?: number) => string;
  money: (minor: number, currency: string) => string;
  date: (day: string) => string;
  percent: (share: number) => string;
  /** The plural category of n ('one' or 'other') for a count's noun. */
  plural: (n: number) => 'one' | 'other';
}

function param(p: ExplanationParam | undefined, f: ParamFormat): string {
  if (p === undefined) return '';
  if (typeof p === 'string') return p;
  if (typeof p === 'number') return f.number(p);
  if ('count' in p) return fill(f.template(`units.${p.unit}.${f.plural(p.count)}`), { n: f.number(p.count) });
  if ('money' in p) return f.money(p.money, p.currency);
  if ('date' in p) return f.date(p.date);
  if ('percent' in p) return f.percent(p.percent);
  if ('fixed' in p) return f.number(p.fixed, p.digits);
  if ('msg' in p) return renderExplanation(p.msg, f);
  return p.list.map((x) => param(x, f)).join(', ');
}

const fill = (template: string, values: Record<string, string>): string => template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? '');

/** A message in the language `f` speaks; unknown parameters render empty, never "undefined". */
export function renderExplanation(msg: ExplanationMsg, f: ParamFormat): string {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(msg.params)) values[k] = param(v, f);
  return fill(f.template(msg.id), values);
}

type Tree = { [k: string]: string | Tree };
function lookup(tree: Tree, id: string): string {
  let node: string | Tree | undefined = tree;
  for (const part of id.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  return typeof node === 'string' ? node : id;
}

/** English as the CLI, CSV export, Flow triggers and logs have always shown it (ISO dates, en-US money). */
export const ENGLISH: ParamFormat = {
  template: (id) => lookup(EXPLANATIONS_EN, id),
  number: (n, digits) => (digits === undefined ? String(n) : n.toFixed(digits)),
  money: formatMoney,
  date: (day) => day,
  percent,
  plural: (n) => (n === 1 ? 'one' : 'other'),
};

/** The English sentence of a message. */
export const explanationText = (msg: ExplanationMsg): string => renderExplanation(msg, ENGLISH);

/** Shorthands the engine builds parameters with. */
export const count = (n: number, unit: CountUnit): ExplanationParam => ({ count: n, unit });
export const day = (d: string): ExplanationParam => ({ date: d });
export const share = (p: number): ExplanationParam => ({ percent: p });
export const nested = (id: string, params: Record<string, ExplanationParam> = {}): ExplanationParam => ({ msg: { id, params } });

/** A message with parameters (the shape every producer of a message uses). */
export const message = (id: string, params: Record<string, ExplanationParam> = {}): ExplanationMsg => ({ id, params });

const RESYNC = /^resync \((merchant|support|install|demo|scopes)\)$/;

/** Why a calibration ran, as a message: the stored reason is a code ('nightly', 'resync (install)', …); anything else shows as stored. */
export function calibrationReasonMsg(reason: string): ExplanationMsg {
  const resync = RESYNC.exec(reason);
  if (resync) return message('calibration.resync', { by: nested(`calibration.by.${resync[1]}`) });
  if (['nightly', 'after-resync', 'support', 'settings-changed'].includes(reason)) return message(`calibration.${reason}`);
  return message('calibration.other', { reason });
}

/** A section of the templates whose English is stored as text and read back as a message. */
export type StoredEnglishSection = 'deadLetters' | 'drops';

const escapeRegExp = (x: string): string => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The message whose English a store kept (a dead letter's reason, a signal drop reason), read back from
 * the section's templates: placeholders become the text they held (whole numbers up to 15 digits as
 * numbers, so they show in the viewer's format). Text no template produces (older wording): null.
 */
export function messageFromEnglish(section: StoredEnglishSection, text: string): ExplanationMsg | null {
  for (const [key, template] of Object.entries(EXPLANATIONS_EN[section])) {
    const names: string[] = [];
    const pattern = template.split(/\{\{(\w+)\}\}/).map((part, i) => (i % 2 === 1 ? (names.push(part), '(.+?)') : escapeRegExp(part))).join('');
    const m = new RegExp(`^${pattern}$`, 's').exec(text);
    if (m) return message(`${section}.${key}`, Object.fromEntries(names.map((n, i) => [n, /^\d{1,15}$/.test(m[i + 1]!) ? Number(m[i + 1]) : m[i + 1]!])));
  }
  return null;
}

/** A reason the calibration stores: its message, or (stored before messages) its English. */
export const reasonParam = (msg: ExplanationMsg | null | undefined, english: string): ExplanationParam => (msg ? { msg } : english);

