// Fakes of what the phone's outbox works through, for its module tests in Node: db.js kept in memory (records are
// copied in and out, as IndexedDB does, so the code under test cannot change what is stored by reference), a small
// server keeping the sync contract's receipts (pwa/README.md, "The sync contract"), and the session.

import { NetworkError, ProblemError } from '../../pwa/js/api.js';
import { SignInRequired } from '../../pwa/js/session.js';
import { STATE } from '../../pwa/js/visit.js';

const copy = (value) => (value === undefined ? undefined : structuredClone(value));

/** db.js's functions the outbox calls, over Maps. */
export class MemoryStore {
  constructor() {
    this.meta = new Map();
    this.visits = new Map();
    this.photos = new Map();
    this.instruments = new Map();
  }

  async getMeta(key) { return copy(this.meta.get(key)); }

  async setMeta(key, value) { this.meta.set(key, copy(value)); }

  async getInstrument(key, version) { return copy(this.instruments.get(`${key}@${version}`)); }

  async putInstrument(document) { this.instruments.set(`${document.key}@${document.version}`, copy(document)); }

  async createVisit(visit) { this.visits.set(visit.id, copy(visit)); }

  async getVisit(id) { return copy(this.visits.get(id)); }

  async listVisits(userId) { return [...this.visits.values()].filter((visit) => visit.user_id === userId).map(copy); }

  async updateVisit(id, change) {
    const stored = copy(this.visits.get(id));
    if (!stored) throw new Error(`no visit ${id}`);
    const changed = change(stored);
    if (changed === null) return stored;
    const visit = { ...(changed || stored), updated_at: new Date().toISOString() };
    this.visits.set(id, copy(visit));
    return visit;
  }

  async addPhoto(photo) { this.photos.set(photo.id, copy(photo)); }

  async getPhoto(id) { return copy(this.photos.get(id)); }

  async listPhotos(visitId) {
    return [...this.photos.values()].filter((photo) => photo.visit_id === visitId).map(copy);
  }

  /** As db.js: every photo the receipt no longer lists as missing is on the server, so its Blob goes. */
  async applyReceipt(visitId, receipt, mutate) {
    const missing = new Set(receipt.missing_photos.map(String));
    for (const photo of this.photos.values()) {
      if (photo.visit_id !== visitId || missing.has(photo.id) || photo.stored_at) continue;
      photo.stored_at = new Date().toISOString();
      photo.blob = null;
    }
    return this.updateVisit(visitId, (visit) => { mutate(visit); });
  }
}

/**
 * The server's side of the sync contract, in memory: PUT a visit document (new, identical replay, conflicting
 * replay, next revision while returned) and PUT its photos; each answer is a receipt. `failNext(...)` makes the next
 * requests fail the way a link or a server does. `requests` records what reached it ('visit 1', 'photo p1').
 */
export class FakeServer {
  constructor() {
    this.visits = new Map(); // id → {revision, document, status, photos: Set of stored ids}
    this.requests = [];
    this.failures = [];
  }

  /**
   * The next request: 'lost on the way' (never reaches the server), 'answer lost' (stored, the answer never comes
   * back), or an Error the server answers with instead (a ProblemError).
   */
  failNext(...failures) {
    this.failures.push(...failures);
  }

  /** A supervisor returns the visit for correction. */
  returnVisit(id) {
    this.visits.get(id).status = 'returned';
  }

  async putVisit(token, id, document) {
    return this.#handle(`visit ${document.revision}`, () => this.#storeVisit(id, document));
  }

  async putPhoto(token, visitId, photoId, blob) {
    return this.#handle(`photo ${photoId}`, () => {
      const stored = this.visits.get(visitId);
      if (!stored || !stored.document.photos.some((photo) => photo.id === photoId)) {
        throw new ProblemError(404, { code: 'photo.undeclared', detail: 'No such photo is declared.' });
      }
      if (!(blob instanceof Blob)) throw new Error('a photo is sent as its Blob');
      stored.photos.add(photoId);
      if (stored.status === 'incomplete' && !this.#missing(stored).length) stored.status = 'submitted';
      return this.#receipt(visitId);
    });
  }

  async #handle(request, body) {
    const failure = this.failures.shift();
    if (failure === 'lost on the way') throw new NetworkError('unreachable');
    if (failure instanceof Error) throw failure;
    this.requests.push(request);
    const answer = body();
    if (failure === 'answer lost') throw new NetworkError('unreachable');
    return answer;
  }

  #storeVisit(id, document) {
    const stored = this.visits.get(id);
    if (stored && stored.revision === document.revision) {
      if (JSON.stringify(stored.document) !== JSON.stringify(document)) {
        throw new ProblemError(409, { code: 'visit.conflict', detail: 'Another version of this visit is stored.' });
      }
      return { status: 200, receipt: this.#receipt(id) };
    }
    if (stored && !(stored.status === 'returned' && document.revision === stored.revision + 1)) {
      throw new ProblemError(409, { code: 'visit.conflict', detail: 'This revision cannot be accepted.' });
    }
    const photos = stored ? stored.photos : new Set();
    const entry = { revision: document.revision, document: structuredClone(document), photos, status: 'incomplete' };
    this.visits.set(id, entry);
    if (!this.#missing(entry).length) entry.status = 'submitted';
    return { status: stored ? 200 : 201, receipt: this.#receipt(id) };
  }

  #missing(stored) {
    return stored.document.photos.map((photo) => photo.id).filter((photoId) => !stored.photos.has(photoId));
  }

  #receipt(id) {
    const stored = this.visits.get(id);
    return { id, revision: stored.revision, status: stored.status, missing_photos: this.#missing(stored), flags: [] };
  }
}

/** A signed-in surveyor whose tokens the server accepts, or (`signedOut`) whose refresh token it no longer does. */
export function aSession({ userId = 'u1', signedOut = false } = {}) {
  return {
    user: { id: userId, username: 'surveyor1' },
    needsSignIn: false,
    async call(request) {
      if (signedOut) throw new SignInRequired();
      return request('access-token');
    },
  };
}

// ---- records, as the phone makes them -------------------------------------------------------------------------

/** A small instrument: two dimensions, a required photo on A01, B02 asked only when B01 is yes. */
export function anInstrument() {
  return {
    key: 'test-instrument',
    version: 1,
    dimensions: [
      {
        id: 'A',
        title: { id: 'Sarana', en: 'Facilities' },
        indicators: [
          { id: 'A01', text: { id: 'Ruang tunggu', en: 'Waiting room' }, type: 'yes_no', required: true,
            photo: 'required', allow_na: true },
          { id: 'A02', text: { id: 'Jumlah loket', en: 'Counters' }, type: 'number', required: true, photo: 'none' },
        ],
      },
      {
        id: 'B',
        title: { id: 'Layanan', en: 'Service' },
        indicators: [
          { id: 'B01', text: { id: 'Maklumat', en: 'Service charter' }, type: 'yes_no', required: true,
            photo: 'optional' },
          { id: 'B02', text: { id: 'Maklumat terbaca', en: 'Charter legible' }, type: 'scale_0_3', required: true,
            photo: 'required', relevant: { indicator: 'B01', equals: true } },
          { id: 'B03', text: { id: 'Catatan', en: 'Remarks' }, type: 'text', required: false, photo: 'none' },
        ],
      },
    ],
  };
}

/** A visit of `anInstrument` in `state`, answers as given. */
export function aVisit({ id = 'v1', state = STATE.draft, answers = {}, finishedAt = null, revision = 1 } = {}) {
  return {
    id,
    assignment_id: 'a1',
    user_id: 'u1',
    instrument: { key: 'test-instrument', version: 1 },
    unit: { name: 'Kantor Camat', lat: -6.7, lon: 108.5, geofence_m: 150 },
    revision,
    started_at: '2026-12-08T09:00:00+07:00',
    finished_at: finishedAt,
    positions: [],
    answers,
    state,
    sync: { receipt: null, photos_done: 0, photos_total: 0, last_error: null, server_status: null },
    review: null,
    created_at: '2026-12-08T02:00:00.000Z',
    updated_at: '2026-12-08T02:00:00.000Z',
  };
}

/** A photo record of `visitId` for `indicator`, its Blob still on the phone. */
export function aPhoto({ id, visitId = 'v1', indicator = 'A01', createdAt = '2026-12-08T02:05:00.000Z' }) {
  return {
    id,
    visit_id: visitId,
    indicator,
    blob: new Blob([`jpeg of ${id}`], { type: 'image/jpeg' }),
    thumb: null,
    sha256: `sha-${id}`,
    size: 20,
    content_type: 'image/jpeg',
    taken_at: '2026-12-08T09:05:00+07:00',
    lat: -6.7,
    lon: 108.5,
    accuracy_m: 12,
    created_at: createdAt,
    stored_at: null,
  };
}

export const answered = (value) => ({ value, answered_at: '2026-12-08T09:10:00+07:00' });
