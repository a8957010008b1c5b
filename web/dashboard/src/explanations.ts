// An explanation in the viewer's language: the message (id + parameters) the engine stored, rendered
// with the catalogue's `explanations` templates and Intl in the admin's locale (numbers, money, dates,
// plural nouns). A profile or history entry written before explanations were messages has only its
// English sentence: that is shown as it is ("<label>: " dropped where the segment is shown beside it).
import { renderExplanation, type ExplanationMsg, type ParamFormat } from '../../../src/segments/explanation.ts';
import { formatLocale, i18next } from './i18n/index.ts';
import { formatMoney } from './api.ts';

export type { ExplanationMsg };

/** What the API sends for one explanation: the English text always, the message where it was stored. */
export interface Explained { explanation: string; explanationMsg?: ExplanationMsg | null }

/** The raw template (placeholders left for renderExplanation), English where the language lacks it. */
const template = (id: string): string => {
  const key = `explanations.${id}`;
  const found = (i18next.getResource(i18next.language, 'translation', key) ?? i18next.getResource('en', 'translation', key)) as unknown;
  return typeof found === 'string' ? found : '';
};

function localFormat(): ParamFormat {
  const locale = formatLocale();
  const plural = new Intl.PluralRules(locale);
  return {
    template,
    number: (n, digits) => new Intl.NumberFormat(locale, digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n),
    money: formatMoney,
    date: (day) => (/^\d{4}-\d{2}-\d{2}$/.test(day) ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`)) : day),
    percent: (share) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share),
    plural: (n) => (plural.select(n) === 'one' ? 'one' : 'other'),
  };
}

/** The explanation's reason in the viewer's language, without the segment's name in front. */
export function explain(e: Explained): string {
  if (e.explanationMsg && typeof e.explanationMsg.id === 'string' && typeof e.explanationMsg.params === 'object') {
    const text = renderExplanation(e.explanationMsg, localFormat());
    if (text) return text;
  }
  return e.explanation.replace(/^[^:]*: /, '');
}
