// The only module that touches IndexedDB. Every write that must survive a crash uses a 'strict' transaction
// (flushed to disk before it resolves), and a visit changes together with its photo records in one transaction.

export const DB_NAME = 'sidak';
export const DB_VERSION = 2;

/** Raised when the browser refuses a write for lack of space; the transaction was rolled back, nothing is lost. */
export class StorageFullError extends Error {
  constructor(cause) {
    super('storage full');
    this.name = 'StorageFullError';
    this.cause = cause;
  }
}

const STORES = {
  meta: { keyPath: 'key' },
  assignments: { keyPath: 'id', indexes: { by_user: 'user_id' } },
  instruments: { keyPath: ['key', 'version'] },
  visits: { keyPath: 'id', indexes: { by_user: 'user_id', by_assignment: 'assignment_id' } },
  photos: { keyPath: 'id', indexes: { by_visit: 'visit_id' } },
};

// Each step upgrades from the version before it; append, never edit a published step.
const MIGRATIONS = [
  (db) => {
    for (const [name, spec] of Object.entries(STORES)) {
      const store = db.createObjectStore(name, { keyPath: spec.keyPath });
      for (const [index, keyPath] of Object.entries(spec.indexes || {})) store.createIndex(index, keyPath);
    }
  },
  // Instrument versions became text (1.2.0, v3): instruments and visits stored with a numbered version are
  // re-keyed to its decimal text, so a visit begun before the update still finds its instrument and syncs.
  (_db, transaction) => {
    eachRecord(transaction.objectStore('instruments'), (cursor, instrument) => {
      if (typeof instrument.version === 'string') return;
      cursor.delete();
      cursor.source.put({ ...instrument, version: String(instrument.version) });
    });
    eachRecord(transaction.objectStore('visits'), (cursor, visit) => {
      if (!visit.instrument || typeof visit.instrument.version === 'string') return;
      cursor.update({ ...visit, instrument: { ...visit.instrument, version: String(visit.instrument.version) } });
    });
  },
];

function eachRecord(store, visit) {
  store.openCursor().onsuccess = (event) => {
    const cursor = event.target.result;
    if (!cursor) return;
    visit(cursor, cursor.value);
    cursor.continue();
  };
}

let dbPromise = null;
const versionChangeListeners = new Set();

/** Called when another tab (a newer app version) needs to upgrade the schema: this tab must reload. */
export function onVersionChange(listener) {
  versionChangeListeners.add(listener);
}

function open() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => {
      const db = request.result;
      for (let version = event.oldVersion; version < DB_VERSION; version += 1) {
        MIGRATIONS[version](db, request.transaction);
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => {
        db.close();
        dbPromise = null;
        for (const listener of versionChangeListeners) listener();
      };
      resolve(db);
    };
    request.onerror = () => reject(asStorageError(request.error));
    request.onblocked = () => reject(new Error('database upgrade blocked by another tab'));
  });
  dbPromise.catch(() => { dbPromise = null; });
  return dbPromise;
}

function asStorageError(error) {
  if (error && (error.name === 'QuotaExceededError' || error.name === 'NS_ERROR_DOM_QUOTA_REACHED')) {
    return new StorageFullError(error);
  }
  return error;
}

function settle(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Runs `body(stores)` in one transaction and resolves with its result once the transaction has committed.
 * `body` may await IndexedDB requests (via `settle`) but nothing else, or the transaction would auto-commit.
 */
async function transact(storeNames, mode, body) {
  const db = await open();
  const options = mode === 'readwrite' ? { durability: 'strict' } : undefined;
  const tx = db.transaction(storeNames, mode, options);
  const stores = Object.fromEntries(storeNames.map((name) => [name, tx.objectStore(name)]));
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(asStorageError(tx.error || new Error('transaction aborted')));
    tx.onerror = () => reject(asStorageError(tx.error));
  });
  let result;
  try {
    result = await body(stores);
  } catch (error) {
    try { tx.abort(); } catch { /* already finished */ }
    await done.catch(() => {});
    throw asStorageError(error);
  }
  await done;
  return result;
}

// ---- meta: session, language, small settings ------------------------------------------------------------

export function getMeta(key) {
  return transact(['meta'], 'readonly', async ({ meta }) => {
    const row = await settle(meta.get(key));
    return row ? row.value : undefined;
  });
}

export function setMeta(key, value) {
  return transact(['meta'], 'readwrite', ({ meta }) => settle(meta.put({ key, value })));
}

export function deleteMeta(key) {
  return transact(['meta'], 'readwrite', ({ meta }) => settle(meta.delete(key)));
}

// ---- assignments and instruments --------------------------------------------------------------------------

/**
 * Replaces the user's assignments with `assignments`, keeping any that a local visit still refers to (a closed
 * assignment must stay readable while its visit waits in the outbox).
 */
export function replaceAssignments(userId, assignments) {
  return transact(['assignments', 'visits'], 'readwrite', async (stores) => {
    const previous = await settle(stores.assignments.index('by_user').getAll(userId));
    const visits = await settle(stores.visits.index('by_user').getAll(userId));
    const referenced = new Set(visits.map((visit) => visit.assignment_id));
    const incoming = new Set(assignments.map((assignment) => assignment.id));
    for (const old of previous) {
      if (incoming.has(old.id)) continue;
      if (referenced.has(old.id)) stores.assignments.put({ ...old, is_closed: true });
      else stores.assignments.delete(old.id);
    }
    for (const assignment of assignments) stores.assignments.put({ ...assignment, user_id: userId, is_closed: false });
  });
}

export function listAssignments(userId) {
  return transact(['assignments'], 'readonly',
    ({ assignments }) => settle(assignments.index('by_user').getAll(userId)));
}

export function getAssignment(id) {
  return transact(['assignments'], 'readonly', ({ assignments }) => settle(assignments.get(id)));
}

// A version is text; String() keeps a caller holding an older, numbered reference finding the same record.
export function putInstrument(document) {
  const record = { ...document, version: String(document.version) };
  return transact(['instruments'], 'readwrite', ({ instruments }) => settle(instruments.put(record)));
}

export function getInstrument(key, version) {
  return transact(['instruments'], 'readonly', ({ instruments }) => settle(instruments.get([key, String(version)])));
}

export function listInstruments() {
  return transact(['instruments'], 'readonly', ({ instruments }) => settle(instruments.getAll()));
}

export function listInstrumentRefs() {
  return transact(['instruments'], 'readonly', ({ instruments }) => settle(instruments.getAllKeys()));
}

// ---- visits and photos ------------------------------------------------------------------------------------

export function createVisit(visit) {
  return transact(['visits'], 'readwrite', ({ visits }) => settle(visits.add(visit)));
}

export function getVisit(id) {
  return transact(['visits'], 'readonly', ({ visits }) => settle(visits.get(id)));
}

export function listVisits(userId) {
  return transact(['visits'], 'readonly', ({ visits }) => settle(visits.index('by_user').getAll(userId)));
}

/**
 * Reads, changes and writes one visit atomically; resolves with the visit as written. `change(visit)` edits the
 * record in place or returns the new record (the pure changes of visit.js); returning null leaves it as it was.
 */
export function updateVisit(id, change) {
  return transact(['visits'], 'readwrite', async ({ visits }) => {
    const stored = await settle(visits.get(id));
    if (!stored) throw new Error(`no visit ${id}`);
    const changed = change(stored);
    if (changed === null) return stored;
    const visit = { ...(changed || stored), updated_at: new Date().toISOString() };
    await settle(visits.put(visit));
    return visit;
  });
}

export function listPhotos(visitId) {
  return transact(['photos'], 'readonly', ({ photos }) => settle(photos.index('by_visit').getAll(visitId)));
}

export function getPhoto(id) {
  return transact(['photos'], 'readonly', ({ photos }) => settle(photos.get(id)));
}

/** Stores a new photo record (with its Blob) and touches its visit in the same transaction. */
export function addPhoto(photo) {
  return transact(['visits', 'photos'], 'readwrite', async (stores) => {
    const visit = await settle(stores.visits.get(photo.visit_id));
    if (!visit) throw new Error(`no visit ${photo.visit_id}`);
    await settle(stores.photos.add(photo));
    visit.updated_at = new Date().toISOString();
    await settle(stores.visits.put(visit));
  });
}

/** Removes a photo the server has never stored (the surveyor took the wrong picture). */
export function deleteUnsentPhoto(photoId) {
  return transact(['visits', 'photos'], 'readwrite', async (stores) => {
    const photo = await settle(stores.photos.get(photoId));
    if (!photo) return;
    if (photo.stored_at) throw new Error('a photo the server holds cannot be removed from its visit');
    await settle(stores.photos.delete(photoId));
    const visit = await settle(stores.visits.get(photo.visit_id));
    if (visit) {
      visit.updated_at = new Date().toISOString();
      await settle(stores.visits.put(visit));
    }
  });
}

/**
 * Applies a server receipt: every photo of the visit that the receipt no longer lists as missing is stored on the
 * server, so its local Blob is dropped (its metadata and thumbnail stay for the next revision's document); the
 * visit is changed by `mutate` in the same transaction. Resolves with the updated visit.
 */
export function applyReceipt(visitId, receipt, mutate) {
  return transact(['visits', 'photos'], 'readwrite', async (stores) => {
    const visit = await settle(stores.visits.get(visitId));
    if (!visit) throw new Error(`no visit ${visitId}`);
    const missing = new Set(receipt.missing_photos.map(String));
    const photos = await settle(stores.photos.index('by_visit').getAll(visitId));
    const now = new Date().toISOString();
    for (const photo of photos) {
      if (missing.has(photo.id) || photo.stored_at) continue;
      photo.stored_at = now;
      photo.blob = null;
      await settle(stores.photos.put(photo));
    }
    mutate(visit);
    visit.updated_at = now;
    await settle(stores.visits.put(visit));
    return visit;
  });
}

/** Writes a visit restored from the server (returned for correction) with its photo records, all or nothing. */
export function putRestoredVisit(visit, photos) {
  return transact(['visits', 'photos'], 'readwrite', async (stores) => {
    await settle(stores.visits.put(visit));
    for (const photo of photos) await settle(stores.photos.put(photo));
  });
}
