// Server text the dashboard shows inside translated pages, sent as message id + parameters beside its
// English (issue 16): calibration reasons (Thresholds, Sync), RFM score bands (Thresholds), the model
// choice and fallback reasons and the backtest sentence (Model check, the churn explanation's cadence
// rule), the Bright spots example sentence and the signal drop reasons (Settings → Signals).
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
import { calibrationReasonMsg, EXPLANATIONS_EN, explanationText, type ExplanationMsg } from '../../src/segments/explanation.ts';
import { syntheticShop } from '../../tools/synthetic-shop.ts';
import { describeCalibration } from '../../web/admin/thresholds.ts';
import { modelCheckView } from '../../web/admin/model-check.ts';
import { dropReasonMsg } from '../../web/admin/signals.ts';
import { sayIn } from '../../web/dashboard/src/explanation-format.ts';
import { AS_OF, defaultShopSettings } from '../segments/fixtures.ts';
import { at, CATALOGUES, idsOf, LANGUAGES, localeOf, type Language, type Tree } from './explain-as.ts';

const SECTIONS = ['calibration', 'bands', 'models', 'insights', 'drops'] as const;
/** Templates that are only a parameter (text stored before messages, shown as stored): the same in every language. */
const VERBATIM = new Set(['calibration.other', 'models.stored', 'models.problem', 'models.problems', 'bands.frequency']);

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

  it('every produced message renders in every language from that language\'s own templates', () => {
    assert.ok(produced.length > 40, `${produced.length} messages`);
    for (const { msg } of produced) {
      for (const lang of LANGUAGES) {
        for (const id of idsOf(msg)) own(lang, id);
        const text = render(lang, msg);
        assert.ok(text.length > 0 && !/\{\{|undefined|NaN/.test(text), `${lang} ${msg.id}: ${text}`);
      }
    }
  });
});
