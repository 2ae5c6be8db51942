// The surveyor's home: the outbox's state with "Sync now", free space, and the assignments with distance from
// here, window, and each visit's sync state. Opens straight from IndexedDB, with or without a network.

import * as db from '../db.js';
import { h, replaceChildren } from '../../shared/dom.js';
import { icon } from '../icons.js';
import { formatBytes, formatDateRange, formatDateTime, formatDistance, hasString, t } from '../i18n.js';
import * as storage from '../storage.js';
import { distance_m, isoWithOffset, isValidLatLon, newUuid } from '../util.js';
import { STATE, unsentWork } from '../visit.js';
import { outboxStatusText, unsentWorkText, visitStateText } from './labels.js';

function isWithinWindow(assignment, now = Date.now()) {
  const start = Date.parse(assignment.window && assignment.window.start);
  const end = Date.parse(assignment.window && assignment.window.end);
  if (Number.isNaN(start) || Number.isNaN(end)) return true;
  return start <= now && now <= end;
}

async function geolocationPermission() {
  try {
    return (await navigator.permissions.query({ name: 'geolocation' })).state;
  } catch {
    return 'unknown';
  }
}

function unitDistance_m(assignment, position) {
  const { unit } = assignment;
  if (!position || !unit || !isValidLatLon(unit.lat, unit.lon)) return null;
  return distance_m(position, unit);
}

export async function mount(root, ctx) {
  ctx.setHeader({ title: t('app.name') });
  const user = ctx.session.user;
  let assignments = [];
  let visits = [];
  let order = null; // assignment ids, fixed once a position is known so rows do not jump under the thumb
  const distanceEls = new Map();

  const statusLine = h('p', { class: 'sync-status', 'data-testid': 'sync-status', role: 'status' });
  const unsentLine = h('p', { class: 'unsent-work', 'data-testid': 'unsent-work' });
  const syncButton = h('button', {
    type: 'button', class: 'btn btn-primary', 'data-testid': 'sync-now',
    on: { click: () => { ctx.outbox.kick('manual'); } },
  }, icon('sync'), h('span', {}, t('sync.now')));
  const freeLine = h('span', { 'data-testid': 'storage-free' });
  const persistLine = h('span', { 'data-testid': 'storage-persisted' });
  const positionLine = h('p', { class: 'meta position-line', 'data-testid': 'position-status' });
  const list = h('ul', { class: 'assignment-list', 'data-testid': 'assignment-list' });
  const others = h('section', { class: 'other-visits', hidden: true });
  const heading = h('h2', { class: 'section-title' });

  const positionButton = h('button', {
    type: 'button', class: 'btn btn-secondary btn-block', 'data-testid': 'position-enable', hidden: true,
    on: { click: () => { positionButton.hidden = true; startPositions(); } },
  }, icon('pin'), h('span', {}, t('position.enable')));
  const view = h('section', { class: 'view view-assignments' },
    h('section', { class: 'card sync-panel', 'aria-label': t('sync.panel_label') },
      h('p', { class: 'user-line' }, t('list.signed_in_as', { name: user.display_name || user.username })),
      statusLine, unsentLine, syncButton, h('p', { class: 'meta storage-line' }, freeLine, ' · ', persistLine)),
    heading, positionLine, positionButton, list, others);

  async function renderStorage() {
    const [space, persisted] = await Promise.all([storage.estimate(), storage.isPersisted()]);
    freeLine.textContent = space ? t('storage.free', { free: formatBytes(space.free) }) : t('storage.free_unknown');
    persistLine.textContent = persisted === null ? t('storage.persist_unknown')
      : persisted ? t('storage.persisted_yes') : t('storage.persisted_no_short');
    persistLine.dataset.persisted = String(persisted);
  }

  function renderStatus() {
    const status = ctx.outbox.status;
    const work = unsentWork(visits);
    statusLine.textContent = outboxStatusText(status, work);
    statusLine.dataset.state = status.state;
    statusLine.dataset.pending = String(work.queued);
    // The outbox's line speaks of the visits it sends; drafts, refused and returned ones need the surveyor.
    unsentLine.textContent = work.total > work.queued ? unsentWorkText(work) : '';
    unsentLine.hidden = !unsentLine.textContent;
    syncButton.disabled = status.state === 'running';
  }

  function renderPosition() {
    if (!isWatching) {
      positionLine.textContent = t('position.off');
      return;
    }
    const position = ctx.positions.latest;
    if (position) positionLine.textContent = t('position.here', { accuracy: formatDistance(position.accuracy_m) });
    else if (ctx.positions.error) positionLine.textContent = t(`position.error_${ctx.positions.error}`);
    else positionLine.textContent = t('position.searching');
  }

  async function startVisit(assignment) {
    const instrument = await db.getInstrument(assignment.instrument.key, assignment.instrument.version);
    if (!instrument) {
      ctx.toast(t('list.instrument_missing'));
      return;
    }
    const now = new Date();
    const visit = {
      id: newUuid(),
      assignment_id: assignment.id,
      user_id: user.id,
      instrument: { key: assignment.instrument.key, version: assignment.instrument.version },
      unit: { ...assignment.unit },
      revision: 1,
      started_at: isoWithOffset(now),
      finished_at: null,
      positions: [],
      answers: {},
      state: STATE.draft,
      sync: { receipt: null, photos_done: 0, photos_total: 0, last_error: null, server_status: null },
      review: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    try {
      await db.createVisit(visit);
    } catch (error) {
      if (error instanceof db.StorageFullError) ctx.toast(t('storage.full_visit'));
      else throw error;
      return;
    }
    ctx.navigate(`#/visit/${visit.id}`);
  }

  function visitRow(visit) {
    const open = () => ctx.navigate(`#/visit/${visit.id}`);
    const action = {
      [STATE.draft]: ['resume-visit', 'list.resume', 'btn-primary'],
      [STATE.returned]: ['correct-visit', 'list.correct', 'btn-primary'],
    }[visit.state] || ['open-visit', 'list.open', 'btn-secondary'];
    return h('li', { class: `visit-row state-${visit.state}`, 'data-testid': `visit-${visit.id}` },
      h('div', { class: 'visit-row-text' },
        h('span', { class: 'visit-time' }, t('list.visit_started', { time: formatDateTime(visit.started_at) })),
        h('span', {
          class: `badge badge-${visit.state}`, 'data-testid': `visit-state-${visit.id}`, 'data-state': visit.state,
          'data-server-status': visit.sync && visit.sync.server_status,
        }, visitStateText(visit)),
        receiptFlags(visit)),
      h('button', {
        type: 'button', class: `btn ${action[2]}`, 'data-testid': `${action[0]}-${visit.id}`, on: { click: open },
      },
        t(action[1])));
  }

  // What the server found that the surveyor can act on (position, geofence, missing answers): shown, not hidden.
  function receiptFlags(visit) {
    const flags = (visit.sync && visit.sync.receipt && visit.sync.receipt.flags) || [];
    const codes = [...new Set(flags.map((flag) => flag.code))];
    if (!codes.length) return null;
    return h('ul', { class: 'receipt-flags', 'data-testid': `visit-flags-${visit.id}` },
      codes.map((code) => h('li', { class: 'receipt-flag', 'data-code': code }, flagText(code))));
  }

  function flagText(code) {
    return hasString(`flag.${code}`) ? t(`flag.${code}`) : t('flag.other', { code });
  }

  function assignmentRow(assignment) {
    const own = visits.filter((visit) => visit.assignment_id === assignment.id)
      .sort((a, b) => (b.started_at || '').localeCompare(a.started_at || ''));
    const hasDraft = own.some((visit) => visit.state === STATE.draft);
    const serverVisit = assignment.visit && !own.some((visit) => visit.id === String(assignment.visit.id))
      ? assignment.visit : null;
    const distance = unitDistance_m(assignment, ctx.positions.latest);
    const inWindow = isWithinWindow(assignment);
    const { unit } = assignment;
    const distanceEl = h('span', { class: 'distance', 'data-testid': `assignment-distance-${assignment.id}` });
    distanceEls.set(assignment.id, distanceEl);
    showDistance(distanceEl, distance);
    return h('li', {
      class: 'card assignment', 'data-testid': `assignment-${assignment.id}`, 'data-assignment-id': assignment.id,
    },
      h('div', { class: 'assignment-head' }, h('h3', { class: 'unit-name' }, unit.name), distanceEl),
      h('p', { class: 'meta' }, [unit.agency, unit.region].filter(Boolean).join(' · ')),
      unit.address ? h('p', { class: 'meta' }, unit.address) : null,
      h('p', { class: ['meta', !inWindow && 'out-of-window'] },
        t('list.window', { range: formatDateRange(assignment.window.start, assignment.window.end) }),
        inWindow ? null : h('strong', {}, ` · ${t('list.out_of_window')}`)),
      assignment.is_closed ? h('p', { class: 'meta' }, t('list.closed')) : null,
      serverVisit ? h('p', { class: 'meta' }, h('span', {
        class: 'badge', 'data-testid': `server-visit-state-${assignment.id}`, 'data-state': serverVisit.status,
      }, t('list.server_visit', { status: t(`server_status.${serverVisit.status}`) }))) : null,
      own.length ? h('ul', { class: 'visit-rows', 'aria-label': t('list.visits_label') }, own.map(visitRow)) : null,
      hasDraft || assignment.is_closed ? null : h('button', {
        type: 'button', class: 'btn btn-primary btn-block', 'data-testid': `start-visit-${assignment.id}`,
        on: {
          click: (event) => {
            event.currentTarget.disabled = true; // a double tap must not start two visits
            startVisit(assignment).finally(() => { event.target.closest('button').disabled = false; });
          },
        },
      }, own.length || serverVisit ? t('list.start_another') : t('list.start')));
  }

  function showDistance(element, distance) {
    replaceChildren(element, icon('pin'), distance === null ? t('list.distance_unknown') : formatDistance(distance));
    if (distance === null) delete element.dataset.distanceM;
    else element.dataset.distanceM = String(Math.round(distance));
  }

  function updateDistances() {
    for (const assignment of assignments) {
      const element = distanceEls.get(assignment.id);
      if (element) showDistance(element, unitDistance_m(assignment, ctx.positions.latest));
    }
  }

  function sortedAssignments() {
    const position = ctx.positions.latest;
    const isOrderStale = order && assignments.some((assignment) => !order.includes(assignment.id));
    if ((!order || isOrderStale) && position && assignments.length) {
      order = assignments.slice()
        .sort((a, b) => (unitDistance_m(a, position) ?? Infinity) - (unitDistance_m(b, position) ?? Infinity))
        .map((assignment) => assignment.id);
    }
    if (!order) return assignments.slice().sort((a, b) => a.unit.name.localeCompare(b.unit.name));
    const rank = new Map(order.map((id, i) => [id, i]));
    return assignments.slice().sort((a, b) => (rank.get(a.id) ?? 1e9) - (rank.get(b.id) ?? 1e9));
  }

  function renderList() {
    heading.textContent = t('list.heading', { n: assignments.length });
    distanceEls.clear();
    const rows = sortedAssignments().map(assignmentRow);
    if (!rows.length) {
      rows.push(h('li', { class: 'card empty' }, h('p', {}, t('list.empty'))));
    }
    replaceChildren(list, rows);
    const known = new Set(assignments.map((assignment) => assignment.id));
    const orphans = visits.filter((visit) => !known.has(visit.assignment_id));
    others.hidden = orphans.length === 0;
    replaceChildren(others, orphans.length ? [
      h('h2', { class: 'section-title' }, t('list.other_visits')),
      h('ul', { class: 'visit-rows card' }, orphans.map(visitRow)),
    ] : []);
  }

  async function reload() {
    [assignments, visits] = await Promise.all([db.listAssignments(user.id), db.listVisits(user.id)]);
    renderList();
    renderStatus();
  }

  let storageTimer = null;
  const onVisit = () => {
    reload();
    clearTimeout(storageTimer);
    storageTimer = setTimeout(renderStorage, 1000);
  };
  const onStatus = () => renderStatus();
  const onPulled = () => reload();
  const onPosition = () => {
    renderPosition();
    if (order) updateDistances();
    else renderList(); // the first fix orders the list by distance, once
  };
  ctx.outbox.addEventListener('visit', onVisit);
  ctx.outbox.addEventListener('status', onStatus);
  ctx.outbox.addEventListener('pulled', onPulled);
  ctx.positions.addEventListener('position', onPosition);
  ctx.positions.addEventListener('position-error', renderPosition);
  // Asking for the location as the app opens, unprompted, is bad manners: only when already allowed, or on a tap.
  let release = () => {};
  let isWatching = false;
  function startPositions() {
    isWatching = true;
    release = ctx.positions.acquire();
    renderPosition();
  }
  if ((await geolocationPermission()) === 'granted' || ctx.positions.latest) startPositions();
  else positionButton.hidden = false;

  // Everything is filled in before the view is shown, so nothing shifts under the surveyor's thumb.
  renderPosition();
  await Promise.all([reload(), renderStorage()]);
  root.append(view);

  return {
    unmount() {
      release();
      clearTimeout(storageTimer);
      ctx.outbox.removeEventListener('visit', onVisit);
      ctx.outbox.removeEventListener('status', onStatus);
      ctx.outbox.removeEventListener('pulled', onPulled);
      ctx.positions.removeEventListener('position', onPosition);
      ctx.positions.removeEventListener('position-error', renderPosition);
    },
  };
}
