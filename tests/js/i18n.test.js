// The translation core both apps share (web/shared/i18n.js), and the phone's catalogues.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import en from '../../pwa/js/i18n/en.js';
import id from '../../pwa/js/i18n/id.js';
import { createI18n } from '../../web/shared/i18n.js';

const PWA_JS = new URL('../../pwa/js/', import.meta.url);

function aTranslator() {
  return createI18n({
    catalogues: {
      id: { 'gps.samples': '{n} titik', 'only.id': 'hanya {what}' },
      en: { 'gps.samples': { one: '{n} point', other: '{n} points' }, 'photos.few': { other: '{n} photos' } },
    },
    locales: { id: 'id-ID', en: 'en-GB' },
  });
}

describe('the translation core', () => {
  test('English counts take the plural form the count asks for; Indonesian has one form', () => {
    const i18n = aTranslator();
    i18n.setLanguage('en');
    assert.deepEqual([0, 1, 2, 21].map((n) => i18n.t('gps.samples', { n })), ['0 points', '1 point', '2 points',
      '21 points']);
    i18n.setLanguage('id');
    assert.deepEqual([1, 2].map((n) => i18n.t('gps.samples', { n })), ['1 titik', '2 titik']);
  });

  test('a plural entry without the count\'s own form uses its "other" form, and so does a missing count', () => {
    const i18n = aTranslator();
    assert.equal(i18n.tIn('en', 'photos.few', { n: 1 }), '1 photos');
    assert.equal(i18n.tIn('en', 'gps.samples', {}), '{n} points');
  });

  test('a string missing in English falls back to Bahasa Indonesia; an unknown language is Bahasa Indonesia', () => {
    const i18n = aTranslator();
    assert.equal(i18n.tIn('en', 'only.id', { what: 'ini' }), 'hanya ini');
    assert.equal(i18n.setLanguage('fr'), 'id');
    assert.equal(i18n.t('gps.samples', { n: 3 }), '3 titik');
  });

  test('instrument texts follow the language, falling back to Indonesian', () => {
    const i18n = aTranslator();
    i18n.setLanguage('en');
    assert.deepEqual([i18n.tx({ id: 'Ya', en: 'Yes' }), i18n.tx({ id: 'Ya' }), i18n.tx('plain'), i18n.tx(null)],
      ['Yes', 'Ya', 'plain', '']);
  });

  test('numbers are written in the language\'s own way', () => {
    const i18n = aTranslator();
    assert.equal(i18n.formatNumber(10290.3), '10.290,3');
    i18n.setLanguage('en');
    assert.deepEqual([i18n.formatNumber(10290.3), i18n.formatNumber(null)], ['10,290.3', '–']);
  });
});

describe('the phone\'s catalogues', () => {
  test('hold the same keys in both languages', () => {
    assert.deepEqual(Object.keys(en).sort(), Object.keys(id).sort());
  });

  test('every plural entry has its "other" form and only forms the language has', () => {
    for (const [language, catalogue, locale] of [['en', en, 'en-GB'], ['id', id, 'id-ID']]) {
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      for (const [key, entry] of Object.entries(catalogue)) {
        if (typeof entry === 'string') continue;
        assert.ok(entry.other, `${language} ${key} has no "other" form`);
        for (const form of Object.keys(entry)) assert.ok(categories.includes(form), `${language} ${key}: ${form}?`);
      }
    }
  });

  test('an English string that counts with {n} spells out its singular', () => {
    // "{n} visits", "{n} photos": such a string read "1 points" before it had plural forms.
    const countsWithPluralNoun = Object.entries(en)
      .filter(([, entry]) => typeof entry === 'string' && /\{n\} (?:[a-z]+ )?[a-z]+s\b/.test(entry))
      .map(([key]) => key);
    assert.deepEqual(countsWithPluralNoun, []);
  });

  test('every literal key the phone asks for is in the catalogue', () => {
    const call = /\bt\(\s*'([a-z_]+(?:\.[A-Za-z0-9_]+)+)'/g;
    const missing = [];
    for (const file of readdirSync(PWA_JS, { recursive: true })) {
      if (!file.endsWith('.js') || file.startsWith('i18n')) continue;
      for (const [, key] of readFileSync(new URL(file, PWA_JS), 'utf8').matchAll(call)) {
        if (!(key in id)) missing.push(`${file}: ${key}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
