// A unit's, agency's or region's course over the waves (#/trend/{unit|agency|region}/{id}): the score of every wave
// it was scored in, in period order, as a small chart (internal and external drawn apart, zones as bands behind) and
// a table; for a unit, the indicators that changed between its last two waves.

import * as api from '../api.js';
import { trendChart } from '../components/trend-chart.js';
import { formatScore, resultBadges } from '../components/zones.js';
import { h, mount } from '../dom.js';
import { formatDate, getLanguage, t, tx } from '../i18n.js';
import { linkButton, loading, pageHeader, showLoadError } from './common.js';
import { changeText } from './rankings-tables.js';

const PATHS = { unit: 'units', agency: 'agencies', region: 'regions' };

export async function render(main, { params }) {
  const back = { href: '#/results', label: t('results.all_waves') };
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('trend.title'), { back }), body);
  const path = PATHS[params.level];
  if (!path) {
    showLoadError(body, new Error(t('trend.unknown_level')));
    return;
  }
  let trend;
  let changes;
  try {
    [trend, changes] = await Promise.all([
      api.get(`insights/${path}/${params.id}/trend`),
      params.level === 'unit' ? api.get(`insights/units/${params.id}/changes`).catch(() => null) : null,
    ]);
  } catch (error) {
    showLoadError(body, error);
    return;
  }
  const { subject, points } = trend;
  const newest = points.at(-1);
  const context = [subject.agency && subject.level !== 'agency' ? subject.agency.name : null, subject.region.name]
    .filter(Boolean).join(' · ');
  mount(main,
    pageHeader(t('trend.title_for', { name: subject.name }), {
      back: newest ? { href: `#/results/${newest.wave.id}`, label: t('results.title') } : back,
      subtitle: `${t(`trend.level.${subject.level}`)} · ${context}`,
      actions: subject.level === 'unit' ? [linkButton(t('plan.open'), `#/plan/${subject.id}`)] : [],
    }),
    h('div', { class: 'trend-page', dataset: { level: subject.level, id: subject.id, points: String(points.length) } },
      points.length ? [
        h('section', { class: 'panel trend-chart-panel' }, h('h2', {}, t('trend.chart_title')),
          // Scrolls sideways on a phone rather than shrink the wave names below reading size.
          h('div', { class: 'chart-scroll' },
            trendChart(points, { profileKey: newest.wave.profile_key, title: t('trend.chart_title') })),
          h('ul', { class: 'chart-legend trend-legend' },
            h('li', {}, h('span', { class: 'legend-line line-external' }), t('wave.kind.external')),
            h('li', {}, h('span', { class: 'legend-line line-internal' }), t('wave.kind.internal')))),
        h('section', { class: 'panel' }, h('div', { class: 'table-scroll' }, pointTable(trend))),
      ] : h('p', { class: 'muted' }, t('trend.no_points')),
      changes ? changesSection(changes) : null));
}

function pointTable(trend) {
  const language = getLanguage();
  return h('table', { class: 'compact-table trend-table' },
    h('thead', {}, h('tr', {}, h('th', { class: 'numeric' }, '#'), h('th', {}, t('trend.wave')),
      h('th', {}, t('trend.kind')), h('th', {}, t('trend.period')), h('th', { class: 'numeric' }, t('results.score')),
      h('th', {}, t('results.zone')), h('th', { class: 'numeric' }, t('trend.change')),
      trend.dimensions.map((dimension) => h('th', { class: 'numeric', title: tx(dimension.title, language) },
        dimension.id)))),
    h('tbody', {}, trend.points.map((point, i) => h('tr', {
      class: `point-row kind-${point.wave.kind}`,
      dataset: { wave: point.wave.id, score: point.score, kind: point.wave.kind },
    }, h('td', { class: 'numeric' }, String(i + 1)),
    h('td', {}, h('a', { href: `#/results/${point.wave.id}` }, point.wave.name)),
    h('td', {}, h('span', { class: `kind-mark kind-mark-${point.wave.kind}` }, t(`wave.kind.${point.wave.kind}`))),
    h('td', { class: 'nowrap' }, `${formatDate(point.wave.period_start)} – ${formatDate(point.wave.period_end)}`),
    h('td', { class: 'numeric' }, formatScore(point.score)),
    h('td', {}, resultBadges(point, point.zone ? 'zones' : 'grades')),
    h('td', { class: 'numeric' }, changeText(point.change)),
    trend.dimensions.map((dimension) => h('td', { class: 'numeric' },
      formatScore(point.dimensions?.[dimension.id])))))));
}

function changesSection(changes) {
  const language = getLanguage();
  const list = (key, tone) => h('div', { class: 'changes-group', dataset: { group: key } },
    h('h3', {}, `${t(`trend.changes.${key}`)} (${changes[key].length})`),
    changes[key].length ? h('ul', { class: 'changes-list' }, changes[key].map((change) => h('li', {
      class: `changes-${tone}`, dataset: { indicator: change.indicator },
    }, h('strong', {}, change.indicator), ' ', tx(change.text, language), ' ',
    h('span', { class: 'muted small' }, `${formatScore(Number(change.before) * 100, 0)} → `
      + `${formatScore(Number(change.after) * 100, 0)}`))))
      : h('p', { class: 'muted small' }, t('trend.changes.none')));
  if (!changes.from_wave || !changes.to_wave) {
    return h('section', { class: 'panel changes-panel' }, h('h2', {}, t('trend.changes.title')),
      h('p', { class: 'muted' }, t('trend.changes.one_wave')));
  }
  return h('section', { class: 'panel changes-panel' },
    h('h2', {}, t('trend.changes.title')),
    h('p', { class: 'muted small' }, t('trend.changes.between', { from: changes.from_wave.wave.name,
      to: changes.to_wave.wave.name, unchanged: changes.unchanged })),
    h('div', { class: 'columns' }, list('newly_compliant', 'up'), list('newly_failing', 'down')),
    h('div', { class: 'columns' }, list('improved', 'up'), list('declined', 'down')));
}
