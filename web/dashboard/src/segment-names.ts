// A segment's name and meaning in the viewer's language, from the catalogue (i18n/locales/*):
// the server's English label is the fallback for a segment the catalogue does not know yet.
import type { TFunction } from 'i18next';

export const segmentLabel = (t: TFunction, family: string, segment: string, fallback = segment): string =>
  t(`segments.${family}.${segment}.label`, { defaultValue: fallback });
export const segmentMeaning = (t: TFunction, family: string, segment: string): string =>
  t(`segments.${family}.${segment}.meaning`, { defaultValue: '' });
export const familyLabel = (t: TFunction, family: string): string => t(`families.${family}`, { defaultValue: family });
