// A wave's results for reviewers: zone tables per level with sorting and filters, units per zone per agency, a map
// of units coloured by zone, the downloads (CSV, XLSX, GeoJSON), and a report card per unit. Every score links to
// the approved visits behind it: one visit opens it, an agency or region opens the queue of its approved visits.

import * as api from '../api.js';
import { alertSlot, toast } from '../components/alert.js';
import { downloadFile } from '../components/download.js';
import { createMap } from '../components/map.js';
import { h, mount } from '../dom.js';
import { formatDate, formatDateTime, t } from '../i18n.js';
import { navigate } from '../router.js';
import { loading, pageHeader, showLoadError, tabs, waveStatusBadge } from './common.js';
import { queueSearch } from './review-common.js';
import {
  LEVELS, agencyChart, indexResults, levelTable, mapLegend, summaryFigures, unitPoints,
} from './results-tables.js';

const TREND_LEVELS = { units: 'unit', agencies: 'agency', regions: 'region' };
const DOWNLOADS = [
  { format: 'csv', label: 'CSV' },
  { format: 'xlsx', label: 'XLSX' },
  { format: 'geojson', label: 'GeoJSON' },
];

export async function render(main, { params }) {
  const back = { href: '#/results', label: t('results.all_waves') };
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('results.title'), { back }), body);
  let results;
  try {
    results = indexResults(await api.get(`waves/${params.waveId}/results`));
  } catch (error) {
    showLoadError(body, error);
    return undefined;
  }
  const { wave } = results;
  const profileKind = wave.profile_kind;
  const slot = alertSlot();
  const links = visitLinks(wave.id);
  const tables = Object.fromEntries(LEVELS.map((level) => [level, levelTable(level, results[level], {
    profileKind, dimensions: results.dimensions, links, results })]));
  const levelTabs = tabs(LEVELS.map((level) => ({
    key: `level-${level}`,
    label: `${t(`results.level.${level}`)} (${results[level].length})`,
    panel: tables[level].element,
  })));
  const mapHost = h('div', { class: 'map-results', id: 'results-map' });
  mount(main,
    pageHeader(wave.name, {
      back,
      subtitle: `${t(`profile.${wave.profile_key}`)} · `
        + `${formatDate(wave.period_start)} – ${formatDate(wave.period_end)}`,
      actions: [
        ...DOWNLOADS.map(({ format, label }) => h('button', {
          type: 'button', class: 'secondary', dataset: { download: format },
          on: { click: (event) => download(event.currentTarget, wave, format, slot) },
        }, `↓ ${label}`)),
        h('a', { class: 'button secondary', href: `#/rankings/${wave.id}`, id: 'rankings-link' }, t('rankings.open')),
        wave.status === 'published'
          ? h('a', { class: 'button', href: `/console/public.html?wave=${wave.id}`, target: '_blank', rel: 'noopener' },
            t('results.public_page')) : null,
      ].filter(Boolean),
    }),
    h('div', { class: 'results-page', dataset: { wave: wave.id, profile: profileKind } },
      h('p', { class: 'results-status' }, waveStatusBadge(wave.status), ' ',
        h('span', { class: 'muted small' }, wave.published_at
          ? t('results.published_at', { when: formatDateTime(wave.published_at) }) : t('results.live_note'))),
      slot.element,
      summaryFigures(results, profileKind),
      h('section', { class: 'panel' }, levelTabs.element),
      h('div', { class: 'columns results-visuals' },
        h('section', { class: 'panel', id: 'results-chart' }, h('h2', {}, t('results.chart_title')),
          agencyChart(results, profileKind, { hrefFor: (agency) => links.visits('agencies', agency) })),
        h('section', { class: 'panel' }, h('h2', {}, t('results.map_title')), mapHost, mapLegend(profileKind)))));
  const map = await createMap(mapHost, {
    points: unitPoints(results.units),
    onSelect: (point) => navigate(`/results/${wave.id}/units/${point.id}`),
  });
  return () => map.destroy();
}

/** Where each number leads: the one visit behind a unit, or the queue of approved visits of an agency or region. */
function visitLinks(waveId) {
  const queue = (changes) => `#/review?${queueSearch({ wave: waveId, status: 'approved', ...changes })}`;
  const visits = (level, row) => {
    if (!row.visit_ids?.length) return null;
    if (level === 'units') {
      return row.visit_ids.length === 1 ? `#/review/${row.visit_ids[0]}` : `#/results/${waveId}/units/${row.id}`;
    }
    return level === 'agencies' ? queue({ agency: row.id, region: row.region.id }) : queue({ region: row.id });
  };
  return { score: visits, visits, unit: (row) => `#/results/${waveId}/units/${row.id}`,
    trend: (level, row) => `#/trend/${TREND_LEVELS[level]}/${row.id}`, plan: (row) => `#/plan/${row.id}` };
}

async function download(button, wave, format, slot) {
  button.disabled = true;
  slot.clear();
  try {
    const name = await downloadFile(`waves/${wave.id}/results.${format}`, `hasil.${format}`);
    toast(t('results.downloaded', { name }));
  } catch (error) {
    slot.showError(error);
  } finally {
    button.disabled = false;
  }
}
