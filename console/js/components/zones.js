// How a result reads: the score with its two decimals, the zone as a hijau/kuning/merah badge, the grade (and the IPP
// index) for profiles that have them. `panrb-ipp` has no zones, so its results are coloured by grade (docs/contract.md,
// "Profiles"). Shared by the results pages, the report card and the public page.

import { h } from '../dom.js';
import { locale, t } from '../i18n.js';

export const ZONES = ['green', 'yellow', 'red'];
export const IPP_GRADES = ['A', 'A-', 'B', 'B-', 'C', 'C-', 'D', 'E', 'F'];
export const UNSCORED = 'none';

const ZONE_COLOURS = { green: '#1e8e4e', yellow: '#d9a400', red: '#c0392b', [UNSCORED]: '#8a94a3' };
// From green to red through yellow, one colour per IPP predicate.
const GRADE_COLOURS = {
  A: '#0b6b3a', 'A-': '#1e8e4e', B: '#5aa83c', 'B-': '#a3b72b', C: '#d9a400', 'C-': '#e07f1f', D: '#d35400',
  E: '#c0392b', F: '#8e1b12',
};

/** "80.99" (the API's decimal string) → "80,99" in Indonesian, always two decimals; null → "–". */
export function formatScore(value, digits = 2) {
  if (value === null || value === undefined || value === '') return '–';
  const number = Number(value);
  if (!Number.isFinite(number)) return '–';
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits })
    .format(number);
}

export function gradeSlug(grade) {
  return String(grade).toLowerCase().replace('-', '-minus');
}

/** The category a result is counted and coloured by: its zone, or its grade where the profile has no zones. */
export function categoryOf(result) {
  if (!result || result.score === null || result.score === undefined) return UNSCORED;
  return result.zone || result.grade || UNSCORED;
}

/** Categories of a profile kind ("zones", "grades", "ipp"), best first, then "not scored yet". */
export function categoriesFor(profileKind) {
  const keys = profileKind === 'ipp' ? IPP_GRADES : ZONES;
  return [...keys, UNSCORED].map((key) => ({ key, label: categoryLabel(key), className: categoryClass(key) }));
}

export function categoryLabel(key) {
  if (key === UNSCORED) return t('results.unscored');
  return ZONES.includes(key) ? t(`zone.${key}`) : key;
}

export function categoryClass(key) {
  if (key === UNSCORED) return 'cat-none';
  return ZONES.includes(key) ? `cat-${key}` : `cat-grade-${gradeSlug(key)}`;
}

export function categoryColour(key) {
  return ZONE_COLOURS[key] || GRADE_COLOURS[key] || ZONE_COLOURS[UNSCORED];
}

export function zoneBadge(zone) {
  if (!zone) return h('span', { class: 'zone zone-none' }, t('results.unscored_short'));
  return h('span', { class: `zone zone-${zone}`, dataset: { zone } }, t(`zone.${zone}`));
}

export function gradeBadge(grade) {
  if (!grade) return null;
  return h('span', { class: `grade grade-${gradeSlug(grade)}`, dataset: { grade } }, grade);
}

/** The badges of one result: zone (when the profile has zones), grade, and the IPP index. */
export function resultBadges(result, profileKind) {
  if (!result || result.score === null || result.score === undefined) {
    return h('span', { class: 'result-badges' }, zoneBadge(null));
  }
  return h('span', { class: 'result-badges' },
    profileKind === 'ipp' ? null : zoneBadge(result.zone),
    gradeBadge(result.grade),
    result.index !== null && result.index !== undefined
      ? h('span', { class: 'ipp-index', title: t('results.index') }, formatScore(result.index)) : null);
}

/** The profile's own name for the result ("kepatuhan tinggi", "baik dengan catatan"), in the current language. */
export function resultLabel(result, language) {
  return result?.label ? (result.label[language] || result.label.id) : '';
}

/** Counts per category of `results` (units, usually), with every category present. */
export function countByCategory(results, profileKind) {
  const counts = Object.fromEntries(categoriesFor(profileKind).map((c) => [c.key, 0]));
  for (const result of results) {
    const key = categoryOf(result);
    counts[key] = (counts[key] || 0) + 1;
  }
  return counts;
}
