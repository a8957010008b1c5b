// Why a customer is in a segment, as data: a message id and its parameters (counts, money in minor
// units, shop-local dates, shares), never a finished sentence. Profiles and the segment history store
// this shape, so the dashboard renders it in the viewer's language with that locale's number, money and
// date formats (web/dashboard/src/explanations.ts over the catalogues' `explanations` templates), and a
// stored explanation re-renders when the viewer's language changes. English text for the CLI, Flow
// triggers, logs and the CSV export comes from `explanationText()` over EXPLANATIONS_EN below.
// Templates use {{name}} placeholders; a parameter that is itself a message renders in place.
import { formatMoney, percent } from './explain.ts';

/** Nouns counted in explanations; each language has a singular and a plural form. */
export type CountUnit = 'order' | 'day' | 'product';

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
