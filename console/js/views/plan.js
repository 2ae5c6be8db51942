// A unit's improvement plan (#/plan/{unitId}): from its latest approved visit, every indicator not fully met,
// grouped by dimension and most recoverable points first (the API's order, kept as is), each with its evidence
// photos, the supervisors' comments and the instrument's guidance in the current language. Printable (the print
// stylesheet drops the console around it) and downloadable as CSV for the head of the unit. Times are the unit's own
// (its region's zone), whoever reads the plan and wherever.

import * as api from '../api.js';
import { alertSlot, toast } from '../components/alert.js';
import { downloadFile } from '../components/download.js';
import { openLightbox } from '../components/lightbox.js';
import { createPhotoLoader, thumbnail } from '../components/photos.js';
import { formatScore, resultBadges } from '../components/zones.js';
import { h, mount } from '../dom.js';
import { getLanguage, t, tx } from '../i18n.js';
import { formatDateIn, formatDateTimeIn } from '../times.js';
import { button, linkButton, loading, pageHeader, showLoadError } from './common.js';

export async function render(main, { params }) {
  const back = { href: '#/results', label: t('results.all_waves') };
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('plan.title'), { back }), body);
  let plan;
  try {
    plan = await api.get(`insights/units/${params.unitId}/plan`);
  } catch (error) {
    showLoadError(body, error);
    return undefined;
  }
  const loader = createPhotoLoader();
  const slot = alertSlot();
  const { unit, visit } = plan;
  const csvButton = h('button', { type: 'button', class: 'secondary', dataset: { download: 'csv' },
    on: { click: () => download(csvButton, unit, slot) } }, '↓ CSV');
  mount(main,
    pageHeader(t('plan.title_for', { name: unit.name }), {
      back: visit ? { href: `#/results/${visit.wave.id}`, label: t('results.title') } : back,
      actions: [linkButton(t('trend.open'), `#/trend/unit/${unit.id}`), csvButton,
        button(t('card.print'), () => globalThis.print(), { kind: 'primary', id: 'print-plan' })],
    }),
    slot.element,
    h('article', { class: 'report-card improvement-plan', dataset: { unit: unit.id } },
      planHead(plan),
      visit ? planBody(plan, loader) : h('p', { class: 'muted' }, t('plan.no_visit')),
      h('footer', { class: 'card-footer small muted' },
        t('plan.footer', { when: formatDateTimeIn(new Date().toISOString(), plan.timezone) }))));
  return () => loader.revokeAll();
}

function planHead(plan) {
  const { unit, visit } = plan;
  return h('header', { class: 'card-head' },
    h('div', { class: 'card-identity' },
      visit ? h('p', { class: 'card-kicker' }, t('plan.from_visit', { wave: visit.wave.name,
        when: formatDateIn(visit.finished_at, plan.timezone) })) : null,
      h('h2', { class: 'card-unit' }, unit.name),
      h('p', { class: 'muted' }, `${unit.agency.name} · ${unit.region.name}`),
      unit.address ? h('p', { class: 'muted small' }, unit.address) : null),
    visit ? h('div', { class: 'card-score' },
      h('div', { class: 'card-score-number' }, formatScore(visit.score)),
      resultBadges(visit, visit.zone ? 'zones' : 'grades'),
      h('div', { class: 'small muted plan-recoverable' },
        t('plan.recoverable_total', { points: formatScore(plan.points_recoverable) }))) : null);
}

function planBody(plan, loader) {
  if (!plan.dimensions.length) return h('p', { class: 'plan-nothing' }, t('plan.nothing'));
  const language = getLanguage();
  const items = plan.dimensions.flatMap((dimension) => dimension.items);
  const gallery = items.flatMap((item) => item.photos.map((photo) => ({
    photo: asPhoto(photo),
    caption: `${item.indicator} — ${tx(item.text, language)}`,
    details: tx(item.answer.text, language),
  })));
  const open = (photo) => openLightbox(gallery, gallery.findIndex((entry) => entry.photo.id === photo.id), loader);
  return [
    plan.visit.approval_comment ? h('p', { class: 'plan-approval' }, h('strong', {}, t('plan.approval_comment')), ' ',
      plan.visit.approval_comment) : null,
    plan.dimensions.map((dimension) => h('section', { class: 'card-section plan-dimension',
      dataset: { dimension: dimension.id } },
    h('h3', {}, `${dimension.id}. ${tx(dimension.title, language)}`,
      h('span', { class: 'muted' }, ` · ${t('plan.points', { points: formatScore(dimension.points_recoverable) })}`)),
    h('ol', { class: 'plan-items' }, dimension.items.map((item) => planItem(item, loader, open, language,
      plan.timezone)))))];
}

function planItem(item, loader, open, language, timeZone) {
  return h('li', { class: 'plan-item', dataset: { indicator: item.indicator, points: item.points_recoverable } },
    h('div', { class: 'plan-item-head' },
      h('span', {}, h('strong', {}, item.indicator), ' ', tx(item.text, language)),
      h('span', { class: 'plan-points' }, t('plan.points', { points: formatScore(item.points_recoverable) }))),
    h('div', { class: 'plan-item-body' },
      h('div', { class: 'plan-item-text' },
        h('p', { class: 'small' }, h('span', { class: 'muted' }, `${t('card.answer')}: `),
          h('span', { class: 'answer-value' }, tx(item.answer.text, language)),
          h('span', { class: 'muted' }, ` · ${t('card.result')}: ${formatScore(Number(item.score) * 100, 0)}`)),
        item.answer.note ? h('p', { class: 'small muted' }, item.answer.note) : null,
        item.guidance ? h('div', { class: 'plan-guidance' }, h('strong', {}, t('plan.guidance')), ' ',
          tx(item.guidance, language)) : null,
        item.comments.map((comment) => h('blockquote',
          { class: 'plan-comment', dataset: { decision: comment.decision } },
          h('span', { class: 'muted small' }, `${t('plan.comment')} (${t(`plan.decision.${comment.decision}`)}, `
            + `${formatDateTimeIn(comment.decided_at, timeZone)}): `), comment.text))),
      h('div', { class: 'card-evidence' }, item.photos.length
        ? item.photos.map((photo) => thumbnail(asPhoto(photo), loader, { onOpen: () => open(asPhoto(photo)),
          label: item.indicator }))
        : h('span', { class: 'muted small' }, t('plan.no_photo')))));
}

/** The plan's photo ({id, thumb, display}) in the shape the photo components take. */
function asPhoto(photo) {
  return { id: photo.id, indicator: 'foto', urls: { thumb: photo.thumb, display: photo.display,
    original: photo.display.replace(/\/display$/, '/original') } };
}

async function download(button, unit, slot) {
  button.disabled = true;
  slot.clear();
  try {
    const name = await downloadFile(`insights/units/${unit.id}/plan.csv`, 'rencana-perbaikan.csv');
    toast(t('results.downloaded', { name }));
  } catch (error) {
    slot.showError(error);
  } finally {
    button.disabled = false;
  }
}
