// What a visit needs and what it sends: relevance, completeness, progress and the visit document of the sync
// contract, and every change the capture screen makes to a visit (an answer, a position, a photo, finishing). Pure
// functions on plain values (the visit record, its photo records, the instrument document): a change returns a new
// record and leaves its argument as it was; the caller writes it (db.js) and draws it.

import { distance_m, isValidLatLon } from './util.js';

/** Local visit states; the outbox moves finished visits along them. */
export const STATE = Object.freeze({
  draft: 'draft', // being captured, not in the outbox
  waiting: 'waiting', // finished, queued for sending
  uploading: 'uploading', // the outbox is sending it now
  synced: 'synced', // the server holds the document and every photo
  returned: 'returned', // a supervisor sent it back for correction; editable
  refused: 'refused', // the server refused it (409/422/403…); shown, not retried blindly
});

export const MAX_POSITIONS = 4000; // the contract accepts 5000; leave room for a correction's additions

export function indicatorsOf(instrument) {
  return instrument.dimensions.flatMap((dimension) => dimension.indicators);
}

export function hasValue(answer) {
  if (!answer) return false;
  if (answer.not_applicable) return true;
  const { value } = answer;
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (typeof value === 'number') return Number.isFinite(value);
  return true;
}

/** An indicator with a `relevant` condition is asked only while the other indicator has the expected answer. */
export function isRelevant(indicator, answers) {
  const condition = indicator.relevant;
  if (!condition) return true;
  const answer = answers[condition.indicator];
  return Boolean(answer) && !answer.not_applicable && answer.value === condition.equals;
}

function needsPhoto(indicator, answer) {
  return indicator.photo === 'required' && !(answer && answer.not_applicable);
}

/** What still blocks finishing: `[{indicator, kind: 'answer' | 'photo'}]` in instrument order. */
export function missingItems(visit, photos, instrument) {
  const photoCount = countPhotosByIndicator(photos);
  const missing = [];
  for (const indicator of indicatorsOf(instrument)) {
    if (!isRelevant(indicator, visit.answers)) continue;
    const answer = visit.answers[indicator.id];
    if (indicator.required && !hasValue(answer)) missing.push({ indicator: indicator.id, kind: 'answer' });
    if (needsPhoto(indicator, answer) && !photoCount[indicator.id]) {
      missing.push({ indicator: indicator.id, kind: 'photo' });
    }
  }
  return missing;
}

/**
 * The missing items of `missingItems` by dimension, in instrument order, dimensions with nothing missing left out:
 * `[{dimension, indicators: [{indicator, kinds: ['answer', 'photo']}]}]` (an indicator once, with all it lacks).
 */
export function missingByDimension(missing, instrument) {
  const kindsOf = new Map();
  for (const item of missing) kindsOf.set(item.indicator, [...(kindsOf.get(item.indicator) || []), item.kind]);
  const groups = [];
  for (const dimension of instrument.dimensions) {
    const indicators = dimension.indicators
      .filter((indicator) => kindsOf.has(indicator.id))
      .map((indicator) => ({ indicator, kinds: kindsOf.get(indicator.id) }));
    if (indicators.length) groups.push({ dimension, indicators });
  }
  return groups;
}

export function countPhotosByIndicator(photos) {
  const counts = {};
  for (const photo of photos) counts[photo.indicator] = (counts[photo.indicator] || 0) + 1;
  return counts;
}

/** `{answered, answers_total, photos_done, photos_total}` over relevant indicators (required ones for photos). */
export function progress(visit, photos, instrument) {
  const photoCount = countPhotosByIndicator(photos);
  const result = { answered: 0, answers_total: 0, photos_done: 0, photos_total: 0 };
  for (const indicator of indicatorsOf(instrument)) {
    if (!isRelevant(indicator, visit.answers)) continue;
    const answer = visit.answers[indicator.id];
    result.answers_total += 1;
    if (hasValue(answer)) result.answered += 1;
    if (needsPhoto(indicator, answer)) {
      result.photos_total += 1;
      if (photoCount[indicator.id]) result.photos_done += 1;
    }
  }
  return result;
}

/** True when the indicator needs nothing more (its answer and, if required, a photo). */
export function isIndicatorComplete(indicator, visit, photos) {
  const answer = visit.answers[indicator.id];
  if (indicator.required && !hasValue(answer)) return false;
  if (needsPhoto(indicator, answer) && !photos.some((photo) => photo.indicator === indicator.id)) return false;
  return true;
}

/** The answer value an input produced, typed as the contract wants it, or undefined when empty/invalid. */
export function parseValue(indicator, raw) {
  switch (indicator.type) {
    case 'yes_no':
      return raw === 'true' || raw === true ? true : raw === 'false' || raw === false ? false : undefined;
    case 'scale_0_3': {
      const n = Number(raw);
      return Number.isInteger(n) && n >= 0 && n <= 3 && raw !== '' ? n : undefined;
    }
    case 'number': {
      if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
      const text = String(raw ?? '').trim().replace(',', '.');
      if (text === '') return undefined;
      const n = Number(text);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'choice':
      return (indicator.choices || []).some((choice) => choice.value === raw) ? raw : undefined;
    case 'text':
      return typeof raw === 'string' && raw.trim() !== '' ? raw : undefined;
    default:
      return undefined;
  }
}

/** The visit document of the sync contract (PUT /api/visits/{id}). Irrelevant indicators' answers stay home. */
export function visitDocument(visit, photos, instrument) {
  const answers = [];
  for (const indicator of indicatorsOf(instrument)) {
    const answer = visit.answers[indicator.id];
    if (!hasValue(answer) || !isRelevant(indicator, visit.answers)) continue;
    const sent = { indicator: indicator.id, answered_at: answer.answered_at };
    if (answer.not_applicable && indicator.allow_na) sent.not_applicable = true;
    else if (answer.not_applicable) continue;
    else sent.value = answer.value;
    const note = (answer.note || '').trim();
    if (note) sent.note = note;
    answers.push(sent);
  }
  return {
    assignment_id: visit.assignment_id,
    revision: visit.revision,
    started_at: visit.started_at,
    finished_at: visit.finished_at,
    positions: visit.positions.slice(0, 5000),
    answers,
    photos: photos
      .slice()
      .sort((a, b) => (a.created_at || '').localeCompare(b.created_at || ''))
      .map(photoDeclaration),
  };
}

function photoDeclaration(photo) {
  const declared = {
    id: photo.id,
    indicator: photo.indicator,
    sha256: photo.sha256,
    size: photo.size,
    content_type: photo.content_type,
    taken_at: photo.taken_at,
  };
  if (photo.lat != null && photo.lon != null) {
    declared.lat = photo.lat;
    declared.lon = photo.lon;
    if (photo.accuracy_m != null) declared.accuracy_m = photo.accuracy_m;
  }
  return declared;
}

/** The visit record the phone keeps, from a document the server returned for correction. */
export function visitFromServer({ item, userId, assignment }) {
  const document = item.document;
  const answers = {};
  for (const answer of document.answers || []) {
    answers[answer.indicator] = {
      value: answer.value ?? undefined,
      not_applicable: Boolean(answer.not_applicable),
      note: answer.note || '',
      answered_at: answer.answered_at,
    };
  }
  const now = new Date().toISOString();
  const visit = {
    id: String(item.id),
    assignment_id: String(item.assignment_id || document.assignment_id),
    user_id: userId,
    instrument: { ...assignment.instrument },
    unit: { ...assignment.unit },
    revision: item.revision,
    started_at: document.started_at,
    finished_at: document.finished_at,
    positions: document.positions || [],
    answers,
    state: STATE.returned,
    sync: { receipt: stripReview(item), photos_done: 0, photos_total: 0, last_error: null, server_status: item.status },
    review: item.review || null,
    review_revision: item.revision, // the revision the supervisor returned; a correction is this + 1
    is_restored: true,
    created_at: now,
    updated_at: now,
  };
  const photos = (document.photos || []).map((photo) => ({
    id: String(photo.id),
    visit_id: visit.id,
    indicator: photo.indicator,
    blob: null,
    thumb: null,
    sha256: photo.sha256,
    size: photo.size,
    content_type: photo.content_type,
    taken_at: photo.taken_at,
    lat: photo.lat ?? null,
    lon: photo.lon ?? null,
    accuracy_m: photo.accuracy_m ?? null,
    position_source: null,
    exif: null,
    created_at: photo.taken_at,
    stored_at: now,
  }));
  return { visit, photos };
}

function stripReview(item) {
  return {
    id: item.id, revision: item.revision, status: item.status,
    missing_photos: item.missing_photos || [], flags: item.flags || [],
  };
}

// ---- changes the capture screen makes ------------------------------------------------------------------------

/** True while the surveyor may change the visit: being captured, or returned for correction. */
export function isEditable(visit) {
  return visit.state === STATE.draft || visit.state === STATE.returned;
}

/**
 * The visit with one indicator's answer changed by `change` (`value`, `not_applicable`, `note`; a `value` of
 * undefined clears it). `answered_at` records when the answer itself last changed, not its note.
 */
export function withAnswer(visit, indicatorId, change, at) {
  const answer = { ...visit.answers[indicatorId], ...change };
  if ('value' in change || 'not_applicable' in change) answer.answered_at = at;
  if (answer.value === undefined) delete answer.value;
  return { ...visit, answers: { ...visit.answers, [indicatorId]: answer } };
}

/** The visit with a position sample added when it is worth keeping (`shouldKeepPosition`), else the same visit. */
export function withPosition(visit, sample) {
  if (!shouldKeepPosition(visit.positions, sample)) return visit;
  return { ...visit, positions: [...visit.positions, sample] };
}

/**
 * The record of a photo just taken for an indicator: what photo.js prepared, and where the phone was (`position`,
 * null when unknown). A photo taken while correcting belongs to the revision being made.
 */
export function newPhoto({ id, visit, indicatorId, prepared, position, at }) {
  return {
    id,
    visit_id: visit.id,
    indicator: indicatorId,
    blob: prepared.blob,
    thumb: prepared.thumb,
    sha256: prepared.sha256,
    size: prepared.size,
    content_type: prepared.content_type,
    taken_at: prepared.taken_at,
    lat: position ? position.lat : null,
    lon: position ? position.lon : null,
    accuracy_m: position ? position.accuracy_m : null,
    exif: prepared.exif,
    exif_taken_at: prepared.exif_taken_at,
    width: prepared.width,
    height: prepared.height,
    created_at: at,
    stored_at: null,
    added_in_revision: visit.revision + (visit.state === STATE.returned ? 1 : 0),
  };
}

const PHOTO_TIME_TOLERANCE_MS = 15 * 60_000;
const PHOTO_PLACE_TOLERANCE_M = 100;

/**
 * What the surveyor should know about a photo just prepared, as the reviewer will see it: `{kind: 'time', at}` when
 * the camera's own time is outside the visit (15 min either way), `{kind: 'place', distance_m}` when the camera's
 * own position is well outside the unit's geofence.
 */
export function photoWarnings(prepared, visit, unit, now_ms) {
  const warnings = [];
  if (prepared.exif_taken_at) {
    const taken_ms = Date.parse(prepared.exif_taken_at);
    const from_ms = Date.parse(visit.started_at) - PHOTO_TIME_TOLERANCE_MS;
    if (taken_ms < from_ms || taken_ms > now_ms + PHOTO_TIME_TOLERANCE_MS) {
      warnings.push({ kind: 'time', at: prepared.exif_taken_at });
    }
  }
  const { lat, lon } = prepared.exif || {};
  if (isValidLatLon(lat, lon) && isValidLatLon(unit.lat, unit.lon)) {
    const far_m = distance_m({ lat, lon }, unit);
    if (far_m > (unit.geofence_m || 0) + PHOTO_PLACE_TOLERANCE_M) warnings.push({ kind: 'place', distance_m: far_m });
  }
  return warnings;
}

/**
 * The visit finished and queued for the outbox: a draft with its finishing time, a correction as the revision after
 * the returned one. Null when the visit is in no state to finish (already finished elsewhere, e.g. another tab).
 */
export function finishedVisit(visit, at) {
  const queued = { ...visit, state: STATE.waiting, sync: { ...visit.sync, last_error: null, photos_done: 0 } };
  if (visit.state === STATE.draft) return { ...queued, finished_at: at };
  if (visit.state === STATE.returned) return { ...queued, revision: (visit.review_revision || visit.revision) + 1 };
  return null;
}

/** The editable state a refused visit can go back to, or null when only "send again" makes sense. */
export function editStateAfterRefusal(visit) {
  if (visit.state !== STATE.refused) return null;
  if (!visit.sync.receipt) return STATE.draft; // the server never accepted this document
  if (visit.review_revision && visit.revision > visit.review_revision) return STATE.returned;
  return null;
}

/** A refused visit open for changes again (`editStateAfterRefusal`), or null when it cannot be. */
export function reopenedVisit(visit) {
  const state = editStateAfterRefusal(visit);
  if (state === STATE.draft) return { ...visit, state, finished_at: null, sync: { ...visit.sync, last_error: null } };
  if (state === STATE.returned) {
    return { ...visit, state, revision: visit.review_revision, sync: { ...visit.sync, last_error: null } };
  }
  return null;
}

/**
 * What of the surveyor's work the server does not hold yet, counted one way for every screen: `queued` (finished,
 * sent by the outbox by itself), `drafts` (not finished), `refused` (the server refused them; the surveyor must act)
 * and `returned` (sent back for correction, not corrected yet); `total` is their sum.
 */
export function unsentWork(visits) {
  const count = (...states) => visits.filter((visit) => states.includes(visit.state)).length;
  const work = {
    queued: count(STATE.waiting, STATE.uploading),
    drafts: count(STATE.draft),
    refused: count(STATE.refused),
    returned: count(STATE.returned),
  };
  return { ...work, total: work.queued + work.drafts + work.refused + work.returned };
}

/** Keeps a position sample when it is the first, 10 s after the last kept one, or clearly more accurate. */
export function shouldKeepPosition(positions, sample) {
  if (positions.length >= MAX_POSITIONS) return false;
  const last = positions[positions.length - 1];
  if (!last) return true;
  const elapsed_ms = Date.parse(sample.at) - Date.parse(last.at);
  return elapsed_ms >= 10_000 || sample.accuracy_m < last.accuracy_m * 0.7;
}

/** The most accurate position of a visit, or null. */
export function bestPosition(positions) {
  let best = null;
  for (const position of positions) if (!best || position.accuracy_m < best.accuracy_m) best = position;
  return best;
}
