// The outbox: sends finished visits, one at a time, the document first and then only the photos the receipt says
// are missing (a retry starts from the last receipt of the same revision); drops a local photo Blob only once a
// receipt shows the server holds it. Knows nothing of the DOM: views listen to its events.
//
// Events: 'status' {state, next_attempt_at, last_sync_at, detail} — state ∈ idle | running | offline | retrying |
//         signin | error;  'visit' {visit_id, state, photos_done, photos_total};  'pulled' {assignments, returned}.
//
// Runs on start, on `online`, on a backoff timer (1 s doubling, capped at 5 min, reset by any success) and on
// kick('manual'); in the service worker, once per background sync (sendOnce). A network failure or a busy server
// waits for the timer; 401 that a refresh cannot cure waits for the password; 403/404/409/413/415/422 mark the visit
// refused with the server's reason and are not retried until the surveyor asks.

import * as api from './api.js';
import * as db from './db.js';
import { pullAll } from './pull.js';
import { SignInRequired } from './session.js';
import { STATE, visitDocument } from './visit.js';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;
const LOCK_NAME = 'sidak-outbox';
/** The Background Sync tag under which the page asks the browser to wake the service worker's outbox. */
export const BACKGROUND_SYNC_TAG = 'sidak-outbox';
const WAITING_FOR_NETWORK = ['retrying', 'offline'];

/** A visit the phone cannot send as it is; carries what the surveyor should read. */
class VisitRefused extends Error {
  constructor(problem) {
    super(problem.detail || problem.code);
    this.problem = problem;
  }
}

function problemOf(error) {
  return {
    status: error.status ?? null,
    code: error.code ?? null,
    title: error.title ?? null,
    detail: error.detail ?? null,
    field: error.field ?? null,
    errors: error.errors ?? [],
  };
}

function isWaitable(error) {
  return error instanceof api.NetworkError || (error instanceof api.ProblemError && error.isTransient);
}

export class Outbox extends EventTarget {
  #session;
  #server;
  #store;
  #pull;
  #running = false;
  #again = false;
  #timer = null;
  #failures = 0;
  #status = { state: 'idle', next_attempt_at: null, last_sync_at: null, detail: null };

  /**
   * `server`, `store` and `pull` are the modules it works through (api.js, db.js, pull.js's pullAll); a test passes
   * fakes of them.
   */
  constructor({ session, server = api, store = db, pull = pullAll }) {
    super();
    this.#session = session;
    this.#server = server;
    this.#store = store;
    this.#pull = pull;
  }

  get status() {
    return { ...this.#status };
  }

  async start() {
    this.#status.last_sync_at = (await this.#store.getMeta('last_sync_at')) || null;
    globalThis.addEventListener('online', () => this.kick('online'));
    globalThis.addEventListener('offline', () => this.#setStatus({ state: 'offline', next_attempt_at: null }));
    this.kick('start');
  }

  /** Runs the outbox now. 'manual', 'online' and 'signed-in' also forget the backoff. */
  kick(reason = 'manual') {
    if (['manual', 'online', 'signed-in'].includes(reason)) this.#failures = 0;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#run();
  }

  /**
   * One pass for the service worker's background sync: the same sending, but no timer, for the worker may be stopped
   * at any moment. True when nothing is left waiting for the network (sent, refused, or needing the password);
   * false asks the browser to call again later. The lock keeps it from sending beside an open app.
   */
  async sendOnce() {
    await this.#exclusively(() => this.#pass());
    clearTimeout(this.#timer);
    this.#timer = null;
    return !WAITING_FOR_NETWORK.includes(this.#status.state);
  }

  /** True unless the last pass ended with everything sent (or nothing the network could help with). */
  get mayHaveUnsentVisits() {
    return WAITING_FOR_NETWORK.includes(this.#status.state) || this.#status.state === 'running';
  }

  /** The surveyor asks to send a refused visit again as it is. */
  async retry(visitId) {
    await this.#store.updateVisit(visitId, (visit) => {
      if (visit.state === STATE.refused) visit.state = STATE.waiting;
    });
    this.#emitVisit(await this.#store.getVisit(visitId));
    this.kick('manual');
  }

  async #run() {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        await this.#exclusively(() => this.#pass());
      } while (this.#again);
    } finally {
      this.#running = false;
    }
  }

  /** Another tab of the app may hold the outbox; then this one only waits for its timer. */
  async #exclusively(body) {
    if (!(globalThis.navigator && navigator.locks)) return body();
    return navigator.locks.request(LOCK_NAME, { ifAvailable: true }, (lock) => {
      if (lock) return body();
      this.#scheduleRetry('busy');
      return null;
    });
  }

  async #pass() {
    const user = this.#session.user;
    if (!user) return this.#setStatus({ state: 'idle', next_attempt_at: null, detail: null });
    if (this.#session.needsSignIn) return this.#needSignIn();
    if (globalThis.navigator && navigator.onLine === false) {
      return this.#setStatus({ state: 'offline', next_attempt_at: null, detail: null });
    }
    this.#setStatus({ state: 'running', next_attempt_at: null, detail: null });
    try {
      const tried = new Set();
      for (let visit = await this.#nextVisit(user.id, tried); visit; visit = await this.#nextVisit(user.id, tried)) {
        tried.add(visit.id);
        await this.#send(visit);
      }
      const pulled = await this.#pull(this.#session);
      this.dispatchEvent(new CustomEvent('pulled', { detail: pulled }));
      this.#failures = 0;
      const now = new Date().toISOString();
      await this.#store.setMeta('last_sync_at', now);
      this.#setStatus({ state: 'idle', last_sync_at: now, detail: null });
    } catch (error) {
      if (error instanceof SignInRequired) return this.#needSignIn();
      if (isWaitable(error)) return this.#scheduleRetry(error instanceof api.NetworkError ? 'network' : 'server');
      // Anything else is unexpected (a refused pull, a bug): say so, and try again later rather than never.
      console.error('outbox', error);
      this.#scheduleRetry('error', error instanceof api.ProblemError ? problemOf(error) : { detail: String(error) });
    }
    return undefined;
  }

  async #nextVisit(userId, tried) {
    const visits = await this.#store.listVisits(userId);
    const queued = visits
      .filter((visit) => (visit.state === STATE.waiting || visit.state === STATE.uploading) && !tried.has(visit.id))
      .sort((a, b) => (a.finished_at || '').localeCompare(b.finished_at || ''));
    return queued[0] || null;
  }

  async #send(visit) {
    try {
      await this.#upload(visit);
    } catch (error) {
      if (error instanceof VisitRefused) return this.#refuse(visit.id, error.problem);
      if (error instanceof api.ProblemError && !error.isTransient) return this.#refuse(visit.id, problemOf(error));
      const waiting = await this.#store.updateVisit(visit.id, (stored) => {
        if (stored.state === STATE.uploading) stored.state = STATE.waiting;
        stored.sync.last_error = { kind: error instanceof SignInRequired ? 'signin' : 'network' };
      });
      this.#emitVisit(waiting);
      throw error;
    }
    return undefined;
  }

  async #upload(visit) {
    const instrument = await this.#store.getInstrument(visit.instrument.key, visit.instrument.version);
    if (!instrument) throw new VisitRefused({ code: 'local.instrument_missing', detail: null });
    const photos = await this.#store.listPhotos(visit.id);
    const document = visitDocument(visit, photos, instrument);
    const unsentIds = photos.filter((photo) => !photo.stored_at).map((photo) => photo.id);

    this.#emitVisit(await this.#store.updateVisit(visit.id, (stored) => {
      stored.state = STATE.uploading;
      stored.sync.photos_total = unsentIds.length;
      stored.sync.photos_done = 0;
      stored.sync.last_error = null;
    }));

    // A receipt for this very revision means the server holds the document: go straight to the missing photos
    // (on a flaky link, resending the whole document before every photo would multiply the traffic).
    let receipt = visit.sync.receipt && visit.sync.receipt.revision === visit.revision ? visit.sync.receipt : null;
    if (!receipt) {
      ({ receipt } = await this.#session.call((token) => this.#server.putVisit(token, visit.id, document)));
      await this.#applyReceipt(visit.id, receipt, unsentIds);
    }
    const sent = new Set();
    for (;;) {
      const missing = receipt.missing_photos.map(String);
      if (missing.length === 0) break;
      const photoId = missing.find((id) => !sent.has(id));
      if (!photoId) throw new VisitRefused({ code: 'local.photo_not_accepted', detail: null, errors: missing });
      sent.add(photoId);
      const photo = await this.#store.getPhoto(photoId);
      if (!photo || !photo.blob) throw new VisitRefused({ code: 'local.photo_lost', detail: null, errors: [photoId] });
      receipt = await this.#session.call(
        (token) => this.#server.putPhoto(token, visit.id, photoId, photo.blob, photo.content_type));
      this.#failures = 0; // progress on a flaky link: the next failure waits the shortest time again
      await this.#applyReceipt(visit.id, receipt, unsentIds);
    }

    const done = await this.#store.updateVisit(visit.id, (stored) => {
      stored.state = receipt.status === 'returned' ? STATE.returned : STATE.synced;
      if (receipt.status === 'returned') stored.review_revision = receipt.revision;
      stored.sync.server_status = receipt.status;
      stored.sync.synced_at = new Date().toISOString();
    });
    this.#emitVisit(done);
  }

  async #applyReceipt(visitId, receipt, unsentIds) {
    const missing = new Set(receipt.missing_photos.map(String));
    const visit = await this.#store.applyReceipt(visitId, receipt, (stored) => {
      stored.sync.receipt = receipt;
      stored.sync.server_status = receipt.status;
      stored.sync.photos_done = unsentIds.filter((id) => !missing.has(id)).length;
    });
    this.#emitVisit(visit);
  }

  async #refuse(visitId, problem) {
    const visit = await this.#store.updateVisit(visitId, (stored) => {
      stored.state = STATE.refused;
      stored.sync.last_error = { kind: 'refused', ...problem };
    });
    this.#emitVisit(visit);
  }

  #needSignIn() {
    this.#setStatus({ state: 'signin', next_attempt_at: null, detail: null });
    this.dispatchEvent(new CustomEvent('signin-required'));
  }

  #scheduleRetry(kind, detail = null) {
    const jitter = 0.8 + Math.random() * 0.4; // phones that lost signal together must not return together
    const delay_ms = Math.round(Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.#failures * jitter));
    this.#failures = Math.min(this.#failures + 1, 20);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.kick('timer'), delay_ms);
    this.#setStatus({
      state: kind === 'error' ? 'error' : 'retrying',
      next_attempt_at: new Date(Date.now() + delay_ms).toISOString(),
      detail,
    });
  }

  #emitVisit(visit) {
    if (!visit) return;
    this.dispatchEvent(new CustomEvent('visit', {
      detail: {
        visit_id: visit.id,
        state: visit.state,
        photos_done: visit.sync.photos_done || 0,
        photos_total: visit.sync.photos_total || 0,
      },
    }));
  }

  #setStatus(change) {
    this.#status = { ...this.#status, ...change };
    this.dispatchEvent(new CustomEvent('status', { detail: this.status }));
  }
}
