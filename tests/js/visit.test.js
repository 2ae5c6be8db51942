// The phone's visit rules (pwa/js/visit.js) on plain values: what blocks finishing, what is sent, and every change
// the capture screen makes to a visit.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  finishedVisit, isEditable, missingByDimension, missingItems, newPhoto, parseValue, photoWarnings, progress,
  reopenedVisit, STATE, unsentWork, visitDocument, withAnswer, withPosition,
} from '../../pwa/js/visit.js';
import { aPhoto, aVisit, answered, anInstrument } from './fakes.js';

const instrument = anInstrument();
const AT = '2026-12-08T09:20:00+07:00';
const complete = { A01: answered(true), A02: answered(3), B01: answered(false) };

describe('what blocks finishing', () => {
  test('a required answer and a required photo are each missing, in instrument order', () => {
    const missing = missingItems(aVisit({ answers: { A02: answered(1) } }), [], instrument);
    assert.deepEqual(missing, [
      { indicator: 'A01', kind: 'answer' }, { indicator: 'A01', kind: 'photo' }, { indicator: 'B01', kind: 'answer' },
    ]);
  });

  test('an indicator asked only after a yes is missing once that yes is given, with its photo', () => {
    const visit = aVisit({ answers: { ...complete, B01: answered(true) } });
    const missing = missingItems(visit, [aPhoto({ id: 'p1' })], instrument);
    assert.deepEqual(missing, [{ indicator: 'B02', kind: 'answer' }, { indicator: 'B02', kind: 'photo' }]);
  });

  test('"not applicable" answers an indicator and needs no photo', () => {
    const visit = aVisit({ answers: { ...complete, A01: { not_applicable: true, answered_at: AT } } });
    assert.deepEqual(missingItems(visit, [], instrument), []);
  });

  test('missing items by dimension name each indicator once with all it lacks, complete dimensions left out', () => {
    const missing = missingItems(aVisit({ answers: { B01: answered(false) } }), [], instrument);
    const groups = missingByDimension(missing, instrument);
    assert.deepEqual(groups.map(({ dimension, indicators }) => [dimension.id,
      indicators.map(({ indicator, kinds }) => [indicator.id, kinds])]), [
      ['A', [['A01', ['answer', 'photo']], ['A02', ['answer']]]],
    ]);
  });

  test('progress counts relevant answers and required photos', () => {
    const visit = aVisit({ answers: { A01: answered(true), B01: answered(true) } });
    assert.deepEqual(progress(visit, [aPhoto({ id: 'p1' })], instrument),
      { answered: 2, answers_total: 5, photos_done: 1, photos_total: 2 });
  });
});

describe('what an input becomes', () => {
  test('numbers take a decimal comma, and an empty or bad entry is no answer', () => {
    const number = { type: 'number' };
    assert.deepEqual(['2,5', ' 12 ', '', 'dua', 7].map((raw) => parseValue(number, raw)), [2.5, 12, undefined,
      undefined, 7]);
  });

  test('a scale answer is an integer from 0 to 3', () => {
    const scale = { type: 'scale_0_3' };
    assert.deepEqual(['0', '3', '4', '1.5', ''].map((raw) => parseValue(scale, raw)), [0, 3, undefined, undefined,
      undefined]);
  });
});

describe('the visit document', () => {
  test('leaves irrelevant answers at home, sends "not applicable" only where allowed, and trims notes', () => {
    const visit = aVisit({ answers: {
      A01: { not_applicable: true, note: '  tutup renovasi ', answered_at: AT },
      A02: { not_applicable: true, answered_at: AT },
      B01: answered(false),
      B02: answered(2), // asked only after B01 = yes
      B03: { value: 'Ramai', note: '   ', answered_at: AT },
    } });
    const document = visitDocument(visit, [], instrument);
    assert.deepEqual(document.answers, [
      { indicator: 'A01', answered_at: AT, not_applicable: true, note: 'tutup renovasi' },
      { indicator: 'B01', answered_at: '2026-12-08T09:10:00+07:00', value: false },
      { indicator: 'B03', answered_at: AT, value: 'Ramai' },
    ]);
  });

  test('declares photos oldest first with the phone\'s hash and position', () => {
    const photos = [aPhoto({ id: 'late', createdAt: '2026-12-08T03:00:00Z' }),
      aPhoto({ id: 'early', createdAt: '2026-12-08T02:00:00Z' })];
    const document = visitDocument(aVisit({ answers: complete }), photos, instrument);
    assert.deepEqual(document.photos.map((photo) => [photo.id, photo.sha256, photo.lat, photo.accuracy_m]),
      [['early', 'sha-early', -6.7, 12], ['late', 'sha-late', -6.7, 12]]);
  });
});

describe('changes the capture screen makes', () => {
  test('an answer records when it was given; a note alone does not move that time', () => {
    const visit = aVisit();
    const answeredVisit = withAnswer(visit, 'A01', { value: true, not_applicable: false }, AT);
    const noted = withAnswer(answeredVisit, 'A01', { note: 'Kursi 12' }, '2026-12-08T09:45:00+07:00');
    assert.deepEqual(noted.answers.A01, { value: true, not_applicable: false, answered_at: AT, note: 'Kursi 12' });
    assert.deepEqual(visit.answers, {}, 'the visit it was given is left as it was');
  });

  test('clearing a value removes it rather than storing undefined', () => {
    const visit = withAnswer(aVisit({ answers: { A02: answered(3) } }), 'A02', { value: undefined }, AT);
    assert.deepEqual(Object.keys(visit.answers.A02).sort(), ['answered_at']);
  });

  test('a position is kept when it is the first, ten seconds after the last, or clearly more accurate', () => {
    const sample = (at, accuracy_m) => ({ lat: -6.7, lon: 108.5, accuracy_m, at });
    let visit = aVisit();
    for (const next of [sample('2026-12-08T09:00:00+07:00', 30), sample('2026-12-08T09:00:05+07:00', 25),
      sample('2026-12-08T09:00:06+07:00', 12), sample('2026-12-08T09:00:20+07:00', 40)]) {
      visit = withPosition(visit, next);
    }
    assert.deepEqual(visit.positions.map((position) => position.accuracy_m), [30, 12, 40]);
  });

  test('a draft finishes with its finishing time and goes to the outbox', () => {
    const draft = aVisit({ answers: complete });
    draft.sync.last_error = { kind: 'network' };
    const finished = finishedVisit(draft, AT);
    assert.equal(finished.state, STATE.waiting);
    assert.equal(finished.finished_at, AT);
    assert.equal(finished.revision, 1);
    assert.equal(finished.sync.last_error, null);
    assert.equal(draft.state, STATE.draft);
  });

  test('a correction is sent as the revision after the returned one, keeping the first finishing time', () => {
    const returned = { ...aVisit({ state: STATE.returned, revision: 2, finishedAt: AT }), review_revision: 2 };
    const finished = finishedVisit(returned, '2026-12-09T10:00:00+07:00');
    assert.deepEqual([finished.state, finished.revision, finished.finished_at], [STATE.waiting, 3, AT]);
  });

  test('a visit already on its way cannot be finished again', () => {
    for (const state of [STATE.waiting, STATE.uploading, STATE.synced, STATE.refused]) {
      assert.equal(finishedVisit(aVisit({ state }), AT), null, state);
    }
  });

  test('a refused visit the server never accepted reopens as a draft; one with a receipt only sends again', () => {
    const neverAccepted = aVisit({ state: STATE.refused, finishedAt: AT });
    const reopened = reopenedVisit(neverAccepted);
    assert.deepEqual([reopened.state, reopened.finished_at], [STATE.draft, null]);
    const accepted = aVisit({ state: STATE.refused, finishedAt: AT });
    accepted.sync.receipt = { revision: 1, status: 'submitted' };
    assert.equal(reopenedVisit(accepted), null);
  });

  test('a refused correction reopens as the returned revision', () => {
    const correction = { ...aVisit({ state: STATE.refused, revision: 3 }), review_revision: 2 };
    correction.sync.receipt = { revision: 2, status: 'returned' };
    const reopened = reopenedVisit(correction);
    assert.deepEqual([reopened.state, reopened.revision, isEditable(reopened)], [STATE.returned, 2, true]);
  });

  test('a photo taken while correcting belongs to the next revision, with where the phone was', () => {
    const prepared = { blob: new Blob(['x']), thumb: null, sha256: 'abc', size: 1, content_type: 'image/jpeg',
      taken_at: AT, exif: {}, exif_taken_at: null, width: 1600, height: 1200 };
    const returned = aVisit({ state: STATE.returned, revision: 2 });
    const photo = newPhoto({ id: 'p9', visit: returned, indicatorId: 'A01', prepared, at: AT,
      position: { lat: -6.71, lon: 108.52, accuracy_m: 9 } });
    assert.deepEqual([photo.added_in_revision, photo.lat, photo.accuracy_m, photo.stored_at], [3, -6.71, 9, null]);
    const unplaced = newPhoto({ id: 'p10', visit: aVisit(), indicatorId: 'A01', prepared, at: AT, position: null });
    assert.deepEqual([unplaced.added_in_revision, unplaced.lat, unplaced.lon], [1, null, null]);
  });

  test('a photo whose camera time is outside the visit, or whose place is far from the unit, is pointed out', () => {
    const visit = aVisit();
    const now_ms = Date.parse('2026-12-08T09:30:00+07:00');
    const inside = { exif_taken_at: '2026-12-08T09:10:00+07:00', exif: { lat: -6.7005, lon: 108.5 } };
    const old = { exif_taken_at: '2022-08-14T14:12:31+03:00', exif: { lat: 43.46, lon: 11.88 } };
    assert.deepEqual(photoWarnings(inside, visit, visit.unit, now_ms), []);
    const warnings = photoWarnings(old, visit, visit.unit, now_ms);
    assert.deepEqual(warnings.map((warning) => warning.kind), ['time', 'place']);
    assert.ok(warnings[1].distance_m > 10_000_000);
  });
});

describe('unsent work', () => {
  test('counts every visit the server does not hold yet, the same way for every screen', () => {
    const visits = [STATE.draft, STATE.waiting, STATE.uploading, STATE.synced, STATE.refused, STATE.returned,
      STATE.draft].map((state, i) => aVisit({ id: `v${i}`, state }));
    assert.deepEqual(unsentWork(visits), { queued: 2, drafts: 2, refused: 1, returned: 1, total: 6 });
  });

  test('nothing is unsent when every visit is synced', () => {
    assert.equal(unsentWork([aVisit({ state: STATE.synced })]).total, 0);
    assert.equal(unsentWork([]).total, 0);
  });
});
