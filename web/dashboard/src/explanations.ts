// An explanation in the viewer's language: the message (id + parameters) the engine stored, rendered
// with the active catalogue's `explanations` templates (English where a template is missing) and Intl
// in the admin's locale (explanation-format.ts). Stored English-only text still shows (see there).
import type { ExplanationMsg } from '../../../src/segments/explanation.ts';
import { explainIn, sayIn, type Explained } from './explanation-format.ts';
import { formatLocale, i18next } from './i18n/index.ts';

export type { ExplanationMsg };

/**
 * The raw template (placeholders left for the renderer) under `section` (e.g. `explanations`, or
 * `thresholds` for the Thresholds page's lines), the counted nouns from `explanations.units`; English
 * where the language lacks it.
 */
function templateIn(section: string): (id: string) => string {
  return (id) => {
    const keys = [`${section}.${id}`, `explanations.${id}`];
    for (const lng of [i18next.language, 'en']) {
      for (const key of keys) {
        const found = i18next.getResource(lng, 'translation', key) as unknown;
        if (typeof found === 'string') return found;
      }
    }
    return '';
  };
}

export const explain = (e: Explained, section = 'explanations'): string => explainIn(formatLocale(), templateIn(section), e);

/** A message the server sends beside its English (calibration reasons, score bands, model reasons, drop reasons). */
export const say = (msg: ExplanationMsg | null | undefined, english: string): string => sayIn(formatLocale(), templateIn('explanations'), msg, english);
