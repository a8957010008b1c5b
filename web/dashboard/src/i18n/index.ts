// The dashboard's languages: i18next (with react-i18next's hooks) over our own catalogues, one file per
// language under locales/; Polaris' own strings come from the translations Polaris ships.
// Why i18next: interpolation, fallback to English and re-rendering on a language change are done and
// tested there; our catalogues stay plain typed objects (a missing key is a type error and a test failure).
// The language is the admin's: Shopify opens an embedded app with a `locale` query parameter and App
// Bridge exposes it as `shopify.config.locale` (https://shopify.dev/docs/api/app-home/apis/config).
// Numbers, money and dates use Intl in that locale; tags are never translated.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import polarisEn from '@shopify/polaris/locales/en.json';
import polarisDe from '@shopify/polaris/locales/de.json';
import polarisIt from '@shopify/polaris/locales/it.json';
import polarisFr from '@shopify/polaris/locales/fr.json';
import polarisEs from '@shopify/polaris/locales/es.json';
import { en } from './locales/en.ts';
import { de } from './locales/de.ts';
import { it } from './locales/it.ts';
import { fr } from './locales/fr.ts';
import { es } from './locales/es.ts';

export const CATALOGUES = { en, de, it, fr, es } as const;
export type Language = keyof typeof CATALOGUES;
export const LANGUAGES = Object.keys(CATALOGUES) as Language[];
export const POLARIS = { en: polarisEn, de: polarisDe, it: polarisIt, fr: polarisFr, es: polarisEs } as const;

declare global {
  interface Window {
    shopify?: { idToken(): Promise<string>; config?: { locale?: string } };
  }
}

/** "de-CH" → "de"; anything we do not speak → "en". */
export function languageOf(locale: string | null | undefined): Language {
  const base = (locale ?? '').toLowerCase().split(/[-_]/)[0] as Language;
  return LANGUAGES.includes(base) ? base : 'en';
}

/** The admin's locale: the `locale` query parameter, else App Bridge's config, else English. */
export function adminLocale(): string {
  const q = new URLSearchParams(window.location.search).get('locale');
  return q ?? window.shopify?.config?.locale ?? 'en';
}

let intlLocale = 'en';
/** The full locale for Intl (e.g. "de-CH" keeps Swiss number formats), when its language is one we speak. */
export const formatLocale = (): string => intlLocale;

export async function initI18n(locale = adminLocale()): Promise<Language> {
  const lng = languageOf(locale);
  intlLocale = lng === languageOf(locale) && locale.toLowerCase().startsWith(lng) ? locale : lng;
  await i18next.use(initReactI18next).init({
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: CATALOGUES[l] }])),
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  document.documentElement.lang = lng;
  return lng;
}

export { i18next };
