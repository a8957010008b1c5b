// Rendering an explanation message in one locale: Intl for numbers, money, dates and plural nouns,
// the catalogue's `explanations` templates for words. No DOM and no i18next here, so the same code
// runs in the browser (explanations.ts) and under Node in the tests.
import { renderExplanation, type ExplanationMsg, type ParamFormat } from '../../../src/segments/explanation.ts';

/** What the API sends for one explanation: the English text always, the message where it was stored. */
export interface Explained { explanation: string; explanationMsg?: ExplanationMsg | null }

function moneyIn(locale: string, minor: number, currency: string): string {
  const nf = new Intl.NumberFormat(locale, { style: 'currency', currency });
  return nf.format(minor / 10 ** (nf.resolvedOptions().maximumFractionDigits ?? 2));
}

export function localFormat(locale: string, template: (id: string) => string): ParamFormat {
  const plural = new Intl.PluralRules(locale);
  return {
    template,
    number: (n, digits) => new Intl.NumberFormat(locale, digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n),
    money: (minor, currency) => moneyIn(locale, minor, currency),
    date: (day) => (/^\d{4}-\d{2}-\d{2}$/.test(day) ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`)) : day),
    percent: (share) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share),
    plural: (n) => (plural.select(n) === 'one' ? 'one' : 'other'),
  };
}

/**
 * The reason in the viewer's language, without the segment's name in front. A profile or history entry
 * written before explanations were messages has only its English sentence: shown as it is, minus "<label>: ".
 */
export function explainIn(locale: string, template: (id: string) => string, e: Explained): string {
  const msg = e.explanationMsg;
  if (msg && typeof msg.id === 'string' && msg.params && typeof msg.params === 'object') {
    const text = renderExplanation(msg, localFormat(locale, template));
    if (text) return text;
  }
  return e.explanation.replace(/^[^:]*: /, '');
}

/** A server message in the viewer's language; its English as sent when there is no message or no template. */
export function sayIn(locale: string, template: (id: string) => string, msg: ExplanationMsg | null | undefined, english: string): string {
  if (msg && typeof msg.id === 'string' && msg.params && typeof msg.params === 'object') {
    const text = renderExplanation(msg, localFormat(locale, template));
    if (text) return text;
  }
  return english;
}
