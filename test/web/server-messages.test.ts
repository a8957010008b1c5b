// Server text the dashboard shows inside translated pages, sent as message id + parameters beside its
// English (issue 16): calibration reasons (Thresholds, Sync), RFM score bands (Thresholds), the model
// choice and fallback reasons and the backtest sentence (Model check, the churn explanation's cadence
// rule), the Bright spots example sentence and notes, the signal drop reasons, the web pixel's refusal
// codes and how to connect each source (Settings → Signals), and the dead letters' reasons (Sync).
// Every template of those sections must exist in every language (no English fallback), render without
// leftovers, and differ from English; the real producers emit only those ids, and their English is the
// English the API, the CLI and the CSV have always shown. Deterministic: seeded shops at a fixed as-of.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateShop } from '../../src/segments/calibrate-shop.ts';
import type { Calibration } from '../../src/segments/calibrate-shop.ts';
import { summarizeCustomer } from '../../src/segments/customer-summary.ts';
import { shopInsights } from '../../src/segments/insights.ts';
import { segmentCustomer } from '../../src/segments/segment-customer.ts';
import { BgNbdDataBuilder, countModelFitProblemMsg, type BgNbdFit } from '../../src/segments/bgnbd.ts';
import { calibrationReasonMsg, EXPLANATIONS_EN, explanationText, messageFromEnglish, type ExplanationMsg } from '../../src/segments/explanation.ts';
import type { ShopSettings } from '../../src/segments/settings.ts';
import type { CustomerInput } from '../../src/segments/types.ts';
import { installedShops, processDelivery, HANDLED_TOPICS } from '../../webhooks/router.ts';
import type { HandlerDeps } from '../../webhooks/types.ts';
import { reconcileWebPixel } from '../../src/shopify/web-pixel.ts';
import type { AdminGraphqlClient } from '../../src/shopify/admin-graphql-client.ts';
import { ShopifyGraphqlError } from '../../src/shopify/errors.ts';
import { testLogger } from '../support/test-services.ts';
import { syntheticShop } from '../../tools/synthetic-shop.ts';
import { describeCalibration } from '../../web/admin/thresholds.ts';
import { modelCheckView } from '../../web/admin/model-check.ts';
import { dropReasonMsg, HOW, webPixelView } from '../../web/admin/signals.ts';
import { sayIn } from '../../web/dashboard/src/explanation-format.ts';
import { AS_OF, defaultShopSettings } from '../segments/fixtures.ts';
import { message } from '../../src/segments/explanation.ts';
import { at, CATALOGUES, idsOf, LANGUAGES, localeOf, type Language, type Tree } from './explain-as.ts';

const SECTIONS = ['calibration', 'bands', 'models', 'insights', 'drops', 'deadLetters', 'pixel', 'connect'] as const;
/** Templates that are only a parameter (text stored before messages, shown as stored): the same in every language. */
const VERBATIM = new Set(['calibration.other', 'models.stored', 'models.problem', 'models.problems', 'bands.frequency', 'pixel.other']);

const placeholders = (x: string): string[] => [...x.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();

/** Every template id under a section of EXPLANATIONS_EN. */
function idsUnder(tree: Tree, prefix: string): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : idsUnder(v, `${prefix}${k}.`)));
}

/** A language's own template (no English fallback: a missing one is a failure, not English on the page). */
function own(lang: Language, id: string): string {
  const t = at(CATALOGUES[lang].explanations as unknown as Tree, id);
  assert.equal(typeof t, 'string', `${lang}: explanations.${id} is missing`);
  return t as string;
}

const render = (lang: Language, msg: ExplanationMsg): string => sayIn(localeOf(lang), (id) => own(lang, id), msg, '');


describe('server messages in five languages', () => {
  const all = SECTIONS.flatMap((sec) => idsUnder((EXPLANATIONS_EN as unknown as Tree)[sec] as Tree, `${sec}.`));

  it('every template of the new sections exists in every language, with the English placeholders', () => {
    assert.ok(all.length > 50, `${all.length} templates`);
    for (const lang of LANGUAGES) for (const id of all) assert.deepEqual(placeholders(own(lang, id)), placeholders(own('en', id)), `${lang}: ${id}`);
  });

  it('renders each template in each language: no placeholder left, and not the English words', () => {
    // A sample value for every placeholder: a number, so the words around it are the language's own.
    for (const id of all) {
      const params = Object.fromEntries(placeholders(own('en', id)).map((p) => [p, 7]));
      const english = render('en', { id, params });
      assert.ok(english.length > 0 && !/\{\{|undefined|NaN/.test(english), `en ${id}: ${english}`);
      for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
        const text = render(lang, { id, params });
        assert.ok(text.length > 0 && !/\{\{|undefined|NaN/.test(text), `${lang} ${id}: ${text}`);
        // Short shared words ("demo", "support", "BG/NBD: …") may coincide; sentences must not.
        if (!VERBATIM.has(id) && english.split(' ').length >= 3) assert.notEqual(text, english, `${lang} ${id} is English: ${text}`);
      }
    }
  });

  it('counted nouns of the new messages (weeks, customers) exist in every language', () => {
    for (const lang of LANGUAGES) for (const u of ['week', 'customer']) for (const n of ['one', 'other']) own(lang, `units.${u}.${n}`);
    assert.equal(render('de', { id: 'models.sentence', params: { span: { count: 26, unit: 'week' }, split: { date: '2026-05-01' }, until: { date: '2026-11-01' }, model: 'BG/NBD', predicted: 1210, actual: 1302, direction: { msg: { id: 'churn.low', params: { error: { percent: 0.07 } } } } } }).replace(/[\u00a0\u202f]/g, ' '),
      'In deinen letzten 26 Wochen (01.05.2026 bis 01.11.2026) sagte BG/NBD 1.210 Folgebestellungen voraus, tatsächlich waren es 1.302: 7 % zu niedrig.');
  });
});

describe('the producers: ids every catalogue knows, English as before', () => {
  const big = [...syntheticShop({ customers: 3000, seed: 9, asOf: AS_OF })];
  const small = big.slice(0, 40);
  let cal: Calibration;
  let smallCal: Calibration;
  const produced: Array<{ msg: ExplanationMsg; english: string }> = [];
  before(() => {
    cal = calibrateShop(big, defaultShopSettings, AS_OF);
    smallCal = calibrateShop(small, defaultShopSettings, AS_OF);
  });

  const check = (msg: ExplanationMsg | null | undefined, english: string): void => {
    assert.ok(msg, `a message for "${english}"`);
    assert.equal(explanationText(msg), english);
    produced.push({ msg, english });
  };

  it('calibration reasons: every stored code, and anything else as stored', () => {
    const codes = ['nightly', 'after-resync', 'support', 'settings-changed', 'resync (merchant)', 'resync (install)', 'resync (support)', 'resync (demo)', 'resync (scopes)'];
    for (const c of codes) assert.notEqual(calibrationReasonMsg(c).id, 'calibration.other', c);
    assert.equal(explanationText(calibrationReasonMsg('resync (install)')), 'resync (install)');
    assert.equal(explanationText(calibrationReasonMsg('settings-changed')), 'settings change');
    assert.deepEqual(calibrationReasonMsg('something new'), { id: 'calibration.other', params: { reason: 'something new' } });
    for (const c of codes) produced.push({ msg: calibrationReasonMsg(c), english: '' });
    assert.equal(render('de', calibrationReasonMsg('resync (install)')), 'Neusynchronisierung (Installation)');
    assert.equal(render('it', calibrationReasonMsg('nightly')), 'notturna');
  });

  it('Thresholds: score bands and the model line, English unchanged', () => {
    const view = describeCalibration({ calibration: cal, asOf: new Date(AS_OF), createdAt: new Date(AS_OF), reason: 'nightly', buyers: cal.buyers } as never, 'EUR')!;
    assert.equal(view.reasonMsg.id, 'calibration.nightly');
    for (const d of view.rfm) for (const b of d.bands) check(b.rangeMsg, b.range);
    assert.match(view.rfm[0]!.bands[0]!.range, /^last order (up to|exactly) \d+ days? ago$/);
    assert.match(view.rfm[2]!.bands[0]!.range, /^more than €[\d,.]+ spent$/);
    assert.equal(render('fr', view.rfm[1]!.bands.at(-1)!.rangeMsg), 'jusqu’à 1 commande');
  });

  it('Model check: the model-choice reason and the backtest sentence; no calibration; the cadence rule', () => {
    const rec = (c: Calibration) => ({ calibration: c, asOf: new Date(AS_OF), createdAt: new Date(AS_OF), reason: 'nightly', buyers: c.buyers }) as never;
    const v = modelCheckView(rec(cal));
    assert.notEqual(v.model, 'cadence rule');
    check(v.reasonMsg, v.reason);
    assert.ok(v.sentence && v.sentenceMsg);
    // The CLI's sentence keeps its en-US grouping; the message's English is the same words, capitalised, with a full stop.
    assert.equal(explanationText(v.sentenceMsg).replace(/(\d),(\d)/g, '$1$2'), `${v.sentence[0]!.toUpperCase()}${v.sentence.slice(1)}.`.replace(/(\d),(\d)/g, '$1$2'));
    produced.push({ msg: v.sentenceMsg, english: '' });
    const none = modelCheckView(null);
    check(none.reasonMsg, none.reason);
    const cadence = modelCheckView(rec(smallCal));
    assert.equal(cadence.model, 'cadence rule');
    check(cadence.reasonMsg, cadence.reason);
    assert.match(cadence.reason, /^Predictions use the cadence rule: too little data for a statistical model: \d+ buyers < \d+\.$/);
    assert.match(render('es', cadence.reasonMsg), /^Las predicciones usan la regla de cadencia: muy pocos datos para un modelo estadístico: \d+ compradores < \d+\.$/);
  });

  it('the settings ask for a model that does not fit: the reason nests the fit problem', () => {
    const settings = { ...defaultShopSettings, models: { ...defaultShopSettings.models, choice: 'mbgnbd' as const } };
    const c = calibrateShop(small, settings, AS_OF);
    check(c.models.fallbackReasonMsg, c.models.fallbackReason!);
    const problems = new BgNbdDataBuilder();
    problems.add(0, 0, 100);
    problems.add(2, 50, 100);
    const d = problems.build();
    const fit = (over: Partial<BgNbdFit>): BgNbdFit => ({ model: 'bgnbd', r: 0.5, alpha: 5, a: 0.8, b: 2.4, logLikelihood: -10, timeUnit: 'weeks', converged: true, n: 2, iterations: 10, ...over });
    for (const over of [{ converged: false }, { a: Math.exp(24) }, { a: 7.7e5, b: 1.8e-9 }, { logLikelihood: Number.NaN }, { r: 1e-9 }]) {
      const msg = countModelFitProblemMsg(fit(over), d, [90]);
      assert.ok(msg, JSON.stringify(over));
      produced.push({ msg, english: '' });
    }
  });

  it('the churn explanation under the cadence rule: its reason is a message, not English', () => {
    const customer = small.find((c) => segmentCustomer(c, smallCal, defaultShopSettings, AS_OF).memberships.some((m) => m.family === 'churn'))!;
    const churn = segmentCustomer(customer, smallCal, defaultShopSettings, AS_OF).memberships.find((m) => m.family === 'churn')!;
    assert.match(churn.explanation, /cadence rule; too little data for a statistical model: \d+ buyers < \d+\)$/);
    const de = render('de', churn.explanationMsg!);
    assert.match(de, /zu wenige Daten für ein statistisches Modell: \d+ Käufer < \d+/);
    assert.ok(!/too little/.test(de), de);
    produced.push({ msg: churn.explanationMsg!, english: '' });
  });

  it('Bright spots: the gateway example sentence', () => {
    const summaries = big.map((c) => summarizeCustomer(c, defaultShopSettings, AS_OF));
    const insights = shopInsights(summaries, cal, defaultShopSettings, AS_OF);
    const g = insights.gatewayProducts[0]!;
    check(g.explanationMsg, g.explanation);
    assert.match(g.explanation, /^\d+% of the \d+ customers whose first order included .+ ordered again within \d+ days \(95% interval/);
  });

  it('signal drop reasons: every reason the receivers record maps to a message; other text has none', () => {
    for (const text of Object.values(EXPLANATIONS_EN.drops)) check(dropReasonMsg(text), text);
    assert.equal(dropReasonMsg('something else'), null);
    assert.equal(dropReasonMsg(null), null);
    assert.equal(render('it', dropReasonMsg('unknown customer id')!), 'ID cliente sconosciuto');
  });

  it('Bright spots notes: every empty report says why, from a message; English as the CLI shows it', () => {
    const notesOf = (customers: CustomerInput[], settings: ShopSettings = defaultShopSettings, options = {}) => {
      const i = shopInsights(customers.map((c) => summarizeCustomer(c, settings, AS_OF)), calibrateShop(customers, settings, AS_OF), settings, AS_OF, options);
      assert.equal(i.noteMsgs!.length, i.notes.length);
      i.noteMsgs!.forEach((m, k) => check(m, i.notes[k]!));
      return i.noteMsgs!.map((m) => m.id.replace('insights.notes.', ''));
    };
    const lineItems = (f: (o: CustomerInput['orders'][number]) => CustomerInput['orders'][number]['lineItems']) => big.map((c) => ({ ...c, orders: c.orders.map((o) => ({ ...o, lineItems: f(o) })) }));
    const seen = new Set([
      ...notesOf(big, { ...defaultShopSettings, replenishment: { ...defaultShopSettings.replenishment, minRepeatCustomers: 1_000_000 } }, { minCustomers: 1_000_000, minBestBuyers: 1_000_000 }),
      ...notesOf(big, defaultShopSettings, { windowDays: 3000 }),
      ...notesOf(lineItems((o) => o.lineItems.map((l) => ({ ...l, productId: null, variantId: null, sku: 'GIFT' }))), defaultShopSettings, { placeholderProducts: ['GIFT'] }),
      ...notesOf(lineItems(() => [])),
      ...notesOf(big.slice(0, 60).map((c) => ({ ...c, orders: c.orders.slice(0, 1) }))),
    ]);
    assert.deepEqual([...seen].sort(), Object.keys(EXPLANATIONS_EN.insights.notes).sort(), 'every note template is reached by the engine');
    assert.match(render('de', message('insights.notes.noReorder', { customers: { count: 10, unit: 'customer' } })), /^kein Produkt wurde an zwei oder mehr Tagen von mindestens 10 Kunden gekauft/);
  });

  it('dead letters: every reason the webhook path records maps back to its message', async () => {
    const SHOP = 'dl-shop.myshopify.com';
    const recorded: string[] = [];
    let installed = true;
    const deps = {
      stores: {
        deliveries: { seen: async () => false, markDelivered: async () => undefined },
        deadLetters: { record: async (x: { reason: string }) => { recorded.push(x.reason); } },
        shops: { isInstalled: async () => installed },
      },
      installation: { probe: async () => 'active' },
      logger: testLogger,
    } as unknown as HandlerDeps;
    const now = Date.now();
    const deliver = async (topic: string, body: string, triggeredAt: string | null = null) => {
      const r = await processDelivery(deps, installedShops(deps, 0), { shop: SHOP, topic, webhookId: `w-${recorded.length}`, eventId: null, triggeredAt, hmac: '', body, receivedAt: new Date(now), arrivedAt: now });
      assert.deepEqual(r.body, { ok: true, deadLetter: true }, `${topic} ${body}`);
    };
    // Each topic's handler, with a payload that is not its own.
    for (const topic of HANDLED_TOPICS) await deliver(topic, '{"unexpected": true}');
    await deliver('app/uninstalled', JSON.stringify({ id: 1, myshopify_domain: SHOP }));
    await deliver('shop/redact', JSON.stringify({ shop_id: 1, shop_domain: SHOP }));
    await deliver('orders/kaput', '{}');
    await deliver('orders/create', 'not json');
    await deliver('orders/create', '{}', 'yesterday-ish');
    await deliver('orders/create', '{}', new Date(now - 6 * 3_600_000).toISOString());
    await deliver('orders/create', '{}', new Date(now + 3_600_000).toISOString());
    await deliver('orders/create', JSON.stringify({ shop_domain: 'other.myshopify.com' }));
    installed = false;
    await deliver('orders/create', '{}');
    const ids = new Set<string>();
    for (const reason of recorded) {
      const msg = messageFromEnglish('deadLetters', reason);
      check(msg, reason);
      ids.add(msg!.id.replace('deadLetters.', ''));
    }
    assert.deepEqual([...ids].sort(), Object.keys(EXPLANATIONS_EN.deadLetters).sort(), 'every dead-letter template is reached by the webhook path');
    assert.equal(messageFromEnglish('deadLetters', 'a reason from an older version'), null);
    assert.equal(render('fr', messageFromEnglish('deadLetters', "triggered 360 min ago, outside Shopify's 4 h retry window: a replay")!), 'déclenché il y a 360 min, hors de la fenêtre de 4 h des nouvelles tentatives de Shopify : une relecture');
  });

  it('web pixel refusals: each code Shopify documents, a missing scope, anything else verbatim', async () => {
    // ErrorsWebPixelUserErrorCode (https://shopify.dev/docs/api/admin-graphql/2026-10/enums/ErrorsWebPixelUserErrorCode).
    const codes = ['BLANK', 'INVALID_CONFIGURATION_JSON', 'INVALID_RUNTIME_CONTEXT', 'INVALID_SETTINGS', 'INVALID_SETTINGS_DEFINITION', 'NO_EXTENSION', 'NOT_FOUND', 'TAKEN', 'UNEXPECTED_ERROR', 'UNABLE_TO_DELETE'];
    const want = { shopKey: 'k', endpoint: 'https://app.example/signals/pixel' };
    const answering = (payload: unknown): AdminGraphqlClient => ({
      request: async (q: string) => {
        if (/query AppWebPixel/.test(q)) throw new ShopifyGraphqlError('x', { shop: 's', errors: [{ message: 'No web pixel was found for this app.' }] });
        if (payload instanceof Error) throw payload;
        return { data: { webPixelCreate: payload }, cost: null };
      },
    }) as unknown as AdminGraphqlClient;
    const viewOf = async (client: AdminGraphqlClient) => webPixelView({ webPixelId: null, webPixelReport: { ...(await reconcileWebPixel(client, want)), at: new Date(AS_OF) } } as never).lastPass!;
    const refused = await viewOf(answering({ webPixel: null, userErrors: codes.map((code) => ({ code, field: ['settings'], message: `${code} message` })) }));
    const denied = await viewOf(answering(new ShopifyGraphqlError('x', { shop: 's', errors: [{ message: 'Access denied for webPixelCreate field.', extensions: { code: 'ACCESS_DENIED' } }] })));
    const odd = await viewOf(answering({ webPixel: null, userErrors: [{ code: null, message: 'Something new' }] }));
    for (const p of [refused, denied, odd]) p.errors.forEach((e, i) => check(p.errorMsgs[i], explanationText(p.errorMsgs[i]!)));
    assert.deepEqual(refused.errorMsgs.map((m) => m.id), codes.map((c) => `pixel.${c}`));
    assert.deepEqual(denied.errorMsgs.map((m) => m.id), ['pixel.ACCESS_DENIED']);
    assert.deepEqual(odd.errorMsgs, [{ id: 'pixel.other', params: { reason: 'Something new' } }]);
    const documented = new Set(['other', 'ACCESS_DENIED', ...codes]);
    assert.deepEqual(Object.keys(EXPLANATIONS_EN.pixel).filter((k) => !documented.has(k)), [], 'a template for each code only');
    assert.match(render('es', denied.errorMsgs[0]!), /^la app no puede gestionar píxeles web en esta tienda/);
  });

  it('how to connect each source: the messages the Signals API sends, with the addresses and headers as data', () => {
    const base = 'https://app.example';
    const shop = 'a-shop.myshopify.com';
    for (const [source, how] of Object.entries(HOW)) {
      const msg = how(base, shop);
      check(msg, explanationText(msg));
      assert.equal(msg.id, `connect.${source}`);
    }
    assert.equal(explanationText(HOW.klaviyo(base, shop)), `In Klaviyo (Advanced KDP or app partners), create a system webhook for the "Clicked Email" topic to ${base}/signals/klaviyo/${shop}, with the secret from "Rotate Klaviyo secret". Klaviyo signs every request in the Klaviyo-Signature header.`);
    // Code stays code in every language: the address, the header and Klaviyo's own {{ person.external_id }}.
    const de = render('de', HOW.flow(base, shop));
    for (const code of [`${base}/signals/clicks/${shop}`, 'X-Segments-Token', '{"customerId": "{{ person.external_id }}", "source": "klaviyo-flow"}']) assert.ok(de.includes(code), `${code} in ${de}`);
    assert.match(de, /^Füge in einem Klaviyo-Flow/);
  });

  it('every produced message renders in every language from that language\'s own templates', () => {
    assert.ok(produced.length > 40, `${produced.length} messages`);
    for (const { msg } of produced) {
      for (const lang of LANGUAGES) {
        for (const id of idsOf(msg)) own(lang, id);
        const text = render(lang, msg);
        // A placeholder left over is a failure; Klaviyo's own "{{ person.external_id }}" in a request body is code.
        assert.ok(text.length > 0 && !/\{\{\w+\}\}|undefined|NaN/.test(text), `${lang} ${msg.id}: ${text}`);
      }
    }
  });
});
