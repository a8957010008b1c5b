// An explanation as the dashboard shows it in one of its languages (explanation-format.ts over that
// language's catalogue, English where a template is missing): the expected text of the browser test
// and the renderer checked by explanations.test.ts.
import type { ExplanationMsg, ExplanationParam } from '../../src/segments/explanation.ts';
import { explainIn, type Explained } from '../../web/dashboard/src/explanation-format.ts';
import { en } from '../../web/dashboard/src/i18n/locales/en.ts';
import { de } from '../../web/dashboard/src/i18n/locales/de.ts';
import { it } from '../../web/dashboard/src/i18n/locales/it.ts';
import { fr } from '../../web/dashboard/src/i18n/locales/fr.ts';
import { es } from '../../web/dashboard/src/i18n/locales/es.ts';

export type Tree = { [k: string]: string | Tree };
export const at = (tree: Tree, id: string): unknown => id.split('.').reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as Tree)[k] : undefined), tree);
export const CATALOGUES = { en, de, it, fr, es };
export type Language = keyof typeof CATALOGUES;
export const LANGUAGES = Object.keys(CATALOGUES) as Language[];
/** The locale the tests open each language with ("de-DE"; English as "en-US"). */
export const localeOf = (lang: Language): string => `${lang}-${lang === 'en' ? 'US' : lang.toUpperCase()}`;

export function explainAs(lang: Language, e: Explained, section: 'explanations' | 'thresholds' = 'explanations'): string {
  const tmpl = (id: string): string => {
    for (const cat of [CATALOGUES[lang], en] as unknown as Tree[]) {
      for (const key of [`${section}.${id}`, `explanations.${id}`]) {
        const t = at(cat, key);
        if (typeof t === 'string') return t;
      }
    }
    return '';
  };
  return explainIn(localeOf(lang), tmpl, e);
}

/** Every id in a message, nested ones and counted nouns included. */
export function idsOf(msg: ExplanationMsg, out = new Set<string>()): Set<string> {
  out.add(msg.id);
  const walk = (p: ExplanationParam): void => {
    if (typeof p !== 'object') return;
    if ('msg' in p) idsOf(p.msg, out);
    if ('list' in p) p.list.forEach(walk);
    if ('count' in p) out.add(`units.${p.unit}.one`).add(`units.${p.unit}.other`);
  };
  Object.values(msg.params).forEach(walk);
  return out;
}
