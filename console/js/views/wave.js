// One wave: what it is built on (instrument version, scoring profile and its cut-offs, period, integrity settings)
// and its status steps draft → fieldwork → review → published, moved forward one step at a time.

import * as api from '../api.js';
import { noticeAlert, toast } from '../components/alert.js';
import { cancelButton, openDialog } from '../components/dialog.js';
import { createForm } from '../components/form.js';
import { h, mount } from '../dom.js';
import { formatDate, formatDateTime, formatNumber, t, tx } from '../i18n.js';
import { INTEGRITY_FIELDS, integrityDisplayValue } from './waves.js';
import { linkButton, loading, pageHeader, showLoadError, waveStatusBadge } from './common.js';

export const STEPS = ['draft', 'fieldwork', 'review', 'published'];

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
  mount(main,
    pageHeader(wave.name, {
      back: { href: '#/waves', label: t('waves.title') },
      subtitle: `${t(`wave.kind.${wave.kind}`)} · ${formatDate(wave.period.start)} – ${formatDate(wave.period.end)}`,
      actions: [linkButton(t('waves.assign_count', { n: wave.assignment_count }), `#/waves/${wave.id}/assignments`, 'primary')],
    }),
    statusSection(wave, rerender),
    h('div', { class: 'columns' },
      h('section', { class: 'panel' },
        h('h2', {}, t('wave.built_on')),
        h('dl', { class: 'facts' },
          fact(t('waves.instrument'), h('a', { href: `#/instruments/${wave.instrument.key}/${wave.instrument.version}` },
            `${wave.instrument.title || wave.instrument.key} — ${wave.instrument.key} v${wave.instrument.version}`)),
          fact(t('waves.profile'), t(`profile.${wave.profile_key}`)),
          fact(t('waves.period'), `${formatDate(wave.period.start)} – ${formatDate(wave.period.end)}`),
          fact(t('waves.assignments'), String(wave.assignment_count)),
          wave.published_at ? fact(t('wave.published_at'), formatDateTime(wave.published_at)) : null),
        h('h3', {}, t('wave.cutoffs')),
        cutoffTable(wave.profile)),
      h('section', { class: 'panel' },
        h('h2', {}, t('waves.integrity')),
        h('dl', { class: 'facts' }, INTEGRITY_FIELDS.map((field) => fact(t(`integrity.${field.name}`),
          formatNumber(integrityDisplayValue(field, wave.integrity_settings))))),
        h('p', { class: 'muted small' }, t('wave.integrity_fixed')))));
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
