// The rankings ("kompetisi") of a wave, for the reviewers' page and the public page: units and agencies in the
// API's order, a shared rank written "2=" and marked as a tie, filters by region and agency kind (asked of the server,
// which ranks within them), and the most improved since the previous wave. The public answer holds no visits, so
// the public page passes no `links`.

import { createTable } from '../components/table.js';
import { formatScore, resultBadges } from '../components/zones.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { tabs } from './common.js';

const LEVELS = ['units', 'agencies'];

/** "2=" for a shared rank, "2" otherwise: the tie is shown, never broken silently. */
export function rankText(entry) {
  return entry.tied ? `${entry.rank}=` : String(entry.rank);
}

export function changeText(change) {
  if (change === null || change === undefined) return '–';
  const number = Number(change);
  return `${number > 0 ? '+' : ''}${formatScore(change)}`;
}

function changeCell(change) {
  const tone = change == null ? null : Number(change) > 0 ? 'up' : Number(change) < 0 ? 'down' : null;
  return h('span', { class: ['change', tone ? `change-${tone}` : null] }, changeText(change));
}

function rankCell(entry) {
  return h('span', { class: ['rank', entry.tied ? 'rank-tied' : null],
    title: entry.tied ? t('rankings.tied_title') : null }, rankText(entry));
}

function rankedTable(level, ranking, links) {
  const columns = [
    { key: 'rank', label: t('rankings.rank'), numeric: true, value: (row) => row.rank, cell: rankCell },
    { key: 'name', label: t(`rankings.name.${level}`), value: (row) => row.name,
      cell: (row) => (links ? h('a', { href: links.trend(level, row) }, row.name) : row.name) },
  ];
  if (level === 'units') columns.push({ key: 'agency', label: t('review.agency'), value: (row) => row.agency?.name });
  columns.push(
    { key: 'kind', label: t('rankings.agency_kind'), value: (row) => row.agency_kind },
    { key: 'region', label: t('review.region'), value: (row) => row.region.name },
    { key: 'score', label: t('results.score'), numeric: true, value: (row) => Number(row.score),
      cell: (row) => formatScore(row.score) },
    { key: 'zone', label: t('results.zone'), value: (row) => row.zone_name || row.grade,
      cell: (row) => resultBadges(row, row.zone ? 'zones' : 'grades') },
    { key: 'change', label: t('rankings.change'), numeric: true,
      value: (row) => (row.change == null ? null : Number(row.change)), cell: (row) => changeCell(row.change) },
  );
  if (links && level === 'units') {
    columns.push({ key: 'plan', label: t('rankings.plan'), sortable: false, filterable: false,
      cell: (row) => h('a', { href: links.plan(row) }, t('rankings.plan_link')) });
  }
  return createTable({
    caption: t(`results.level.${level}`), rows: ranking.ranked, empty: t('rankings.empty'),
    rowData: (row) => ({ id: row.id, rank: String(row.rank), tied: String(row.tied), score: row.score }),
    rowClass: (row) => (row.tied ? 'row-tied' : null), columns,
  }).element;
}

function improvedList(level, ranking, links) {
  if (!ranking.most_improved.length) return h('p', { class: 'muted' }, t('rankings.no_improved'));
  const shown = ranking.most_improved.slice(0, 5);
  return h('ol', { class: 'improved-list', dataset: { level } }, shown.map((row) => h('li', {
    dataset: { id: row.id, rank: String(row.rank), tied: String(row.tied) },
  }, h('span', { class: ['rank', row.tied ? 'rank-tied' : null] }, rankText(row)), ' ',
  links ? h('a', { href: links.trend(level, row) }, row.name) : h('strong', {}, row.name), ' ',
  h('span', { class: 'muted small' }, `${formatScore(row.previous_score)} → ${formatScore(row.score)} `),
  changeCell(row.change))));
}

/** The filter bar: region and agency kind, each change handed to `onFilter({region, agency_kind})`. */
export function rankingFilters(rankings, onFilter) {
  const state = { region: rankings.filters.region || '', agency_kind: rankings.filters.agency_kind || '' };
  const select = (name, label, allLabel, options) => h('label', { class: 'filter' },
    h('span', { class: 'filter-label' }, label),
    h('select', { class: 'level-filter', dataset: { filter: name },
      on: { change: (event) => { state[name] = event.target.value; onFilter({ ...state }); } } },
    h('option', { value: '' }, allLabel),
    options.map((option) => h('option', { value: option.value, selected: option.value === state[name] },
      option.label))));
  return h('div', { class: 'filter-bar' },
    select('region', t('review.region'), t('review.all_regions'),
      rankings.regions.map((region) => ({ value: region.id, label: region.name }))),
    select('agency_kind', t('rankings.agency_kind'), t('rankings.all_kinds'),
      rankings.agency_kinds.map((kind) => ({ value: kind, label: kind }))));
}

/** Tabs for units and agencies, each with its ranked table and its most improved. */
export function rankingSections(rankings, { links = null } = {}) {
  const previous = rankings.previous_wave
    ? t('rankings.improved_since', { wave: rankings.previous_wave.name }) : t('rankings.no_previous');
  return tabs(LEVELS.map((level) => ({
    key: `rank-${level}`, label: `${t(`results.level.${level}`)} (${rankings[level].ranked.length})`,
    panel: h('div', { class: 'ranking-level', dataset: { level } },
      h('div', { class: 'columns ranking-columns' },
        h('section', { class: 'ranking-main' }, rankedTable(level, rankings[level], links),
          rankings[level].unscored.length ? h('p', { class: 'muted small' },
            t('rankings.unscored', { n: rankings[level].unscored.length })) : null),
        h('aside', { class: 'panel improved-panel' }, h('h2', {}, t('rankings.most_improved')),
          h('p', { class: 'muted small' }, previous), improvedList(level, rankings[level], links)))),
  }))).element;
}
