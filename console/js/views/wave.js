// One wave: what it is built on (instrument version, scoring profile and its cut-offs, period, integrity settings)
// and its status steps draft → fieldwork → review → published, moved forward one step at a time. Name, period and
// integrity settings can be edited until the review starts; the instrument and the profile only in draft.

import * as api from '../api.js';
import { errorAlert, noticeAlert, toast } from '../components/alert.js';
import { cancelButton, openDialog } from '../components/dialog.js';
import { createForm } from '../components/form.js';
import { h, mount } from '../dom.js';
import { formatDate, formatDateTime, formatNumber, t, tx } from '../i18n.js';
import {
  INTEGRITY_FIELDS, attachCutoffEditor, groupIntegrityFields, integrityAliases, integrityDisplayValue,
  integrityFormFields, integritySettingsFromForm, profileLabel, sendMarkingCutoffs,
} from './waves.js';
import { button, instrumentRef, linkButton, loading, pageHeader, showLoadError, waveStatusBadge } from './common.js';

export const STEPS = ['draft', 'fieldwork', 'review', 'published'];
const EDITABLE_STATUSES = ['draft', 'fieldwork'];

export async function render(main, { params }) {
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, body);
  let wave;
  try {
    wave = await api.get(`admin/waves/${params.id}`);
  } catch (error) {
    mount(main, pageHeader(t('waves.title'), { back: { href: '#/waves', label: t('waves.title') } }), body);
    showLoadError(body, error);
    return;
  }
  const rerender = () => render(main, { params });
  const isEditable = EDITABLE_STATUSES.includes(wave.status);
  mount(main,
    pageHeader(wave.name, {
      back: { href: '#/waves', label: t('waves.title') },
      subtitle: `${t(`wave.kind.${wave.kind}`)} · ${formatDate(wave.period.start)} – ${formatDate(wave.period.end)}`,
      actions: [
        isEditable ? button(t('wave.edit'), () => editDialog(wave, rerender), { id: 'wave-edit' }) : null,
        wave.status === 'draft' ? null : linkButton(t('results.title'), `#/results/${wave.id}`),
        linkButton(t('waves.assign_count', { n: wave.assignment_count }), `#/waves/${wave.id}/assignments`, 'primary'),
      ].filter(Boolean),
    }),
    statusSection(wave, rerender),
    h('div', { class: 'columns' },
      h('section', { class: 'panel' },
        h('h2', {}, t('wave.built_on')),
        h('dl', { class: 'facts' },
          fact(t('waves.instrument'),
            h('a', { href: `#/instruments/${wave.instrument.key}/${encodeURIComponent(wave.instrument.version)}` },
            `${wave.instrument.title || wave.instrument.key} — ${wave.instrument.key} v${wave.instrument.version}`)),
          fact(t('waves.profile'), profileLabel(wave.profile_key)),
          fact(t('waves.period'), `${formatDate(wave.period.start)} – ${formatDate(wave.period.end)}`),
          fact(t('waves.assignments'), String(wave.assignment_count)),
          wave.published_at ? fact(t('wave.published_at'), formatDateTime(wave.published_at)) : null),
        h('h3', {}, t('wave.cutoffs')),
        cutoffTable(wave.profile)),
      h('section', { class: 'panel' },
        h('h2', {}, t('waves.integrity')),
        h('dl', { class: 'facts' }, INTEGRITY_FIELDS.map((field) => fact(t(`integrity.${field.name}`),
          formatNumber(integrityDisplayValue(field, wave.integrity_settings))))),
        h('p', { class: 'muted small' }, t(isEditable ? 'wave.editable_hint' : 'wave.integrity_fixed')))));
}

// --- editing ---------------------------------------------------------------------------------------------------

function instrumentValue(instrument) {
  return `${instrument.key}@${instrument.version}`;
}

/** What the edit form changes, as the PATCH body: the profile only when another one is chosen or a cut-off moved. */
function waveChanges(wave, values, editor) {
  const changes = {
    name: values.name,
    period: { start: values.period_start, end: values.period_end },
    integrity_settings: integritySettingsFromForm(values),
  };
  if (wave.status !== 'draft') return changes;
  changes.instrument = instrumentRef(values.instrument);
  const edited = editor.edited();
  if (values.profile_key !== wave.profile_key) changes.profile_key = values.profile_key;
  if (edited) changes.profile = edited;
  return changes;
}

async function editDialog(wave, rerender) {
  const isDraft = wave.status === 'draft';
  let instruments = [];
  let profiles = new Map();
  if (isDraft) {
    try {
      const [versions, published] = await Promise.all([api.get('admin/instruments'), api.get('admin/profiles')]);
      instruments = versions;
      profiles = new Map(published.map((profile) => [profile.key, profile]));
    } catch (error) {
      openDialog({ title: t('wave.edit'), content: errorAlert(error) });
      return;
    }
  }
  // The wave's own profile may be an edited copy: its cut-offs are the ones to start from, not the published ones.
  const profileFor = (key) => (key === wave.profile_key ? wave.profile : profiles.get(key));
  let editor = null;
  const form = createForm({
    className: 'form-grid',
    fields: [
      { name: 'name', label: t('waves.name'), required: true, wide: true, value: wave.name },
      isDraft ? { name: 'instrument', label: t('waves.instrument'), type: 'select', required: true, wide: true,
        value: instrumentValue(wave.instrument), options: instruments.map((v) => ({
          value: instrumentValue(v), label: `${tx(v.title)} — ${v.key} v${v.version}` })) } : null,
      { name: 'period_start', label: t('waves.period_start'), type: 'date', required: true, value: wave.period.start },
      { name: 'period_end', label: t('waves.period_end'), type: 'date', required: true, value: wave.period.end },
      isDraft ? { name: 'profile_key', label: t('waves.profile'), type: 'select', wide: true, value: wave.profile_key,
        options: [...profiles.keys()].map((key) => ({ value: key, label: profileLabel(key) })),
        hint: t('waves.profile_hint') } : null,
      ...integrityFormFields(wave.integrity_settings),
    ].filter(Boolean),
    aliases: { 'period.start': 'period_start', 'period.end': 'period_end', 'instrument.key': 'instrument',
      'instrument.version': 'instrument', profile: 'profile_key', ...integrityAliases() },
    extra: isDraft ? null : h('div', { class: 'field-wide' }, noticeAlert(t('wave.draft_only'), 'info')),
    submitLabel: t('form.save'),
    cancel: cancelButton(),
    onSubmit: (values) => sendMarkingCutoffs(editor,
      () => api.patch(`admin/waves/${wave.id}`, waveChanges(wave, values, editor))),
    async onSuccess(edited) {
      dialog.close();
      await rerender();
      toast(t('wave.saved', { name: edited.name }));
    },
  });
  editor = isDraft ? attachCutoffEditor(form, profileFor) : null;
  groupIntegrityFields(form, editor ? editor.element : form.row('period_end'));
  const dialog = openDialog({ title: t('wave.edit'), content: form.element, wide: true });
}

function fact(label, value) {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value));
}

function cutoffTable(profile) {
  const cutoffs = profile?.cutoffs || [];
  return h('table', { class: 'compact-table' },
    h('thead', {}, h('tr', {}, h('th', {}, t('wave.cutoff_min')), h('th', {}, t('wave.cutoff_label')),
      h('th', {}, t('wave.cutoff_zone')))),
    h('tbody', {}, cutoffs.map((cutoff) => h('tr', {},
      h('td', { class: 'numeric' }, `≥ ${cutoff.min}`),
      h('td', {}, [cutoff.grade ? h('strong', {}, `${cutoff.grade} `) : null, tx(cutoff.label)]),
      h('td', {}, cutoff.zone ? h('span', { class: `zone zone-${cutoff.zone}` }, t(`zone.${cutoff.zone}`)) : '–')))));
}

function statusSection(wave, rerender) {
  const current = STEPS.indexOf(wave.status);
  const next = STEPS[current + 1];
  const stepper = h('ol', { class: 'stepper' }, STEPS.map((step, i) => h('li', {
    class: ['step', i < current ? 'step-done' : null, i === current ? 'step-current' : null],
    'aria-current': i === current ? 'step' : null,
  }, h('span', { class: 'step-number' }, String(i + 1)), h('span', { class: 'step-label' }, t(`wave.status.${step}`)),
  h('span', { class: 'step-hint small' }, t(`wave.step_hint.${step}`)))));
  const action = next
    ? h('button', { type: 'button', class: next === 'published' ? 'primary danger' : 'primary', id: 'wave-next-step',
      on: { click: () => confirmStep(wave, next, rerender) } }, t(`wave.move_to.${next}`))
    : null;
  return h('section', { class: 'panel' },
    h('div', { class: 'panel-head' }, h('h2', {}, t('waves.status')), waveStatusBadge(wave.status)),
    stepper,
    wave.status === 'draft' && !wave.assignment_count ? noticeAlert(t('wave.no_assignments_yet'), 'warning') : null,
    h('div', { class: 'form-actions' }, action));
}

function confirmStep(wave, next, rerender) {
  const form = createForm({
    fields: [],
    extra: h('p', {}, t(`wave.confirm.${next}`, { name: wave.name })),
    submitLabel: t(`wave.move_to.${next}`),
    cancel: cancelButton(),
    onSubmit: () => (next === 'published'
      ? api.post(`admin/waves/${wave.id}/publish`)
      : api.post(`admin/waves/${wave.id}/status`, { status: next })),
    async onSuccess(result) {
      dialog.close();
      await rerender();
      toast(t('wave.moved', { status: t(`wave.status.${next}`) }));
      if (result?.unreviewed_visits) toast(t('wave.unreviewed', { n: result.unreviewed_visits }));
    },
  });
  const dialog = openDialog({ title: t(`wave.move_to.${next}`), content: form.element });
}
