// The dashboard's catalogues: every language has exactly the English keys, no empty text, the same
// {{placeholders}} as English, and a label and a meaning for every segment the engine defines (so a
// new family fails here until it is translated). German, Italian, French and Spanish must not just
// copy the English sentences.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { en } from '../../web/dashboard/src/i18n/locales/en.ts';
import { de } from '../../web/dashboard/src/i18n/locales/de.ts';
import { it as itIt } from '../../web/dashboard/src/i18n/locales/it.ts';
import { fr } from '../../web/dashboard/src/i18n/locales/fr.ts';
import { es } from '../../web/dashboard/src/i18n/locales/es.ts';
import { FAMILIES, SEGMENT_DEFINITIONS } from '../../src/segments/tags.ts';

type Tree = { [k: string]: string | Tree };
function flatten(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}
const placeholders = (s: string): string[] => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).sort();

const OTHERS = { de, it: itIt, fr, es } as Record<string, unknown>;
const EN = flatten(en as unknown as Tree);

describe('dashboard catalogues', () => {
  for (const [lang, cat] of Object.entries(OTHERS)) {
    it(`${lang}: every English key, no other, no empty text, the same placeholders`, () => {
      const flat = flatten(cat as Tree);
      const missing = [...EN.keys()].filter((k) => !flat.has(k));
      const extra = [...flat.keys()].filter((k) => !EN.has(k));
      assert.deepEqual(missing, [], `${lang} misses keys`);
      assert.deepEqual(extra, [], `${lang} has keys English does not`);
      for (const [k, v] of flat) {
        assert.ok(v.trim().length > 0, `${lang} ${k} is empty`);
        assert.deepEqual(placeholders(v), placeholders(EN.get(k)!), `${lang} ${k} placeholders`);
      }
    });
    it(`${lang}: translated, not copied (sentences differ from English)`, () => {
      const flat = flatten(cat as Tree);
      const sentences = [...EN].filter(([, v]) => v.split(' ').length >= 4);
      const copied = sentences.filter(([k, v]) => flat.get(k) === v).map(([k]) => k);
      assert.deepEqual(copied, [], `${lang} copies English sentences`);
    });
  }

  it('every segment the engine defines has a label and a meaning, every family a name', () => {
    for (const d of SEGMENT_DEFINITIONS) {
      assert.ok(EN.has(`segments.${d.family}.${d.segment}.label`), `${d.family}/${d.segment} label`);
      assert.ok(EN.has(`segments.${d.family}.${d.segment}.meaning`), `${d.family}/${d.segment} meaning`);
    }
    for (const f of FAMILIES) assert.ok(EN.has(`families.${f}`), f);
  });

  it('English segment labels and meanings are the engine\'s own', () => {
    for (const d of SEGMENT_DEFINITIONS) {
      assert.equal(EN.get(`segments.${d.family}.${d.segment}.label`), d.label);
      assert.equal(EN.get(`segments.${d.family}.${d.segment}.meaning`), d.meaning);
    }
  });
});
