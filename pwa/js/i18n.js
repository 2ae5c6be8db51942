// Every string the surveyor reads comes from a catalogue (i18n/id.js, i18n/en.js). Bahasa Indonesia is the
// default; instrument texts ({id, en}) fall back to Indonesian when a translation is missing.

import en from './i18n/en.js';
import id from './i18n/id.js';

const CATALOGUES = { id, en };
const LOCALES = { id: 'id-ID', en: 'en-GB' };
export const LANGUAGES = Object.keys(CATALOGUES);
export const DEFAULT_LANGUAGE = 'id';

let language = DEFAULT_LANGUAGE;

export function setLanguage(next) {
  language = CATALOGUES[next] ? next : DEFAULT_LANGUAGE;
  document.documentElement.lang = language;
}

export function getLanguage() {
  return language;
}

/** The catalogue string for `key` with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const template = CATALOGUES[language][key] ?? CATALOGUES[DEFAULT_LANGUAGE][key];
  if (template === undefined) {
    console.warn(`i18n: no string for "${key}"`);
    return key;
  }
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

export function hasString(key) {
  return key in CATALOGUES[language] || key in CATALOGUES[DEFAULT_LANGUAGE];
}

/** An instrument text `{id, en}` in the current language. */
export function tx(text) {
  if (!text) return '';
  if (typeof text === 'string') return text;
  return text[language] || text[DEFAULT_LANGUAGE] || '';
}

const locale = () => LOCALES[language];

export function formatNumber(value, maximumFractionDigits = 1) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits }).format(value);
}

export function formatDistance(metres) {
  if (!Number.isFinite(metres)) return '–';
  if (metres < 1000) return t('unit.m', { n: formatNumber(Math.round(metres), 0) });
  return t('unit.km', { n: formatNumber(metres / 1000, metres < 10_000 ? 1 : 0) });
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  return `${formatNumber(value, value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

function asDate(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatDate(value) {
  const date = asDate(value);
  return date ? new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric' }).format(date) : '–';
}

export function formatDateTime(value) {
  const date = asDate(value);
  return date
    ? new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(date)
    : '–';
}

export function formatTime(value) {
  const date = asDate(value);
  return date ? new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(date) : '–';
}

export function formatDateRange(start, end) {
  const from = asDate(start);
  const to = asDate(end);
  if (!from || !to) return `${formatDate(start)} – ${formatDate(end)}`;
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'short', year: 'numeric' }).formatRange(from, to);
}
