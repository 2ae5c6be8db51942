// The translation core of the phone app and the console; each app keeps its own catalogues and builds its i18n
// module on this one. Bahasa Indonesia is the default language and the fallback for a missing string.
//
// A catalogue maps a key to a template with `{name}` placeholders, or, where a count changes the words, to its
// plural forms by the categories of Intl.PluralRules, chosen by the `n` parameter:
//   'gps.samples': { one: '{n} point', other: '{n} points' }        (English: one, other)
//   'gps.samples': '{n} titik'                                      (Indonesian has one form)
// Every plural entry has an `other` form, used for any category it does not spell out.

export const DEFAULT_LANGUAGE = 'id';

/**
 * The translator over `catalogues` ({id: {...}, en: {...}}), writing numbers and dates in `locales`
 * ({id: 'id-ID', en: 'en-GB'}). Returns plain functions, so an app can re-export them one by one.
 */
export function createI18n({ catalogues, locales }) {
  const languages = Object.keys(catalogues);
  const pluralRules = new Map();
  let language = DEFAULT_LANGUAGE;

  function setLanguage(next) {
    language = catalogues[next] ? next : DEFAULT_LANGUAGE;
    if (globalThis.document) document.documentElement.lang = language;
    return language;
  }

  function getLanguage() {
    return language;
  }

  function localeOf(lang) {
    return locales[lang] || locales[DEFAULT_LANGUAGE];
  }

  /** The plural category of `count` in `lang` ('one', 'other', …), 'other' for anything but a finite number. */
  function pluralCategory(lang, count) {
    if (typeof count !== 'number' || !Number.isFinite(count)) return 'other';
    if (!pluralRules.has(lang)) pluralRules.set(lang, new Intl.PluralRules(localeOf(lang)));
    return pluralRules.get(lang).select(count);
  }

  function entryOf(lang, key) {
    return (catalogues[lang] || {})[key] ?? catalogues[DEFAULT_LANGUAGE][key];
  }

  function fill(lang, entry, params) {
    const template = typeof entry === 'string' ? entry : entry[pluralCategory(lang, params.n)] ?? entry.other;
    return template.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
  }

  /** The string for `key` in `lang`, placeholders filled from `params` (and its form chosen by `params.n`). */
  function tIn(lang, key, params = {}) {
    const entry = entryOf(lang, key);
    if (entry === undefined) {
      console.warn(`i18n: no string for "${key}"`);
      return key;
    }
    return fill(catalogues[lang] ? lang : DEFAULT_LANGUAGE, entry, params);
  }

  /** The string for `key` in the current language. */
  function t(key, params = {}) {
    return tIn(language, key, params);
  }

  function hasString(key) {
    return entryOf(language, key) !== undefined;
  }

  /** An instrument text `{id, en}` in `lang` (default: the current language), falling back to Indonesian. */
  function tx(text, lang = language) {
    if (!text) return '';
    if (typeof text === 'string') return text;
    return text[lang] || text[DEFAULT_LANGUAGE] || Object.values(text)[0] || '';
  }

  const locale = () => localeOf(language);

  /** A number in the current language's digits and separators (10.290,3 in Bahasa Indonesia); '–' for none. */
  function formatNumber(value, maximumFractionDigits = 2) {
    if (value === null || value === undefined || !Number.isFinite(Number(value))) return '–';
    return new Intl.NumberFormat(locale(), { maximumFractionDigits }).format(Number(value));
  }

  return {
    LANGUAGES: languages, DEFAULT_LANGUAGE, setLanguage, getLanguage, locale, t, tIn, hasString, tx, formatNumber,
  };
}
