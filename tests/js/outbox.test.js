// The phone's outbox (pwa/js/outbox.js) against fakes of the server, the phone's storage and the session: what it
// sends, in which order, what a lost answer or a refusal leaves behind, and what it tells the screens.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { ProblemError } from '../../pwa/js/api.js';
import { Outbox } from '../../pwa/js/outbox.js';
import { STATE } from '../../pwa/js/visit.js';
import { aPhoto, aSession, aVisit, answered, anInstrument, FakeServer, MemoryStore } from './fakes.js';

const ANSWERS = { A01: answered(true), A02: answered(3), B01: answered(false) };

let store;
let server;
let pulls;

beforeEach(async () => {
  store = new MemoryStore();
  server = new FakeServer();
  pulls = 0;
  await store.putInstrument(anInstrument());
});

afterEach(() => {
  delete globalThis.navigator;
});

function anOutbox(session = aSession()) {
  const outbox = new Outbox({ session, server, store, pull: async () => { pulls += 1; return { assignments: 0 }; } });
  const events = { status: [], visit: [], signin: 0 };
  outbox.addEventListener('status', (event) => events.status.push(event.detail.state));
  outbox.addEventListener('visit', (event) => events.visit.push(event.detail));
  outbox.addEventListener('signin-required', () => { events.signin += 1; });
  return { outbox, events };
}

async function aFinishedVisit({ id = 'v1', photoIds = ['p1'], finishedAt = '2026-12-08T09:30:00+07:00' } = {}) {
  await store.createVisit(aVisit({ id, state: STATE.waiting, answers: ANSWERS, finishedAt }));
  for (const photoId of photoIds) await store.addPhoto(aPhoto({ id: photoId, visitId: id }));
}

describe('sending a finished visit', () => {
  test('sends the document, then each photo the receipt asks for, and ends synced with no Blob left', async () => {
    await aFinishedVisit({ photoIds: ['p1', 'p2'] });
    const { outbox, events } = anOutbox();

    const isDone = await outbox.sendOnce();

    assert.equal(isDone, true);
    assert.deepEqual(server.requests, ['visit 1', 'photo p1', 'photo p2']);
    const visit = await store.getVisit('v1');
    assert.equal(visit.state, STATE.synced);
    assert.equal(visit.sync.server_status, 'submitted');
    assert.deepEqual(visit.sync.receipt.missing_photos, []);
    for (const photo of await store.listPhotos('v1')) {
      assert.equal(photo.blob, null, `${photo.id} still takes room on the phone`);
      assert.ok(photo.stored_at);
    }
    assert.deepEqual(events.visit.map((event) => [event.state, event.photos_done, event.photos_total]), [
      [STATE.uploading, 0, 2], [STATE.uploading, 0, 2], [STATE.uploading, 1, 2], [STATE.uploading, 2, 2],
      [STATE.synced, 2, 2],
    ]);
    assert.deepEqual(events.status, ['running', 'idle']);
    assert.equal(pulls, 1, 'the pull comes after the queue is sent');
  });

  test('sends the oldest finished visit first and leaves drafts alone', async () => {
    await aFinishedVisit({ id: 'late', photoIds: [], finishedAt: '2026-12-08T11:00:00+07:00' });
    await aFinishedVisit({ id: 'early', photoIds: [], finishedAt: '2026-12-08T10:00:00+07:00' });
    await store.createVisit(aVisit({ id: 'draft', answers: ANSWERS }));

    await anOutbox().outbox.sendOnce();

    assert.deepEqual([...server.visits.keys()], ['early', 'late']);
    assert.equal((await store.getVisit('draft')).state, STATE.draft);
  });

  test('a visit returned at once by the reviewer comes back editable as the revision to correct', async () => {
    await aFinishedVisit({ photoIds: [] });
    await anOutbox().outbox.sendOnce();
    server.returnVisit('v1');
    await store.updateVisit('v1', (visit) => ({ ...visit, state: STATE.waiting, revision: 2 }));

    await anOutbox().outbox.sendOnce();

    const visit = await store.getVisit('v1');
    assert.equal(visit.state, STATE.synced);
    assert.equal(visit.sync.receipt.revision, 2);
  });
});

describe('a link that fails', () => {
  test('a lost answer to the document is replayed and the server keeps one visit', async () => {
    await aFinishedVisit({ photoIds: ['p1'] });
    server.failNext('answer lost');
    const { outbox, events } = anOutbox();

    assert.equal(await outbox.sendOnce(), false, 'the browser is asked to call again');
    const waiting = await store.getVisit('v1');
    assert.equal(waiting.state, STATE.waiting);
    assert.deepEqual(waiting.sync.last_error, { kind: 'network' });
    assert.equal(events.status.at(-1), 'retrying');
    assert.equal((await store.getPhoto('p1')).blob instanceof Blob, true, 'no receipt, so the photo stays');

    assert.equal(await outbox.sendOnce(), true);
    assert.deepEqual(server.requests, ['visit 1', 'visit 1', 'photo p1']);
    assert.equal(server.visits.size, 1);
    assert.equal((await store.getVisit('v1')).state, STATE.synced);
  });

  test('after a photo is lost on the way, the next pass starts from the receipt and sends that photo', async () => {
    await aFinishedVisit({ photoIds: ['p1', 'p2'] });
    const { outbox } = anOutbox();
    server.failNext(undefined, undefined, 'lost on the way');

    await outbox.sendOnce();
    const halfSent = await store.getVisit('v1');
    assert.equal(halfSent.state, STATE.waiting);
    assert.deepEqual(halfSent.sync.receipt.missing_photos, ['p2']);
    assert.equal((await store.getPhoto('p1')).blob, null);

    await outbox.sendOnce();

    assert.deepEqual(server.requests, ['visit 1', 'photo p1', 'photo p2']);
    assert.equal((await store.getVisit('v1')).state, STATE.synced);
  });

  test('a busy server is waited for, not refused', async () => {
    await aFinishedVisit({ photoIds: [] });
    server.failNext(new ProblemError(503, { title: 'Service Unavailable' }));
    const { outbox, events } = anOutbox();

    assert.equal(await outbox.sendOnce(), false);

    assert.equal((await store.getVisit('v1')).state, STATE.waiting);
    assert.equal(events.status.at(-1), 'retrying');
    assert.ok(Date.parse(outbox.status.next_attempt_at) > Date.now());
  });

  test('an offline phone sends nothing and says so', async () => {
    globalThis.navigator = { onLine: false };
    await aFinishedVisit({ photoIds: [] });
    const { outbox, events } = anOutbox();

    assert.equal(await outbox.sendOnce(), false);

    assert.deepEqual(server.requests, []);
    assert.deepEqual(events.status, ['offline']);
    assert.equal(outbox.mayHaveUnsentVisits, true);
  });
});

describe('a visit the server refuses', () => {
  test('is marked refused with the server\'s reason, and the visits after it are still sent', async () => {
    await aFinishedVisit({ id: 'first', photoIds: [], finishedAt: '2026-12-08T10:00:00+07:00' });
    await aFinishedVisit({ id: 'second', photoIds: [], finishedAt: '2026-12-08T11:00:00+07:00' });
    server.failNext(new ProblemError(409, { code: 'visit.conflict', detail: 'Another version is stored.' }));

    assert.equal(await anOutbox().outbox.sendOnce(), true);

    const refused = await store.getVisit('first');
    assert.equal(refused.state, STATE.refused);
    assert.equal(refused.sync.last_error.kind, 'refused');
    assert.equal(refused.sync.last_error.code, 'visit.conflict');
    assert.equal(refused.sync.last_error.status, 409);
    assert.equal((await store.getVisit('second')).state, STATE.synced);
  });

  test('is not sent again until the surveyor asks', async () => {
    await aFinishedVisit({ photoIds: [] });
    server.failNext(new ProblemError(422, { code: 'visit.invalid', detail: 'A01: not a boolean.' }));
    const { outbox } = anOutbox();
    await outbox.sendOnce();
    await outbox.sendOnce();
    assert.deepEqual(server.requests, []);

    const passEnded = new Promise((resolve) => {
      outbox.addEventListener('status', (event) => { if (event.detail.state === 'idle') resolve(); });
    });
    await outbox.retry('v1'); // the surveyor's "send again" runs a pass at once
    await passEnded;

    assert.deepEqual(server.requests, ['visit 1']);
    assert.equal((await store.getVisit('v1')).state, STATE.synced);
  });

  test('a photo the receipt still asks for after it was sent refuses the visit instead of looping', async () => {
    await aFinishedVisit({ photoIds: ['p1'] });
    const putPhoto = server.putPhoto.bind(server);
    server.putPhoto = async (...args) => {
      await putPhoto(...args);
      const { receipt } = await server.putVisit('t', 'v1', server.visits.get('v1').document);
      return { ...receipt, missing_photos: ['p1'] };
    };

    await anOutbox().outbox.sendOnce();

    const visit = await store.getVisit('v1');
    assert.equal(visit.state, STATE.refused);
    assert.equal(visit.sync.last_error.code, 'local.photo_not_accepted');
  });

  test('a photo the server asks for that the phone no longer holds refuses the visit', async () => {
    await aFinishedVisit({ photoIds: ['p1'] });
    store.photos.get('p1').blob = null;

    await anOutbox().outbox.sendOnce();

    const visit = await store.getVisit('v1');
    assert.equal(visit.state, STATE.refused);
    assert.equal(visit.sync.last_error.code, 'local.photo_lost');
  });
});

describe('a login the server no longer accepts', () => {
  test('waits for the password with the visit still queued', async () => {
    await aFinishedVisit({ photoIds: ['p1'] });
    const { outbox, events } = anOutbox(aSession({ signedOut: true }));

    assert.equal(await outbox.sendOnce(), true, 'only the password helps: the browser need not call again');

    const visit = await store.getVisit('v1');
    assert.equal(visit.state, STATE.waiting);
    assert.deepEqual(visit.sync.last_error, { kind: 'signin' });
    assert.equal(events.status.at(-1), 'signin');
    assert.equal(events.signin, 1);
    assert.deepEqual(server.requests, []);
  });
});
