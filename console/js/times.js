// The moments of a visit read in its unit's own time zone, named as Indonesia names them (WIB, WITA, WIT), whatever
// the zone of the browser that shows them: a visit started at 10.29 WIB reads "10.29 WIB" in Jakarta and in a UTC
// browser alike, next to opening hours that are local too. Times typed for a unit (an assignment's window) are read
// in its zone the same way. A unit's zone is its region's (an IANA name such as Asia/Makassar).

import { formatDate, locale, t } from './i18n.js';

// Asia/Pontianak keeps western time; Asia/Ujung_Pandang is Makassar's older name.
const INDONESIAN_ZONES = {
  'Asia/Jakarta': 'WIB', 'Asia/Pontianak': 'WIB',
  'Asia/Makassar': 'WITA', 'Asia/Ujung_Pandang': 'WITA',
  'Asia/Jayapura': 'WIT',
};

/** `timeZone` when this browser knows it, else undefined (the browser's own zone). */
function knownZone(timeZone) {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}

/** "WIB", "WITA", "WIT"; for a zone outside Indonesia the browser's short name ("GMT+9"). */
export function zoneName(timeZone, at = new Date()) {
  if (INDONESIAN_ZONES[timeZone]) return INDONESIAN_ZONES[timeZone];
  const zone = knownZone(timeZone);
  const part = new Intl.DateTimeFormat(locale(), { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(at).find((piece) => piece.type === 'timeZoneName');
  return part ? part.value : '';
}

function formatIn(iso, timeZone, options, { named = true } = {}) {
  if (!iso) return '–';
  const at = new Date(iso);
  const zone = knownZone(timeZone);
  const text = new Intl.DateTimeFormat(locale(), { ...options, timeZone: zone }).format(at);
  return named && zone ? `${text} ${zoneName(zone, at)}` : text;
}

/** "5 Jul 2019, 10.29 WIB" (Indonesian) / "5 Jul 2019, 10:29 WIB" (English). */
export function formatDateTimeIn(iso, timeZone) {
  return formatIn(iso, timeZone, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "10.29 WIB". */
export function formatTimeIn(iso, timeZone) {
  return formatIn(iso, timeZone, { timeStyle: 'short' });
}

/** "5 Jul 2019" as the calendar reads in the zone (a visit that finished at 06.30 WIB is on that day, not the one
 * before). */
export function formatDateIn(iso, timeZone) {
  return formatIn(iso, timeZone, { dateStyle: 'medium' }, { named: false });
}

/** "5 Jul, 10.29 WIB": the queue's short form, with the year only when it is not this year's. */
export function formatShortDateTimeIn(iso, timeZone) {
  const zone = knownZone(timeZone);
  const yearOf = (date) => new Intl.DateTimeFormat('en', { timeZone: zone, year: 'numeric' }).format(date);
  const isThisYear = yearOf(new Date(iso)) === yearOf(new Date());
  return formatIn(iso, timeZone, { day: 'numeric', month: 'short', year: isThisYear ? undefined : 'numeric',
    hour: '2-digit', minute: '2-digit' });
}

/** "5 Jul 2019, 10.29 – 11.23 WIB" within a day; both dates in full when the span crosses midnight in the zone. */
export function formatSpanIn(startIso, endIso, timeZone) {
  if (!startIso || !endIso) return `${formatDateTimeIn(startIso, timeZone)} – ${formatDateTimeIn(endIso, timeZone)}`;
  const sameDay = formatDateIn(startIso, timeZone) === formatDateIn(endIso, timeZone);
  const start = formatIn(startIso, timeZone, { dateStyle: 'medium', timeStyle: 'short' }, { named: false });
  return `${start} – ${sameDay ? formatTimeIn(endIso, timeZone) : formatDateTimeIn(endIso, timeZone)}`;
}

/**
 * "2019-07-05 06:50 WIB", a local time the server wrote into a flag's facts → "5 Jul 2019, 06.50 WIB"; any other text
 * as it is.
 */
export function localStampText(stamp) {
  const found = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2})(?: (\S+))?$/.exec(stamp || '');
  if (!found) return stamp;
  const [, date, hour, minute, zone] = found;
  return `${formatDate(date)}, ${t('hours.time', { h: hour, m: minute })}${zone ? ` ${zone}` : ''}`;
}

/** Minutes the zone is ahead of UTC at `at` (+420 for WIB). */
function offsetMinutes(timeZone, at) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(at).map((piece) => [piece.type, piece.value]));
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/**
 * "2025-05-01T08:00" typed in a datetime-local box for a unit in `timeZone` → "2025-05-01T08:00:00+07:00"; with no
 * zone known, the browser's own offset.
 */
export function zonedInputToIso(value, timeZone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || '');
  if (!match) return null;
  const [year, month, day, hour, minute, second = '00'] = match.slice(1);
  const wallAsUtc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute),
    Number(second));
  const zone = knownZone(timeZone);
  let offset;
  if (zone) {
    // The offset at the guessed instant, checked once more at the instant it gives (a zone that changes its clocks).
    offset = offsetMinutes(zone, new Date(wallAsUtc));
    offset = offsetMinutes(zone, new Date(wallAsUtc - offset * 60_000));
  } else {
    offset = -new Date(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute)).getTimezoneOffset();
  }
  const pad = (n) => String(n).padStart(2, '0');
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
