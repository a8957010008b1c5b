// An explanation in the viewer's language: the message (id + parameters) the engine stored, rendered
// with the active catalogue's `explanations` templates (English where a template is missing) and Intl
// in the admin's locale (explanation-format.ts). Stored English-only text still shows (see there).
import type { ExplanationMsg } from '../../../src/segments/explanation.ts';
import { explainIn, type Explained } from './explanation-format.ts';
import { formatLocale, i18next } from './i18n/index.ts';

export type { ExplanationMsg };

/** The raw template (placeholders left for the renderer), English where the language lacks it. */
function template(id: string): string {
  const key = `explanations.${id}`;
  const found = (i18next.getResource(i18next.language, 'translation', key) ?? i18next.getResource('en', 'translation', key)) as unknown;
  return typeof found === 'string' ? found : '';
}

export const explain = (e: Explained): string => explainIn(formatLocale(), template, e);
