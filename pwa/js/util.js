// Small pure helpers shared by the modules: ids, RFC 3339 times, distances.

/** A random UUID made on the phone (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function newUuid() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const pad = (n, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

/** RFC 3339 in the phone's own offset, e.g. 2026-11-29T15:04:05+07:00 (reviewers read local times). */
export function isoWithOffset(date = new Date()) {
  const offset_min = -date.getTimezoneOffset();
  const sign = offset_min >= 0 ? '+' : '-';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
    + `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `${sign}${pad(offset_min / 60)}:${pad(offset_min % 60)}`;
}

/**
 * EXIF "2022:08:14 14:12:31" (+ OffsetTimeOriginal "+03:00" when the camera wrote one) as RFC 3339. Without an
 * offset the time is taken in the phone's zone: the camera of this phone writes this phone's local time.
 */
export function exifTimeToIso(dateTime, offset) {
  const match = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(String(dateTime || ''));
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  if (y < 1990 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  if (offset && /^[+-]\d{2}:\d{2}$/.test(offset)) {
    return `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}${offset}`;
  }
  const local = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(local.getTime()) ? null : isoWithOffset(local);
}

const EARTH_RADIUS_M = 6_371_008.8;
const radians = (deg) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine); good to a few metres at the scale of a geofence. */
export function distance_m(a, b) {
  const dLat = radians(b.lat - a.lat);
  const dLon = radians(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function isValidLatLon(lat, lon) {
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180
    && !(lat === 0 && lon === 0);
}
