// Explanations as message id + parameters: the engine emits only ids every catalogue knows, the English
// sentence is rendered from the message, and the dashboard renders the same message in each of its five
// languages with that locale's numbers, money and dates. English-only text stored before messages
// existed still displays. Deterministic: a seeded synthetic shop at a fixed as-of.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateShop } from '../../src/segments/calibrate-shop.ts';
import { segmentCustomer } from '../../src/segments/segment-customer.ts';
import { EXPLANATIONS_EN, explanationText, type ExplanationMsg } from '../../src/segments/explanation.ts';
import { syntheticShop } from '../../tools/synthetic-shop.ts';
import { describeCalibration } from '../../web/admin/thresholds.ts';
import { AS_OF, defaultShopSettings } from '../segments/fixtures.ts';
import { at, CATALOGUES, explainAs, idsOf, LANGUAGES, type Tree } from './explain-as.ts';


const shop = [...syntheticShop({ customers: 3000, seed: 9, asOf: AS_OF })];
const s = defaultShopSettings;

describe('explanations as messages', () => {
  const messages = new Map<string, { msg: ExplanationMsg; explanation: string }>();
  before(() => {
    const cal = calibrateShop(shop, s, AS_OF);
    for (const c of shop) {
      for (const m of segmentCustomer(c, cal, s, AS_OF).memberships) {
        assert.ok(m.explanationMsg, `${m.family}/${m.segment} has a message`);
        // One example per message id (the first customer met), plus the English sentence stored beside it.
        if (!messages.has(m.explanationMsg.id)) messages.set(m.explanationMsg.id, { msg: m.explanationMsg, explanation: m.explanation });
        assert.equal(m.explanation, `${m.label}: ${explanationText(m.explanationMsg)}`);
      }
    }
  });

  it('the seeded shop exercises every family, and messages are plain JSON without "." in keys (MongoDB)', () => {
    const families = new Set([...messages.keys()].map((id) => id.split('.')[0]));
    for (const f of ['loyalty', 'rfm', 'churn', 'value', 'replenishment', 'behaviour']) assert.ok(families.has(f), f);
    for (const { msg } of messages.values()) {
      assert.deepEqual(JSON.parse(JSON.stringify(msg)), msg);
      const keys = (v: unknown): string[] => (v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : []);
      assert.ok(keys(msg).every((k) => !k.includes('.')), msg.id);
    }
  });

  it('every id the engine emits has a template in every language, with the English placeholders', () => {
    const ids = new Set<string>();
    for (const { msg } of messages.values()) idsOf(msg, ids);
    for (const lang of LANGUAGES) {
      for (const id of ids) {
        const tmpl = at(CATALOGUES[lang].explanations as unknown as Tree, id);
        assert.equal(typeof tmpl, 'string', `${lang}: explanations.${id}`);
        const ph = (x: string) => [...x.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
        assert.deepEqual(ph(tmpl as string), ph(at(EXPLANATIONS_EN as unknown as Tree, id) as string), `${lang}: ${id}`);
      }
    }
  });

  it('renders each language in full: no placeholder, "undefined" or NaN left, and not the English sentence', () => {
    const english = new Map<string, string>();
    for (const lang of LANGUAGES) {
      for (const [id, { msg, explanation }] of messages) {
        const text = explainAs(lang, { explanation, explanationMsg: msg });
        assert.ok(text.length > 0 && !/\{\{|undefined|NaN|null/.test(text), `${lang} ${id}: ${text}`);
        if (lang === 'en') english.set(id, text);
        else assert.notEqual(text, english.get(id), `${lang} ${id} is English: ${text}`);
      }
    }
  });

  it('formats counts, money and dates in the viewer\'s locale', () => {
    const vip: ExplanationMsg = {
      id: 'loyalty.vip',
      params: { orders: { count: 14, unit: 'order' }, minOrders: 9, spend: { money: 231000, currency: 'EUR' }, minSpend: { money: 148050, currency: 'EUR' }, calDate: { date: '2026-11-20' }, held: '' },
    };
    const expected = {
      en: '14 orders ≥ 9 and €2,310.00 spent ≥ €1,480.50, thresholds of Nov 20, 2026',
      de: '14 Bestellungen ≥ 9 und 2.310,00 € Umsatz ≥ 1.480,50 €, Schwellen vom 20.11.2026',
      it: '14 ordini ≥ 9 e 2310,00 € spesi ≥ 1480,50 €, soglie del 20 nov 2026',
      fr: '14 commandes ≥ 9 et 2 310,00 € dépensés ≥ 1 480,50 €, seuils du 20 nov. 2026',
      es: '14 pedidos ≥ 9 y 2310,00 € gastados ≥ 1480,50 €, umbrales del 20 nov 2026',
    };
    for (const lang of LANGUAGES) {
      // Intl may use narrow or non-breaking spaces (fr, de): compare with plain spaces.
      assert.equal(explainAs(lang, { explanation: '', explanationMsg: vip }).replace(/[\u00a0\u202f]/g, ' '), expected[lang]);
    }
    assert.equal(explainAs('de', { explanation: '', explanationMsg: { id: 'behaviour.dormant', params: { days: { count: 1, unit: 'day' }, min: 180 } } }), '1 Tag ohne Bestellung (≥ 180)');
  });

  it('the Thresholds page\'s lines: English as the API has always sent it, and every language from the messages', () => {
    const cal = calibrateShop(shop, s, AS_OF);
    const view = describeCalibration({ calibration: cal, asOf: new Date(AS_OF), createdAt: new Date(AS_OF), reason: 'nightly', buyers: cal.buyers } as never, 'EUR')!;
    assert.equal(view.lines.length, 6);
    for (const l of view.lines) {
      // The dashboard's English is the API's English text, with thousands separators on counts (Intl, en-US).
      const plain = (x: string) => x.replace(/(\d),(\d)/g, '$1$2');
      assert.equal(plain(explainAs('en', { explanation: l.value, explanationMsg: l.valueMsg }, 'thresholds')), plain(l.value));
      assert.equal(plain(explainAs('en', { explanation: l.meaning, explanationMsg: l.meaningMsg }, 'thresholds')), plain(l.meaning));
      for (const lang of LANGUAGES.filter((x) => x !== 'en')) {
        const text = explainAs(lang, { explanation: l.meaning, explanationMsg: l.meaningMsg }, 'thresholds');
        assert.ok(!/\{\{|undefined|NaN/.test(text) && text !== l.meaning, `${lang} ${l.key}: ${text}`);
      }
    }
  });

  it('shows English text stored before explanations were messages, without the segment name in front', () => {
    assert.equal(explainAs('de', { explanation: 'VIP: 14 orders ≥ 9 and $2,310.00 spent ≥ $1,480.00, thresholds of 2026-11-20' }), '14 orders ≥ 9 and $2,310.00 spent ≥ $1,480.00, thresholds of 2026-11-20');
    assert.equal(explainAs('de', { explanation: 'Dormant: no order for 200 days (≥ 180)', explanationMsg: null }), 'no order for 200 days (≥ 180)');
  });
});
