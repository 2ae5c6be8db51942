// Every string the console shows comes from a catalogue (../i18n/id.js, ../i18n/en.js), through the translation
// core both apps share (/shared/i18n.js: placeholders, plural forms, fallback to Bahasa Indonesia). Here: the
// console's remembered language choice and its ways of writing dates.

import { createI18n } from '../../shared/i18n.js';
import en from '../i18n/en.js';
import id from '../i18n/id.js';

const i18n = createI18n({ catalogues: { id, en }, locales: { id: 'id-ID', en: 'en-GB' } });
const STORAGE_KEY = 'sidak.console.language';
export const LANGUAGE_EVENT = 'sidak:language';

export const { LANGUAGES, DEFAULT_LANGUAGE, getLanguage, locale, t, tIn, hasString, tx, formatNumber } = i18n;

export function loadLanguage() {
  let stored = null;
  try { stored = localStorage.getItem(STORAGE_KEY); } catch { /* private mode: nothing remembered */ }
  setLanguage(stored || DEFAULT_LANGUAGE, { remember: false });
}

export function setLanguage(next, { remember = true } = {}) {
  const language = i18n.setLanguage(next);
  if (remember) {
    try { localStorage.setItem(STORAGE_KEY, language); } catch { /* private mode: the choice lasts this page */ }
    globalThis.dispatchEvent(new CustomEvent(LANGUAGE_EVENT, { detail: language }));
  }
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
