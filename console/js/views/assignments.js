// A wave's assignments: the list with each surveyor's load, the seeded random draw (a dry-run preview of every
// surveyor's load, the windows and the warnings — units without coordinates above all — before anything is stored),
// and explicit assignments one at a time; an assignment nobody has visited can be taken back. Assignments are secret:
// only admins see this page.

import * as api from '../api.js';
import { alertSlot, noticeAlert, toast } from '../components/alert.js';
import { cancelButton, openDialog } from '../components/dialog.js';
import { createForm } from '../components/form.js';
import { createTable } from '../components/table.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { formatSpanIn, zonedInputToIso } from '../times.js';
import { badge, button, loading, pageHeader, showLoadError, tabs, waveStatusBadge } from './common.js';

const ASSIGNABLE_STATUSES = ['draft', 'fieldwork'];

/** A fresh seed an admin can write down and read out: six digits. */
export function newSeed() {
  return String(100_000 + (crypto.getRandomValues(new Uint32Array(1))[0] % 900_000));
}

function windowDefaults(wave) {
  return { start: `${wave.period.start}T08:00`, end: `${wave.period.end}T16:00` };
}

/** Seeds typed as digits travel as numbers, so "42" and 42 draw alike whichever client sent them. */
export function seedValue(text) {
  const trimmed = String(text ?? '').trim();
  return /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export async function render(main, { params }) {
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, body);
  const data = {};
  try {
    [data.wave, data.batch, data.surveyors, data.units, data.regions] = await Promise.all([
      api.get(`admin/waves/${params.id}`), api.get(`admin/waves/${params.id}/assignments`),
      api.get('admin/users', { role: 'surveyor' }), api.get('admin/units'), api.get('admin/regions')]);
  } catch (error) {
    mount(main, pageHeader(t('assign.title'), { back: { href: '#/waves', label: t('waves.title') } }), body);
    showLoadError(body, error);
    return;
  }
  data.surveyors = data.surveyors.filter((user) => user.is_active);
  data.zoneOfUnit = unitZones(data);
  const wave = data.wave;
  const canAssign = ASSIGNABLE_STATUSES.includes(wave.status);
  const summary = h('section', { class: 'panel', id: 'assignment-summary' });
  const listTable = assignmentTable(data.batch.assignments, 'assignment-list', data.zoneOfUnit,
    canAssign ? (assignment) => confirmDelete(wave, assignment, reload) : null);

  async function reload() {
    data.batch = await api.get(`admin/waves/${wave.id}/assignments`);
    listTable.setRows(data.batch.assignments);
    showSummary();
  }

  function showSummary() {
    const batch = data.batch;
    mount(summary,
      h('div', { class: 'panel-head' }, h('h2', {}, t('assign.current', { n: batch.assignments.length }))),
      batch.loads.length ? loadBars(batch.loads) : h('p', { class: 'muted' }, t('assign.none_yet')),
      warningList(batch.warnings));
  }

  const view = tabs([
    { key: 'list', label: t('assign.tab_list'), panel: listTable.element },
    { key: 'draw', label: t('assign.tab_draw'), panel: drawPanel(data, canAssign, reload, () => view.select('list')) },
    { key: 'explicit', label: t('assign.tab_explicit'), panel: explicitPanel(data, canAssign, reload) },
  ]);
  if (!data.batch.assignments.length) view.select('draw');
  mount(main,
    pageHeader(t('assign.title_for', { name: wave.name }), {
      back: { href: `#/waves/${wave.id}`, label: wave.name },
      subtitle: t('assign.subtitle'),
      actions: [waveStatusBadge(wave.status)],
    }),
    canAssign ? null : noticeAlert(t('assign.closed', { status: t(`wave.status.${wave.status}`) }), 'warning'),
    summary,
    view.element);
  showSummary();
}

function surveyorName(surveyor) {
  return `${surveyor.display_name} (${surveyor.username})`;
}

function hasCoordinates(unit) {
  return Number.isFinite(unit.lat) && Number.isFinite(unit.lon);
}

/** unit id → its region's time zone, the one its window is typed and shown in. */
function unitZones(data) {
  const zoneOfRegion = new Map(data.regions.map((region) => [region.id, region.timezone]));
  return new Map(data.units.map((unit) => [unit.id, zoneOfRegion.get(unit.region.id)]));
}

/** The zone a draw's window is typed in: the chosen region's, or the one zone all regions share (else none). */
function drawZone(data, regionId) {
  const regions = regionId ? data.regions.filter((region) => region.id === regionId) : data.regions;
  const zones = new Set(regions.map((region) => region.timezone));
  return zones.size === 1 ? [...zones][0] : undefined;
}

/** The assignments as a table; with `onDelete`, each stored row gets a button that takes it back. */
function assignmentTable(rows, id, zoneOfUnit, onDelete = null) {
  const deleteColumn = { key: 'actions', label: t('table.actions'), sortable: false, filterable: false,
    cell: (a) => (a.id ? h('button', { type: 'button', class: 'small danger', dataset: { delete: a.id },
      'aria-label': t('assign.delete_named', { unit: a.unit.name, surveyor: surveyorName(a.surveyor) }),
      on: { click: () => onDelete(a) } }, t('assign.delete')) : null) };
  const table = createTable({
    caption: t('assign.tab_list'),
    rows,
    rowKey: (a) => a.id || `${a.unit.id}/${a.surveyor.id}`,
    rowData: (a) => ({ unit: a.unit.id, surveyor: a.surveyor.username }),
    initialSort: { key: 'surveyor' },
    empty: t('assign.none_yet'),
    columns: [
      { key: 'surveyor', label: t('assign.surveyor'), value: (a) => surveyorName(a.surveyor) },
      { key: 'unit', label: t('units.name'), value: (a) => a.unit.name },
      { key: 'agency', label: t('units.agency'), value: (a) => a.unit.agency },
      { key: 'region', label: t('units.region'), value: (a) => a.unit.region },
      { key: 'window', label: t('assign.window'), value: (a) => a.window.start,
        cell: (a) => formatSpanIn(a.window.start, a.window.end, zoneOfUnit.get(a.unit.id)) },
      { key: 'coordinates', label: t('units.coordinates'), value: (a) => (hasCoordinates(a.unit) ? 'ok' : ''),
        cell: (a) => (hasCoordinates(a.unit) ? '✓' : badge(t('units.no_coordinates'), 'warning')) },
      ...(onDelete ? [deleteColumn] : []),
    ],
  });
  table.element.id = id;
  return table;
}

function confirmDelete(wave, assignment, reload) {
  const form = createForm({
    fields: [],
    extra: h('p', {},
      t('assign.delete_confirm', { unit: assignment.unit.name, surveyor: surveyorName(assignment.surveyor) })),
    submitLabel: t('assign.delete'),
    cancel: cancelButton(),
    onSubmit: () => api.request('DELETE', `admin/waves/${wave.id}/assignments/${assignment.id}`),
    async onSuccess() {
      dialog.close();
      await reload();
      toast(t('assign.deleted', { unit: assignment.unit.name }));
    },
  });
  form.submitButton.classList.add('danger');
  const dialog = openDialog({ title: t('assign.delete_title'), content: form.element });
}

function loadBars(loads) {
  const most = Math.max(1, ...loads.map((load) => load.assignments));
  return h('table', { class: 'load-table' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('assign.surveyor')),
      h('th', { scope: 'col', class: 'numeric' }, t('assign.load')),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('assign.load'))))),
    h('tbody', {}, loads.map((load) => {
      const bar = h('span', { class: 'load-bar' });
      // A width from data: set through the CSSOM, which the style-src policy allows (unlike a style attribute).
      bar.style.width = `${Math.round((100 * load.assignments) / most)}%`;
      return h('tr', { dataset: { surveyor: load.surveyor.username } },
        h('td', {}, surveyorName(load.surveyor)),
        h('td', { class: 'numeric load-count' }, String(load.assignments)),
        h('td', { class: 'load-cell' }, bar));
    })));
}

function warningList(warnings) {
  if (!warnings?.length) return null;
  return h('div', { class: 'alert alert-warning', role: 'alert' },
    h('p', { class: 'alert-title' }, t('assign.warnings', { n: warnings.length })),
    h('ul', { class: 'alert-list warning-list' }, warnings.map((warning) => h('li', { dataset: { code: warning.code } },
      h('strong', {}, `${t(`assign.warning.${warning.code}`)}: `), warning.message))));
}

// --- the draw ------------------------------------------------------------------------------------------------------

function drawPanel(data, canAssign, reload, showList) {
  const { wave } = data;
  const defaults = windowDefaults(wave);
  const alerts = alertSlot();
  const result = h('div', { class: 'draw-result', id: 'draw-result' });
  let previewedKey = null;
  const form = createForm({
    className: 'form-grid',
    fields: [
      { name: 'seed', label: t('draw.seed'), required: true, value: newSeed(), hint: t('draw.seed_hint') },
      { name: 'region', label: t('draw.units'), type: 'select', value: '',
        options: [{ value: '', label: t('draw.all_unassigned') },
          ...data.regions.map((region) => ({
            value: region.id, label: t('draw.unassigned_in', { name: region.name }) }))] },
      { name: 'window_start', label: t('assign.window_start'), type: 'datetime-local', required: true,
        value: defaults.start },
      { name: 'window_end', label: t('assign.window_end'), type: 'datetime-local', required: true, value: defaults.end,
        hint: t('draw.window_hint') },
      { name: 'surveyor_ids', label: t('draw.surveyors'), type: 'checkboxes', wide: true,
        value: data.surveyors.map((s) => s.id), emptyText: t('draw.no_surveyors'),
        options: data.surveyors.map((s) => ({ value: s.id, label: surveyorName(s) })) },
    ],
    aliases: { 'draw.seed': 'seed', 'draw.window_start': 'window_start', 'draw.window_end': 'window_end',
      'draw.surveyor_ids': 'surveyor_ids', 'draw.unit_ids': 'region', draw: 'seed' },
    submitLabel: t('draw.preview'),
    onSubmit: (values) => api.post(`admin/waves/${wave.id}/assignments`,
      { draw: { ...drawBody(values), dry_run: true } }),
    onSuccess(preview) {
      previewedKey = JSON.stringify(drawBody(form.values()));
      showResult(preview);
      saveButton.disabled = !canAssign || !preview.assignments.length;
    },
  });
  const newSeedButton = button(t('draw.new_seed'), () => {
    form.input('seed').value = newSeed();
    invalidate();
  }, { kind: 'small' });
  const seedInput = form.input('seed');
  const seedLine = h('div', { class: 'input-with-button' });
  seedInput.replaceWith(seedLine);
  seedLine.append(seedInput, newSeedButton);
  const saveButton = button(t('draw.save'), save, { kind: 'primary', id: 'draw-save', disabled: true });
  form.element.querySelector('.form-actions').append(saveButton);
  form.element.addEventListener('input', invalidate);
  form.element.addEventListener('change', invalidate);

  function drawBody(values) {
    const zone = drawZone(data, values.region);
    const body = {
      seed: seedValue(values.seed),
      surveyor_ids: values.surveyor_ids,
      window_start: zonedInputToIso(values.window_start, zone),
      window_end: zonedInputToIso(values.window_end, zone),
    };
    if (values.region) {
      // Read from the stored list each time: saving a draw or taking an assignment back changes it.
      const assigned = new Set(data.batch.assignments.map((a) => a.unit.id));
      body.unit_ids = data.units.filter((u) => u.region.id === values.region && !assigned.has(u.id)).map((u) => u.id);
    }
    return body;
  }

  // Saving stores exactly what was previewed: any change to the inputs asks for a new preview first.
  function invalidate() {
    if (previewedKey && previewedKey !== JSON.stringify(drawBody(form.values()))) {
      previewedKey = null;
      saveButton.disabled = true;
      result.replaceChildren(noticeAlert(t('draw.changed'), 'info'));
    }
  }

  async function save() {
    const body = drawBody(form.values());
    if (JSON.stringify(body) !== previewedKey) return;
    saveButton.disabled = true;
    alerts.clear();
    try {
      const stored = await api.post(`admin/waves/${wave.id}/assignments`, { draw: { ...body, dry_run: false } });
      toast(t('draw.saved', { n: stored.assignments.length, seed: stored.seed }));
      previewedKey = null;
      result.replaceChildren();
      await reload();
      showList();
    } catch (error) {
      alerts.showError(error);
      saveButton.disabled = false;
    }
  }

  function showResult(preview) {
    mount(result,
      h('h3', {}, t('draw.preview_title', { seed: preview.seed })),
      h('p', { class: 'muted small' }, t('draw.preview_intro', { n: preview.assignments.length })),
      preview.loads.length ? loadBars(preview.loads) : null,
      warningList(preview.warnings),
      preview.unassigned.length
        ? h('div', { class: 'alert alert-error', role: 'alert' },
          h('p', { class: 'alert-title' }, t('draw.unassigned', { n: preview.unassigned.length })),
          h('ul', { class: 'alert-list' }, preview.unassigned.map((u) => h('li', {}, `${u.name} — ${u.agency}`))))
        : null,
      assignmentTable(preview.assignments, 'draw-preview-table', data.zoneOfUnit).element);
  }

  return h('div', { class: 'panel' },
    h('p', { class: 'muted' }, t('draw.intro')),
    canAssign ? null : noticeAlert(t('draw.preview_only'), 'info'),
    form.element, alerts.element, result);
}

// --- explicit assignments -------------------------------------------------------------------------------------------

function explicitPanel(data, canAssign, reload) {
  const { wave } = data;
  const defaults = windowDefaults(wave);
  if (!canAssign) return noticeAlert(t('assign.closed', { status: t(`wave.status.${wave.status}`) }), 'info');
  const form = createForm({
    className: 'form-grid',
    fields: [
      { name: 'unit_id', label: t('units.name'), type: 'select', required: true, value: '',
        options: [{ value: '', label: t('assign.choose_unit') }, ...data.units.map((u) => ({
          value: u.id,
          label: `${u.name} — ${u.agency.name}${hasCoordinates(u) ? '' : ` (${t('units.no_coordinates')})`}`,
        }))] },
      { name: 'surveyor_id', label: t('assign.surveyor'), type: 'select', required: true, value: '',
        options: [{ value: '', label: t('assign.choose_surveyor') },
          ...data.surveyors.map((s) => ({ value: s.id, label: surveyorName(s) }))] },
      { name: 'window_start', label: t('assign.window_start'), type: 'datetime-local', required: true,
        value: defaults.start },
      { name: 'window_end', label: t('assign.window_end'), type: 'datetime-local', required: true, value: defaults.end,
        hint: t('assign.window_hint') },
    ],
    aliases: {
      'assignments[0].unit_id': 'unit_id', 'assignments[0].surveyor_id': 'surveyor_id',
      'assignments[0].window_start': 'window_start', 'assignments[0].window_end': 'window_end',
      'assignments[0]': 'unit_id', assignments: 'unit_id',
    },
    submitLabel: t('assign.add'),
    onSubmit: (values) => {
      const zone = data.zoneOfUnit.get(values.unit_id);
      return api.post(`admin/waves/${wave.id}/assignments`, { assignments: [{
        unit_id: values.unit_id || null, surveyor_id: values.surveyor_id || null,
        window_start: zonedInputToIso(values.window_start, zone), window_end: zonedInputToIso(values.window_end, zone),
      }] });
    },
    async onSuccess(stored) {
      toast(t('assign.added', { n: stored.assignments.length }));
      await reload();
      mount(form.element.querySelector('.form-alert'), warningList(stored.warnings));
    },
  });
  return h('div', { class: 'panel' }, h('p', { class: 'muted' }, t('assign.explicit_intro')), form.element);
}
