// What a visit needs and what it sends: relevance, completeness, progress and the visit document of the sync
// contract. Pure functions on plain values (the visit record, its photo records, the instrument document).

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
    if (needsPhoto(indicator, answer) && !photoCount[indicator.id]) missing.push({ indicator: indicator.id, kind: 'photo' });
  }
  return missing;
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
