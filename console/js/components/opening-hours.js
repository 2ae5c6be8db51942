// A unit's opening hours in the reader's language. The server stores them in a small OpenStreetMap-style form
// ("Mo-Th 08:00-15:30; Fr 08:00-11:00", server/domain/admin/opening_hours.py) and that text stays as it is (the form
// field and the CSV show it); pages that only show the hours read "Sen–Kam 08.00–15.30; Jum 08.00–11.00" or
// "Mon–Thu 08:00–15:30; Fri 08:00–11:00". A text not in that form is shown as it is.

import { h } from '../dom.js';
import { t } from '../i18n.js';

const DAY = '(?:Mo|Tu|We|Th|Fr|Sa|Su)';
const DAYS = `${DAY}(?:-${DAY})?`;
// "Mo-Th,Sa 08:00-12:00,13:00-15:30": the days, then the spans.
const RULE = new RegExp(`^(${DAYS}(?:,${DAYS})*)\\s+(.+)$`);
const SPAN = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

function dayRangeText(range) {
  return range.split('-').map((code) => t(`day.short.${code}`)).join('–');
}

function spanText(span) {
  const found = SPAN.exec(span.trim());
  if (!found) return null;
  const [, startHour, startMinute, endHour, endMinute] = found;
  return `${t('hours.time', { h: startHour, m: startMinute })}–${t('hours.time', { h: endHour, m: endMinute })}`;
}

/** Each rule of the stored text in the current language; null when the text is not in the stored form. */
function readableRules(stored) {
  const rules = [];
  for (const rule of (stored || '').split(';').map((part) => part.trim()).filter(Boolean)) {
    const found = RULE.exec(rule);
    if (!found) return null;
    const spans = found[2].split(',').map(spanText);
    if (spans.includes(null)) return null;
    rules.push(`${found[1].split(',').map(dayRangeText).join(', ')} ${spans.join(', ')}`);
  }
  return rules;
}

/** The stored text in the current language; null when it is not in the stored form. '' for none (always open). */
export function openingHoursText(stored) {
  return readableRules(stored)?.join('; ') ?? null;
}

/** A <span> with the hours in words (a line breaks between rules, never inside one), the stored text as tooltip. */
export function openingHours(stored) {
  const rules = readableRules(stored);
  if (!rules) return h('span', { class: 'opening-hours', dataset: { hours: stored || '' } }, stored || '');
  return h('span', { class: 'opening-hours', title: stored, dataset: { hours: stored } },
    rules.map((rule, i) => [i ? '; ' : '', h('span', { class: 'nowrap' }, rule)]));
}
