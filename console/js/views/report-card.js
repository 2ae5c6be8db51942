// A unit's report card for one wave, made to be printed: its score, zone (or grade) and dimension scores, then each
// approved visit's indicators with their result and the photo evidence behind them. The print stylesheet drops the
// console around it; the thumbnails are blob: URLs, so they print like any image.

import * as api from '../api.js';
import { openLightbox } from '../components/lightbox.js';
import { createPhotoLoader, thumbnail } from '../components/photos.js';
import { formatScore, resultBadges, resultLabel } from '../components/zones.js';
import { h, mount } from '../dom.js';
import { formatDate, formatDateTime, formatNumber, getLanguage, t, tx } from '../i18n.js';
import { formatDateTimeIn } from '../times.js';
import { button, linkButton, loading, pageHeader, showLoadError } from './common.js';
import { answerText, answerTone } from './review-visit.js';

export async function render(main, { params }) {
  const back = { href: `#/results/${params.waveId}`, label: t('results.title') };
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('card.title'), { back }), body);
  let results;
  let visits;
  try {
    results = await api.get(`waves/${params.waveId}/results`);
    const unit = results.units.find((candidate) => candidate.id === params.unitId);
    if (!unit) throw Object.assign(new Error(t('card.no_unit')), { status: 404 });
    visits = await Promise.all(unit.visit_ids.map((id) => api.get(`review/visits/${id}`)));
  } catch (error) {
    showLoadError(body, error);
    return undefined;
  }
  const unit = results.units.find((candidate) => candidate.id === params.unitId);
  const loader = createPhotoLoader();
  const language = getLanguage();
  const profileKind = results.wave.profile_kind;
  mount(main,
    pageHeader(t('card.title_for', { name: unit.name }), {
      back,
      actions: [
        linkButton(t('trend.open'), `#/trend/unit/${unit.id}`), linkButton(t('plan.open'), `#/plan/${unit.id}`),
        button(t('card.print'), () => globalThis.print(), { kind: 'primary', id: 'print-card' }),
      ],
    }),
    h('article', { class: 'report-card', dataset: { unit: unit.id, score: unit.score ?? '' } },
      cardHead(results, unit, profileKind, language),
      dimensionTable(results.dimensions, unit, language),
      visits.length ? visits.map((visit) => visitSection(visit, loader, language))
        : h('p', { class: 'muted' }, t('card.no_visits')),
      h('footer', { class: 'card-footer small muted' },
        t('card.footer', { when: formatDateTime(new Date().toISOString()) }))));
  return () => loader.revokeAll();
}

function cardHead(results, unit, profileKind, language) {
  const { wave } = results;
  return h('header', { class: 'card-head' },
    h('div', { class: 'card-identity' },
      h('p', { class: 'card-kicker' },
        `${wave.name} · ${formatDate(wave.period_start)} – ${formatDate(wave.period_end)}`),
      h('h2', { class: 'card-unit' }, unit.name),
      h('p', { class: 'muted' }, `${unit.agency.name} · ${unit.region.name}`),
      unit.address ? h('p', { class: 'muted small' }, unit.address) : null),
    h('div', { class: 'card-score' },
      h('div', { class: 'card-score-number', dataset: { score: unit.score ?? '' } }, formatScore(unit.score)),
      resultBadges(unit, profileKind),
      h('div', { class: 'small muted' }, resultLabel(unit, language)),
      h('div', { class: 'small muted' }, t(`profile.${wave.profile_key}`))));
}

function dimensionTable(dimensions, unit, language) {
  return h('section', { class: 'card-section' }, h('h3', {}, t('card.dimensions')),
    h('table', { class: 'compact-table card-dimensions' },
      h('thead', {}, h('tr', {},
        h('th', {}, t('instrument.dimensions')),
        h('th', { class: 'numeric' }, t('card.weight')),
        h('th', { class: 'numeric' }, t('results.score')),
        h('th', { class: 'bar-cell' }, h('span', { class: 'visually-hidden' }, t('results.score'))))),
      h('tbody', {}, dimensions.map((dimension) => {
        const score = unit.dimensions?.[dimension.id];
        const bar = h('span', { class: 'score-bar' });
        bar.style.width = `${Math.max(0, Math.min(100, Number(score) || 0))}%`;
        return h('tr', { dataset: { dimension: dimension.id } },
          h('td', {}, `${dimension.id}. ${tx(dimension.title, language)}`),
          h('td', { class: 'numeric' }, formatNumber(dimension.weight)),
          h('td', { class: 'numeric' }, formatScore(score)),
          h('td', { class: 'bar-cell' }, h('span', { class: 'score-track' }, bar)));
      }))));
}

function visitSection(visit, loader, language) {
  const timeZone = visit.region.timezone;
  const items = visit.answers.flatMap((answer) => answer.photos.map((photo) => ({
    photo, caption: `${answer.indicator} — ${tx(answer.text, language)} · ${answerText(answer, language)}`,
    details: formatDateTimeIn(photo.exif_taken_at || photo.taken_at, timeZone),
  })));
  const open = (photo) => openLightbox(items, items.findIndex((item) => item.photo.id === photo.id), loader);
  return h('section', { class: 'card-section card-visit', dataset: { visit: visit.id } },
    h('h3', {},
      h('a', { href: `#/review/${visit.id}` }, t('card.visit', { when: formatDateTimeIn(visit.started_at, timeZone) })),
      h('span', { class: 'muted small' },
        ` · ${visit.surveyor.display_name} · ${t('review.revision_n', { n: visit.revision })}`)),
    visit.dimensions.map((dimension) => h('div', { class: 'card-dimension' },
      h('h4', {}, `${dimension.id}. ${tx(dimension.title, language)}`,
        visit.score?.dimensions?.[dimension.id] != null
          ? h('span', { class: 'muted' }, ` · ${formatScore(visit.score.dimensions[dimension.id])}`) : null),
      h('table', { class: 'compact-table card-indicators' },
        h('colgroup', {},
          ['indicator', 'answer', 'result', 'evidence'].map((name) => h('col', { class: `col-${name}` }))),
        h('thead', {}, h('tr', {}, h('th', {}, t('card.indicator')), h('th', {}, t('card.answer')),
          h('th', { class: 'numeric' }, t('card.result')), h('th', {}, t('card.evidence')))),
        h('tbody', {}, visit.answers.filter((answer) => answer.dimension === dimension.id).map((answer) => {
          const tone = answerTone(answer);
          return h('tr', { class: tone ? `answer-${tone}` : null, dataset: { indicator: answer.indicator } },
            h('td', {}, h('strong', {}, answer.indicator), ' ', tx(answer.text, language)),
            h('td', {},
              h('span', { class: ['answer-value', tone ? `tone-${tone}` : null] }, answerText(answer, language)),
              answer.note ? h('div', { class: 'small muted' }, answer.note) : null),
            h('td', { class: 'numeric' }, answer.score === null || answer.score === undefined ? '–'
              : formatScore(Number(answer.score) * 100, 0)),
            h('td', {}, h('div', { class: 'card-evidence' }, answer.photos.map((photo) => thumbnail(photo, loader, {
              onOpen: () => open(photo), label: `${answer.indicator}` })))));
        }))))));
}
