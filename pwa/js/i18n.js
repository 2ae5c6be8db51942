// Every string the surveyor reads comes from a catalogue (i18n/id.js, i18n/en.js), through the translation core
// both apps share (../shared/i18n.js: placeholders, plural forms, fallback to Bahasa Indonesia). Here: the phone's
// own ways of writing distances, sizes and times.

import { createI18n } from '../shared/i18n.js';
import en from './i18n/en.js';
import id from './i18n/id.js';

const i18n = createI18n({ catalogues: { id, en }, locales: { id: 'id-ID', en: 'en-GB' } });

export const {
  LANGUAGES, DEFAULT_LANGUAGE, setLanguage, getLanguage, locale, t, hasString, tx, formatNumber,
} = i18n;

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
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${formatNumber(value, value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

function asDate(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function formatWith(options) {
  return (value) => {
    const date = asDate(value);
    return date ? new Intl.DateTimeFormat(locale(), options).format(date) : '–';
  };
}

const DAY = { day: 'numeric', month: 'short', year: 'numeric' };
export const formatDate = formatWith(DAY);
export const formatDateTime = formatWith({ day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
export const formatTime = formatWith({ hour: '2-digit', minute: '2-digit' });

export function formatDateRange(start, end) {
  const from = asDate(start);
  const to = asDate(end);
  if (!from || !to) return `${formatDate(start)} – ${formatDate(end)}`;
  return new Intl.DateTimeFormat(locale(), DAY).formatRange(from, to);
}
