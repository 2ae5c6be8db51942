// Waves: the list, and creating one from an instrument version, a scoring profile (its cut-offs shown and editable
// for this wave), a period and the integrity settings its visits are checked against (geofence default, accuracy,
// photo time tolerance, seconds per indicator…).

import * as api from '../api.js';
import { noticeAlert, toast } from '../components/alert.js';
import { cancelButton, openDialog } from '../components/dialog.js';
import { cutoffEditor } from '../components/cutoffs.js';
import { createForm } from '../components/form.js';
import { createTable } from '../components/table.js';
import { h, mount } from '../dom.js';
import { formatDate, hasString, t, tx } from '../i18n.js';
import { navigate } from '../router.js';
import { button, enableActions, instrumentRef, loading, pageHeader, showLoadError, waveStatusBadge } from './common.js';

const DEFAULT_PROFILE_KEY = 'ombudsman-2021';

/** A profile's name from the catalogue; a profile the console has no name for yet shows its key. */
export function profileLabel(key) {
  return hasString(`profile.${key}`) ? t(`profile.${key}`) : key;
}

// Integrity settings as the form shows them. `scale` turns the form's unit into the server's (minutes → seconds).
export const INTEGRITY_FIELDS = [
  { name: 'geofence_default_m', server: 'geofence_default_m', fallback: 100, step: 1 },
  { name: 'max_accuracy_m', server: 'max_accuracy_m', fallback: 100, step: 1 },
  { name: 'photo_time_tolerance_min', server: 'photo_time_tolerance_s', fallback: 900, scale: 60, step: 1 },
  { name: 'min_seconds_per_indicator', server: 'min_seconds_per_indicator', fallback: 12, step: 'any' },
  { name: 'min_seconds_per_photo', server: 'min_seconds_per_photo', fallback: 8, step: 'any' },
  { name: 'late_sync_after_h', server: 'late_sync_after_s', fallback: 72 * 3600, scale: 3600, step: 1 },
  { name: 'phash_max_distance', server: 'phash_max_distance', fallback: 6, step: 1 },
  { name: 'duplicate_phash_max_distance', server: 'duplicate_phash_max_distance', fallback: 4, step: 1 },
  { name: 'max_travel_speed_kmh', server: 'max_travel_speed_kmh', fallback: 80, step: 'any' },
  { name: 'travel_allowance_m', server: 'travel_allowance_m', fallback: 1000, step: 1 },
  { name: 'travel_overlap_tolerance_min', server: 'travel_overlap_tolerance_s', fallback: 120, scale: 60, step: 'any' },
];

/** The form's integrity values → the server's `integrity_settings` (whole numbers where the server wants them). */
export function integritySettingsFromForm(values) {
  const settings = {};
  for (const field of INTEGRITY_FIELDS) {
    const value = values[field.name];
    if (value === null || value === undefined || Number.isNaN(value)) continue;
    settings[field.server] = field.scale ? Math.round(value * field.scale) : value;
  }
  return settings;
}

export function integrityDisplayValue(field, settings) {
  const raw = settings?.[field.server] ?? field.fallback;
  return field.scale ? raw / field.scale : raw;
}

export function integrityAliases() {
  return Object.fromEntries(INTEGRITY_FIELDS.map((f) => [`integrity_settings.${f.server}`, f.name]));
}

/** The integrity settings as form fields, filled from a wave's stored settings (or the defaults for null). */
export function integrityFormFields(settings) {
  return INTEGRITY_FIELDS.map((field) => ({
    name: field.name, label: t(`integrity.${field.name}`), type: 'number', min: 0, step: field.step,
    value: integrityDisplayValue(field, settings), hint: t(`integrity.${field.name}.hint`),
  }));
}

/** The integrity fields of `form` moved into their own fieldset, placed after the element `after`. */
export function groupIntegrityFields(form, after) {
  const integrity = h('fieldset', { class: 'fieldset field-wide' }, h('legend', {}, t('waves.integrity')),
    h('p', { class: 'muted small' }, t('waves.integrity_hint')));
  for (const field of INTEGRITY_FIELDS) integrity.append(form.row(field.name));
  after.after(integrity);
}

/** The cut-off editor of a wave form, placed under its profile select and following it (`profileFor(key)`). */
export function attachCutoffEditor(form, profileFor) {
  const editor = cutoffEditor();
  const select = form.input('profile_key');
  editor.show(profileFor(select.value));
  select.addEventListener('change', () => editor.show(profileFor(select.value)));
  form.row('profile_key').after(editor.element);
  return editor;
}

/** Send a wave's form; a refused cut-off is also marked in the cut-off editor before the form shows the problem. */
export async function sendMarkingCutoffs(editor, send) {
  editor?.clearErrors();
  try {
    return await send();
  } catch (error) {
    editor?.showError(error);
    throw error;
  }
}

export async function render(main) {
  const body = h('div', { class: 'page-body' }, loading());
  const data = { waves: [], instruments: [], profiles: [] };
  mount(main, pageHeader(t('waves.title'), {
    subtitle: t('waves.subtitle'),
    actions: [button(t('waves.add'), () => createDialog(data), { kind: 'primary', waiting: true })],
  }), body);
  try {
    [data.waves, data.instruments, data.profiles] = await Promise.all([
      api.get('admin/waves'), api.get('admin/instruments'), api.get('admin/profiles')]);
  } catch (error) {
    showLoadError(body, error);
    return;
  }
  const table = createTable({
    caption: t('waves.title'),
    rows: data.waves,
    empty: t('waves.empty'),
    columns: [
      { key: 'name', label: t('waves.name'), cell: (w) => h('a', { href: `#/waves/${w.id}` }, w.name) },
      { key: 'status', label: t('waves.status'), value: (w) => t(`wave.status.${w.status}`),
        cell: (w) => waveStatusBadge(w.status) },
      { key: 'instrument', label: t('waves.instrument'), value: (w) => `${w.instrument.key} v${w.instrument.version}`,
        cell: (w) => h('a', {
          class: 'mono', href: `#/instruments/${w.instrument.key}/${encodeURIComponent(w.instrument.version)}` },
          `${w.instrument.key} v${w.instrument.version}`) },
      { key: 'profile_key', label: t('waves.profile'), value: (w) => profileLabel(w.profile_key) },
      { key: 'period', label: t('waves.period'), value: (w) => w.period.start,
        cell: (w) => `${formatDate(w.period.start)} – ${formatDate(w.period.end)}` },
      { key: 'assignment_count', label: t('waves.assignments'), numeric: true },
      { key: 'actions', label: t('table.actions'), sortable: false, filterable: false,
        cell: (w) => h('div', { class: 'row-actions' },
        h('a', { class: 'button small', href: `#/waves/${w.id}` }, t('waves.open')),
        h('a', { class: 'button small', href: `#/waves/${w.id}/assignments` }, t('waves.assign')),
        w.status === 'draft'
          ? null : h('a', { class: 'button small', href: `#/results/${w.id}` }, t('results.open'))) },
    ],
  });
  mount(body, table.element);
  enableActions(main);
}

function isoDate(date) {
  return date.toISOString().slice(0, 10);
}

function createDialog(data) {
  if (!data.instruments.length) {
    openDialog({ title: t('waves.add'), content: noticeAlert(t('waves.need_instrument'), 'warning') });
    return;
  }
  // The version stored last, whatever its text says.
  const latest = [...data.instruments].sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
  const today = new Date();
  const inAMonth = new Date(today.getTime() + 30 * 86_400_000);
  const profiles = new Map(data.profiles.map((profile) => [profile.key, profile]));
  const firstProfile = profiles.has(DEFAULT_PROFILE_KEY) ? DEFAULT_PROFILE_KEY : data.profiles[0]?.key;
  let editor = null;
  const form = createForm({
    className: 'form-grid',
    fields: [
      { name: 'name', label: t('waves.name'), required: true, wide: true, hint: t('waves.name_hint') },
      { name: 'instrument', label: t('waves.instrument'), type: 'select', required: true,
        value: `${latest.key}@${latest.version}`,
        options: data.instruments.map((v) => ({
          value: `${v.key}@${v.version}`, label: `${tx(v.title)} — ${v.key} v${v.version}` })) },
      { name: 'kind', label: t('waves.kind'), type: 'select', value: 'external',
        options: ['external', 'internal'].map((kind) => ({ value: kind, label: t(`wave.kind.${kind}`) })) },
      { name: 'period_start', label: t('waves.period_start'), type: 'date', required: true, value: isoDate(today) },
      { name: 'period_end', label: t('waves.period_end'), type: 'date', required: true, value: isoDate(inAMonth) },
      // The profile spans the form so that its cut-offs can sit right under it.
      { name: 'profile_key', label: t('waves.profile'), type: 'select', value: firstProfile, wide: true,
        options: data.profiles.map((p) => ({ value: p.key, label: profileLabel(p.key) })),
        hint: t('waves.profile_hint') },
      ...integrityFormFields(null),
    ],
    aliases: { 'period.start': 'period_start', 'period.end': 'period_end', 'instrument.key': 'instrument',
      'instrument.version': 'instrument', profile: 'profile_key', ...integrityAliases() },
    submitLabel: t('waves.add'),
    cancel: cancelButton(),
    onSubmit(values) {
      return sendMarkingCutoffs(editor, () => api.post('admin/waves', {
        name: values.name, kind: values.kind, profile_key: values.profile_key,
        profile: editor.edited() ?? undefined,
        instrument: instrumentRef(values.instrument),
        period: { start: values.period_start, end: values.period_end },
        integrity_settings: integritySettingsFromForm(values),
      }));
    },
    onSuccess(wave) {
      dialog.close();
      toast(t('waves.created', { name: wave.name }));
      navigate(`/waves/${wave.id}`);
    },
  });
  editor = attachCutoffEditor(form, (key) => profiles.get(key));
  // The integrity fields go into their own fieldset, after the wave's own fields.
  groupIntegrityFields(form, editor.element);
  const dialog = openDialog({ title: t('waves.add'), content: form.element, wide: true });
}
