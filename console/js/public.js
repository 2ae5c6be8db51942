// The public results page (/console/public.html?wave=ID): a published wave's scores and zones per unit, agency and
// region, read from GET /api/public/waves/{id}/results without logging in. That answer holds no evidence and no
// names of people, and this page shows nothing else. Without ?wave= it lists the published waves.

import { ApiError, getPublic } from './api.js';
import { errorAlert, noticeAlert } from './components/alert.js';
import { createMap } from './components/map.js';
import { h, mount } from './dom.js';
import {
  LANGUAGE_EVENT, LANGUAGES, formatDate, formatDateTime, getLanguage, loadLanguage, setLanguage, t,
} from './i18n.js';
import { tabs } from './views/common.js';
import { rankingFilters, rankingSections } from './views/rankings-tables.js';
import {
  LEVELS, agencyChart, indexResults, levelTable, mapLegend, summaryFigures, unitPoints,
} from './views/results-tables.js';

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');
let map = null;

// The public routes need no session, and a console session open in the same browser is not sent.
const publicGet = (path) => getPublic(`public/${path}`);

function renderTopbar() {
  mount(topbar,
    h('a', { class: 'brand', href: '/console/public.html' },
      h('span', { class: 'brand-name' }, 'Sidak'), h('span', { class: 'brand-sub' }, t('public.brand'))),
    h('div', { class: 'topbar-end' },
      h('div', { class: 'language-switch', role: 'group', 'aria-label': t('nav.language') },
        LANGUAGES.map((language) => h('button', {
          type: 'button', class: 'language-button', lang: language, 'aria-pressed': String(language === getLanguage()),
          on: { click: () => setLanguage(language) },
        }, t(`language.${language}`))))));
}

function setTitle(title) {
  document.title = `${title} — Sidak`;
}

async function renderWaveList() {
  setTitle(t('public.title'));
  mount(main, h('h1', {}, t('public.title')), h('p', { class: 'loading' }, t('state.loading')));
  let waves;
  try {
    waves = await publicGet('waves');
  } catch (error) {
    mount(main, h('h1', {}, t('public.title')), errorAlert(error));
    return;
  }
  mount(main, h('div', { class: 'page-header' }, h('div', { class: 'page-heading' }, h('h1', {}, t('public.title')),
    h('p', { class: 'page-subtitle' }, t('public.intro')))),
  waves.length ? h('ul', { class: 'public-waves' }, waves.map((wave) => h('li', {},
    h('a', { href: `?wave=${encodeURIComponent(wave.id)}` }, wave.name),
    h('span', { class: 'muted small' }, ` · ${formatDate(wave.period_start)} – ${formatDate(wave.period_end)} · `
      + t('results.published_at', { when: formatDateTime(wave.published_at) })))))
    : noticeAlert(t('public.no_waves')));
}

function notPublished() {
  setTitle(t('public.not_published_title'));
  mount(main, h('section', { class: 'panel public-not-published', id: 'not-published' },
    h('h1', {}, t('public.not_published_title')),
    h('p', {}, t('public.not_published')),
    h('p', {}, h('a', { href: '/console/public.html' }, t('public.see_published')))));
}

async function renderWave(waveId) {
  mount(main, h('p', { class: 'loading' }, t('state.loading')));
  let results;
  try {
    results = indexResults(await publicGet(`waves/${encodeURIComponent(waveId)}/results`));
  } catch (error) {
    if (error instanceof ApiError && [400, 404, 422].includes(error.status)) notPublished();
    else mount(main, h('h1', {}, t('public.title')), errorAlert(error));
    return;
  }
  const { wave } = results;
  const profileKind = wave.profile_kind;
  setTitle(wave.name);
  const levelTabs = tabs(LEVELS.map((level) => ({
    key: `level-${level}`, label: `${t(`results.level.${level}`)} (${results[level].length})`,
    panel: levelTable(level, results[level], { profileKind, dimensions: results.dimensions, results }).element,
  })));
  const mapHost = h('div', { class: 'map-results', id: 'results-map' });
  const rankingsHost = h('section', { class: 'panel public-rankings', id: 'public-rankings' });
  mount(main,
    h('div', { class: 'page-header' }, h('div', { class: 'page-heading' },
      h('a', { class: 'back-link', href: '/console/public.html' }, `← ${t('public.all_waves')}`),
      h('h1', {}, wave.name),
      h('p', { class: 'page-subtitle' }, `${t(`profile.${wave.profile_key}`)} · ${formatDate(wave.period_start)} – `
        + `${formatDate(wave.period_end)} · `
        + t('results.published_at', { when: formatDateTime(wave.published_at) })))),
    h('div', { class: 'results-page public-results', dataset: { wave: wave.id, profile: profileKind } },
      h('p', { class: 'muted' }, t('public.method')),
      summaryFigures(results, profileKind),
      h('section', { class: 'panel' }, levelTabs.element),
      h('div', { class: 'columns results-visuals' },
        h('section', { class: 'panel', id: 'results-chart' }, h('h2', {}, t('results.chart_title')),
          agencyChart(results, profileKind)),
        h('section', { class: 'panel' }, h('h2', {}, t('results.map_title')), mapHost, mapLegend(profileKind))),
      rankingsHost));
  showRankings(rankingsHost, wave.id, {});
  map = await createMap(mapHost, { points: unitPoints(results.units) });
}

/** The wave's rankings (units and agencies only, no visits), asked again of the server when a filter changes. */
async function showRankings(host, waveId, filters) {
  mount(host, h('h2', {}, t('rankings.title')), h('p', { class: 'loading' }, t('state.loading')));
  let rankings;
  try {
    rankings = await getPublic(`public/waves/${encodeURIComponent(waveId)}/rankings`, filters);
  } catch (error) {
    mount(host, h('h2', {}, t('rankings.title')), errorAlert(error));
    return;
  }
  const search = new URLSearchParams(Object.entries(filters).filter(([, value]) => value)).toString();
  mount(host,
    h('div', { class: 'panel-head' }, h('h2', {}, t('rankings.title')),
      h('a', { class: 'button secondary', download: '', dataset: { download: 'csv' },
        href: `/api/public/waves/${encodeURIComponent(waveId)}/rankings.csv${search ? `?${search}` : ''}` }, '↓ CSV')),
    h('p', { class: 'muted small' }, t('rankings.ties_note')),
    rankingFilters(rankings, (next) => showRankings(host, waveId, next)),
    rankingSections(rankings));
}

async function render() {
  map?.destroy();
  map = null;
  renderTopbar();
  const waveId = new URLSearchParams(globalThis.location.search).get('wave');
  if (waveId) await renderWave(waveId);
  else await renderWaveList();
}

loadLanguage();
globalThis.addEventListener(LANGUAGE_EVENT, render);
render();
