// What the review pages share: status and flag badges, and the queue a supervisor came from (its filters and the
// order of its visits), kept in sessionStorage so the visit page can go back to it or on to the next visit.

import { openingHoursText } from '../components/opening-hours.js';
import { h } from '../dom.js';
import { formatNumber, hasString, t } from '../i18n.js';
import { localStampText } from '../times.js';
import { badge } from './common.js';

export const VISIT_STATUSES = ['submitted', 'approved', 'returned', 'rejected', 'incomplete'];
const STATUS_TONES = {
  submitted: 'info', approved: 'success', returned: 'warning', rejected: 'danger', incomplete: 'neutral',
};
export const SEVERITIES = ['critical', 'warning', 'info'];
// The severity a flag code usually has, for the filter chips (the counts carry codes only); rows carry their own.
const USUAL_SEVERITY = {
  'geo.outside': 'critical', 'photo.reused': 'critical', 'photo.no_exif': 'info',
};
export const STRENGTHS = ['weak', 'doubtful', 'sound'];
const STRENGTH_TONES = { weak: 'danger', doubtful: 'warning', sound: 'success' };
const QUEUE_KEY = 'sidak.console.review-queue';

export function visitStatusBadge(status) {
  return h('span', { class: `badge badge-${STATUS_TONES[status] || 'neutral'}`, dataset: { status } },
    t(`visit.status.${status}`));
}

export function flagLabel(code) {
  return hasString(`flag.${code}`) ? t(`flag.${code}`) : code;
}

export function usualSeverity(code) {
  return USUAL_SEVERITY[code] || 'warning';
}

/** A coloured chip for a flag: its short name, its severity (in words, for screen readers), and how many. */
export function flagChip(code, severity, count = 1) {
  return h('span', {
    class: `flag-chip flag-${severity}`, dataset: { flag: code, severity },
    title: `${flagLabel(code)} — ${t(`severity.${severity}`)}`,
  },
  h('span', { class: 'flag-dot', 'aria-hidden': 'true' }),
  flagLabel(code),
  count > 1 ? h('span', { class: 'flag-count' }, `×${count}`) : null,
  h('span', { class: 'visually-hidden' }, ` (${t(`severity.${severity}`)})`));
}

export function severityBadge(severity) {
  return badge(t(`severity.${severity}`), { critical: 'danger', warning: 'warning', info: 'neutral' }[severity]);
}

/** "35 menit", "1 jam 5 menit", "45 detik", "3 hari 4 jam" (from two days on: a photo taken last month). */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return t('duration.seconds', { s: total });
  const minutes = Math.round(total / 60);
  if (minutes < 60) return t('duration.minutes', { m: minutes });
  const hours = Math.round(minutes / 60);
  if (hours >= 48) return t('duration.days', { d: formatNumber(Math.floor(hours / 24)), h: hours % 24 });
  return t('duration.hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

export function formatDistance(metres) {
  if (metres === null || metres === undefined || !Number.isFinite(metres)) return '–';
  if (metres >= 1000) return t('distance.km', { km: formatNumber(metres / 1000, 1) });
  return t('distance.m', { m: Math.round(metres) });
}

/**
 * What was measured for a flag, worded in the console's language from the flag's facts, other visits as links.
 * A flag computed before its facts were kept shows the server's detail (in English) instead.
 */
export function flagMeasurement(flag) {
  const words = flag.facts ? MEASUREMENTS[flag.code] : undefined;
  return words ? words(flag.facts) : [flag.detail || ''];
}

const MEASUREMENTS = {
  'geo.outside': (f) => [f.positions === 0 ? t('facts.no_positions') : t('facts.geo.outside', distances(f))],
  'geo.inaccurate': (f) => [t('facts.geo.inaccurate', {
    accuracy: formatDistance(f.accuracy_m), limit: formatDistance(f.limit_m) })],
  'photo.far': (f) => [t(`facts.photo.far.${f.source}`, distances(f))],
  'photo.time': (f) => [t(`facts.photo.time.${f.side}`, {
    at: localStampText(f.taken_at), source: t(`facts.source.${f.source}`), gap: formatDuration(f.gap_s),
    tolerance: formatDuration(f.tolerance_s),
  })],
  'photo.reused': reuseMeasurement,
  'photo.no_exif': () => [t('facts.photo.no_exif')],
  'photo.unreadable': () => [t('facts.photo.unreadable')],
  'visit.too_fast': tooFastMeasurement,
  'visit.impossible_travel': travelMeasurement,
  'photo.duplicate_in_visit': (f) => [t(`facts.photo.duplicate_in_visit.${f.kind}`, {
    first: f.indicators[0], second: f.indicators[1], distance: f.distance, limit: f.limit })],
  'geo.mocked': (f) => [t('facts.geo.mocked'), ' ',
    ...listed(f.signals.map(mockedSignalWords), '; '), '.'],
  'visit.outside_window': (f) => [f.reasons.map((reason) => t(`facts.visit.outside_window.${reason.reason}`,
    windowReasonWords(reason))).join(' ')],
  'visit.late_sync': (f) => [t('facts.visit.late_sync', {
    delay: formatDuration(f.delay_s), limit: formatDuration(f.limit_s) })],
  'visit.incomplete_answers': (f) => [t('facts.visit.incomplete_answers', {
    count: f.indicators.length, indicators: f.indicators.join(', ') })],
};

function tooFastMeasurement(f) {
  const words = {
    duration: formatDuration(f.duration_s), count: f.answered, photos: f.photos ?? 0,
    expected: formatDuration(f.expected_s), per: formatNumber(f.per_indicator_s),
    span: formatDuration(f.evidence_span_s), half: formatDuration(f.expected_s / 2),
  };
  // A flag stored before the pace was measured has neither photos nor a reason.
  if (f.reason === 'pace') return [t('facts.visit.too_fast.pace', words)];
  if (f.reason === 'duration') {
    const pace = f.evidence_span_s === undefined ? '' : ` ${t('facts.visit.too_fast.span', words)}`;
    return [t('facts.visit.too_fast.duration', words) + pace];
  }
  return [t('facts.visit.too_fast', words)];
}

function travelMeasurement(f) {
  const side = t(`facts.visit.impossible_travel.${f.other_side}`);
  if (f.kind === 'overlap') {
    return [t('facts.visit.impossible_travel.overlap_before', { side }), ' ', visitLink(f.other_visit_id), ' ',
      t('facts.visit.impossible_travel.overlap', { overlap: formatDuration(f.overlap_s) })];
  }
  return [t('facts.visit.impossible_travel.speed_before', { side }), ' ', visitLink(f.other_visit_id), ' ',
    t('facts.visit.impossible_travel.speed', {
      distance: formatDistance(f.distance_m), gap: formatDuration(f.gap_s),
      speed: f.speed_kmh === null ? '∞' : formatNumber(f.speed_kmh), limit: formatNumber(f.limit_kmh),
    })];
}

function mockedSignalWords(signal) {
  const words = t(`facts.geo.mocked.${signal.signal}`, {
    positions: signal.positions, span: formatDuration(signal.span_s), accuracy: formatNumber(signal.accuracy_m),
    intervals: signal.intervals, interval: formatNumber(signal.interval_s), matched: signal.matched,
    compared: signal.compared,
  });
  return signal.signal === 'replayed' ? [words, ' ', visitLink(signal.visit_id)] : [words];
}

/** The visit's evidence in one line: how strong it is, and the flags that make it so, most severe first. */
export function evidenceLine(evidence) {
  const strength = h('span', {
    class: `badge badge-${STRENGTH_TONES[evidence.strength] || 'neutral'}`, dataset: { strength: evidence.strength },
  }, t(`evidence.${evidence.strength}`));
  const why = evidence.reasons.length
    ? t('evidence.because', { flags: evidence.reasons.map(flagLabel).join(', ') })
    : t('evidence.no_doubts');
  return h('p', { class: 'evidence-line', dataset: { strength: evidence.strength } }, strength, ' ', why);
}

/** A reason's local times and opening hours as the console writes them (the server keeps them in its own form). */
function windowReasonWords(reason) {
  const bound = reason.reason === 'closed'
    ? openingHoursText(reason.bound) ?? reason.bound
    : localStampText(reason.bound);
  return { ...reason, at: localStampText(reason.at), bound };
}

function distances(f) {
  return {
    distance: formatDistance(f.distance_m),
    geofence: formatDistance(f.geofence_m),
    accuracy: formatDistance(f.accuracy_m),
  };
}

function reuseMeasurement(f) {
  const parts = [];
  if (f.same_file.length) {
    parts.push(t('facts.photo.reused.same_file'), ' ', ...listed(f.same_file.map(visitLink)), '.');
  }
  if (f.look_alike.length) {
    const matches = f.look_alike.map((match) => [visitLink(match.visit_id), ' ',
      t('facts.photo.reused.distance', { distance: match.distance, limit: f.limit })]);
    parts.push(parts.length ? ' ' : '', t('facts.photo.reused.look_alike'), ' ', ...listed(matches), '.');
  }
  return parts;
}

/** A link to another visit under review, labelled with the start of its id (enough to tell visits apart). */
function visitLink(visitId) {
  return h('a', { href: `#/review/${visitId}`, class: 'visit-link', title: visitId, dataset: { visit: visitId } },
    visitId.slice(0, 8));
}

function listed(items, separator = ', ') {
  return items.flatMap((item, index) => (index ? [separator, item] : [item]));
}

/** The query string of a queue's filters; an empty wave or status is kept, because it means "all" (not "default"). */
export function queueSearch(filters) {
  const params = new URLSearchParams();
  for (const name of ['wave', 'region', 'agency', 'status', 'flag', 'strongest', 'sort']) {
    const value = filters[name];
    if (value === undefined || value === null) continue;
    if (value === '' && !['wave', 'status'].includes(name)) continue;
    params.set(name, value);
  }
  if (filters.offset) params.set('offset', String(filters.offset));
  return params.toString();
}

export function rememberQueue(search, visitIds) {
  try {
    sessionStorage.setItem(QUEUE_KEY, JSON.stringify({ search, ids: visitIds }));
  } catch { /* storage full or blocked: the visit page falls back to the plain queue */ }
}

/** Where "back to the queue" and "next visit" lead from `visitId`. */
export function queueContext(visitId) {
  let saved;
  try { saved = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || 'null'); } catch { saved = null; }
  const search = saved?.search ?? '';
  const ids = Array.isArray(saved?.ids) ? saved.ids : [];
  const at = ids.indexOf(visitId);
  return {
    queueHref: search ? `#/review?${search}` : '#/review',
    nextId: at >= 0 ? (ids[at + 1] ?? null) : null,
    previousId: at > 0 ? ids[at - 1] : null,
  };
}

/** True when a key press belongs to a text field, a select or an open dialog rather than to a page shortcut. */
export function isTypingTarget(event) {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return true;
  if (document.querySelector('dialog[open]')) return true;
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}
