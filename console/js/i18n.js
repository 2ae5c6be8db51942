// Every string the console shows comes from a catalogue (../i18n/id.js, ../i18n/en.js). Bahasa Indonesia is the
// default; the choice is remembered in localStorage. Instrument texts ({id, en}) fall back to Indonesian.

import en from '../i18n/en.js';
import id from '../i18n/id.js';

const CATALOGUES = { id, en };
const LOCALES = { id: 'id-ID', en: 'en-GB' };
const STORAGE_KEY = 'sidak.console.language';
export const LANGUAGES = Object.keys(CATALOGUES);
export const DEFAULT_LANGUAGE = 'id';
export const LANGUAGE_EVENT = 'sidak:language';

let language = DEFAULT_LANGUAGE;

export function loadLanguage() {
  let stored = null;
  try { stored = localStorage.getItem(STORAGE_KEY); } catch { stored = null; }
  setLanguage(stored || DEFAULT_LANGUAGE, { remember: false });
}

export function setLanguage(next, { remember = true } = {}) {
  language = CATALOGUES[next] ? next : DEFAULT_LANGUAGE;
  document.documentElement.lang = language;
  if (remember) {
    try { localStorage.setItem(STORAGE_KEY, language); } catch { /* private mode: the choice lasts this page */ }
    globalThis.dispatchEvent(new CustomEvent(LANGUAGE_EVENT, { detail: language }));
  }
}

export function getLanguage() {
  return language;
}

/** The catalogue string for `key`, `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const template = CATALOGUES[language][key] ?? CATALOGUES[DEFAULT_LANGUAGE][key];
  if (template === undefined) {
    console.warn(`i18n: no string for "${key}"`);
    return key;
  }
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** A catalogue string in a given language whatever the console's own language (previews of the phone's screens). */
export function tIn(lang, key, params = {}) {
  const template = (CATALOGUES[lang] || CATALOGUES[DEFAULT_LANGUAGE])[key] ?? CATALOGUES[DEFAULT_LANGUAGE][key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

export function hasString(key) {
  return key in CATALOGUES[language] || key in CATALOGUES[DEFAULT_LANGUAGE];
}

/** An instrument text `{id, en}` in `lang` (default: the current language). */
export function tx(text, lang = language) {
  if (!text) return '';
  if (typeof text === 'string') return text;
  return text[lang] || text[DEFAULT_LANGUAGE] || Object.values(text)[0] || '';
}

export const locale = () => LOCALES[language];

export function formatNumber(value, maximumFractionDigits = 2) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '–';
  return new Intl.NumberFormat(locale(), { maximumFractionDigits }).format(Number(value));
}

export function formatDate(isoDate) {
  if (!isoDate) return '–';
  // A bare date (2025-05-01) is a calendar day: format it without moving it through a time zone.
  const [year, month, day] = isoDate.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' })
    .format(new Date(Date.UTC(year, month - 1, day)));
}

export function formatDateTime(isoDateTime) {
  if (!isoDateTime) return '–';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(isoDateTime));
}
