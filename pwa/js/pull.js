// What the phone fetches to work offline: the surveyor's assignments, the instruments they use, and the visits a
// supervisor returned for correction (restored from the server when this phone no longer holds them).
// Called by the outbox after its queue is sent, so it never races the sending of a visit.

import * as api from './api.js';
import * as db from './db.js';
import { STATE, visitFromServer } from './visit.js';

/** Fetches everything; resolves with `{assignments, returned, restored}` counts. */
export async function pullAll(session) {
  const user = session.user;
  const assignments = await session.call((token) => api.myAssignments(token));
  await db.replaceAssignments(user.id, assignments);
  await fetchMissingInstruments(session, assignments);
  await recordServerStatuses(assignments);
  const { returned, restored } = await pullReturned(session, user.id);
  return { assignments: assignments.length, returned, restored };
}

async function fetchMissingInstruments(session, assignments) {
  const held = new Set((await db.listInstrumentRefs()).map(([key, version]) => `${key}@${version}`));
  const wanted = new Map();
  for (const { instrument } of assignments) wanted.set(`${instrument.key}@${instrument.version}`, instrument);
  for (const [ref, { key, version }] of wanted) {
    if (held.has(ref)) continue;
    const document = await session.call((token) => api.instrument(token, key, version));
    // Stored under the reference the assignment uses, so lookups never depend on how the server echoes it.
    await db.putInstrument({ ...document, key, version });
  }
}

/** A supervisor's later decision (approved, rejected) shows on the phone's copy of a synced visit. */
async function recordServerStatuses(assignments) {
  for (const assignment of assignments) {
    if (!assignment.visit) continue;
    const local = await db.getVisit(String(assignment.visit.id));
    if (!local || local.state !== STATE.synced || local.sync.server_status === assignment.visit.status) continue;
    await db.updateVisit(local.id, (visit) => { visit.sync.server_status = assignment.visit.status; });
  }
}

async function pullReturned(session, userId) {
  const items = await session.call((token) => api.returnedVisits(token));
  let restored = 0;
  for (const item of items) {
    const id = String(item.id);
    const local = await db.getVisit(id);
    if (!local) {
      restored += await restore(item, userId);
      continue;
    }
    const isSameRevision = local.revision === item.revision;
    const isSentCopy = [STATE.synced, STATE.waiting, STATE.uploading, STATE.refused].includes(local.state);
    if ((isSameRevision && isSentCopy) || local.state === STATE.returned) {
      await db.updateVisit(id, (visit) => {
        visit.state = STATE.returned;
        visit.review = item.review || null;
        visit.review_revision = item.revision;
        visit.sync.server_status = 'returned';
        visit.sync.last_error = null;
      });
    }
  }
  return { returned: items.length, restored };
}

async function restore(item, userId) {
  if (!item.document) return 0;
  const assignmentId = String(item.assignment_id || item.document.assignment_id);
  const assignment = await db.getAssignment(assignmentId);
  if (!assignment) return 0;
  const { visit, photos } = visitFromServer({ item, userId, assignment });
  await db.putRestoredVisit(visit, photos);
  return 1;
}
