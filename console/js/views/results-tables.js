// The zone tables of a wave's results, one per level (units, agencies, regions), for the reviewers' results page and
// the public page. Sorting and the text filter come from the table component; a zone (or grade) filter and, for
// units, a region and an agency filter sit above it. On the reviewers' page every number links to the visits it came
// from; the public page passes no `links`, and its answers hold no visits anyway.

import { createTable } from '../components/table.js';
import { zoneChart } from '../components/zone-chart.js';
import {
  UNSCORED, categoriesFor, categoryColour, categoryLabel, categoryOf, countByCategory, formatScore, resultBadges,
  resultLabel,
} from '../components/zones.js';
import { h } from '../dom.js';
import { getLanguage, t, tx } from '../i18n.js';

export const LEVELS = ['units', 'agencies', 'regions'];

const scoreValue = (row) => (row.score === null || row.score === undefined ? null : Number(row.score));

/**
 * links: {score(level, row) → href | null, visits(level, row) → href | null, unit(row) → href} or null (public).
 * Returns {element} with the filters and the table.
 */
export function levelTable(level, rows, { profileKind, dimensions, links = null, results }) {
  const state = { category: '', region: '', agency: '' };
  const table = createTable({
    caption: t(`results.level.${level}`),
    rows,
    empty: t('results.empty_level'),
    rowData: (row) => ({ id: row.id, category: categoryOf(row), score: row.score ?? '' }),
    initialSort: { key: 'score', direction: -1 },
    columns: columnsFor(level, { profileKind, dimensions, links, results }),
  });
  const categorySelect = h('select', { class: 'level-filter', dataset: { filter: 'category' },
    'aria-label': t('results.filter_zone'),
    on: { change: (event) => { state.category = event.target.value; apply(); } } },
  h('option', { value: '' }, t('results.all_zones')),
  categoriesFor(profileKind).map((category) => h('option', { value: category.key }, category.label)));
  const filters = [h('label', { class: 'filter' }, h('span', { class: 'filter-label' },
    profileKind === 'ipp' ? t('results.grade') : t('results.zone')), categorySelect)];
  if ((level === 'units' || level === 'agencies') && results.regions.length > 1) {
    filters.push(h('label', { class: 'filter' }, h('span', { class: 'filter-label' }, t('review.region')),
      h('select', { class: 'level-filter', dataset: { filter: 'region' },
        on: { change: (event) => { state.region = event.target.value; apply(); } } },
      h('option', { value: '' }, t('review.all_regions')),
      results.regions.map((region) => h('option', { value: region.id }, region.name)))));
  }
  if (level === 'units') {
    filters.push(h('label', { class: 'filter' }, h('span', { class: 'filter-label' }, t('review.agency')),
      h('select', { class: 'level-filter', dataset: { filter: 'agency' },
        on: { change: (event) => { state.agency = event.target.value; apply(); } } },
      h('option', { value: '' }, t('review.all_agencies')),
      [...results.agencies].sort((a, b) => a.name.localeCompare(b.name))
        .map((agency) => h('option', { value: agency.id }, agency.name)))));
  }

  function apply() {
    table.setRows(rows.filter((row) => (!state.category || categoryOf(row) === state.category)
      && (!state.region || row.region?.id === state.region)
      && (!state.agency || row.agency?.id === state.agency)));
  }

  return {
    element: h('div', { class: 'level-table', dataset: { level } },
      h('div', { class: 'filter-bar' }, filters), table.element),
    filterBy(changes) {
      Object.assign(state, changes);
      for (const select of this.element.querySelectorAll('select[data-filter]')) {
        select.value = state[select.dataset.filter] ?? '';
      }
      apply();
    },
  };
}

function columnsFor(level, { profileKind, dimensions, links, results }) {
  const language = getLanguage();
  const numberCell = (text, href) => (href && text !== '–' ? h('a', { href, class: 'number-link' }, text) : text);
  const columns = [nameColumn(level, links)];
  if (level === 'units') columns.push({ key: 'agency', label: t('review.agency'), value: (row) => row.agency.name });
  // With one region the column would repeat one name on every row.
  if ((level === 'units' || level === 'agencies') && results.regions.length > 1) {
    columns.push({ key: 'region', label: t('review.region'), value: (row) => row.region.name });
  }
  if (level === 'agencies') {
    const scoredUnits = (row) => row.unit_ids.filter((id) => results.unitsById.get(id)?.score != null).length;
    columns.push({ key: 'units', label: t('results.units_scored'), numeric: true,
      value: (row) => row.unit_ids?.length ?? null,
      cell: (row) => (row.unit_ids ? `${scoredUnits(row)} / ${row.unit_ids.length}` : '–') });
  }
  columns.push(
    { key: 'score', label: t('results.score'), numeric: true, value: scoreValue,
      cell: (row) => numberCell(formatScore(row.score), links?.score(level, row)) },
    { key: 'category', label: profileKind === 'ipp' ? t('results.grade') : t('results.zone'),
      value: (row) => (categoryOf(row) === UNSCORED ? null : categoryLabel(categoryOf(row))),
      cell: (row) => h('span', { title: resultLabel(row, language) }, resultBadges(row, profileKind)) },
  );
  for (const dimension of dimensions) {
    columns.push({
      key: `dimension-${dimension.id}`, label: dimension.id, numeric: true, filterable: false,
      value: (row) => (row.dimensions?.[dimension.id] == null ? null : Number(row.dimensions[dimension.id])),
      cell: (row) => h('span', { title: tx(dimension.title, language) },
        numberCell(formatScore(row.dimensions?.[dimension.id]), links?.score(level, row))),
    });
  }
  if (links) {
    columns.push({ key: 'visits', label: t('results.visits'), numeric: true, filterable: false,
      value: (row) => row.visit_ids.length,
      cell: (row) => numberCell(String(row.visit_ids.length),
        row.visit_ids.length ? links.visits(level, row) : null) });
  }
  if (links?.trend) {
    columns.push({ key: 'insights', label: t('results.between_waves'), sortable: false, filterable: false,
      cell: (row) => h('span', { class: 'row-actions' },
        h('a', { href: links.trend(level, row), class: 'trend-link' }, t('trend.open')),
        level === 'units' ? h('a', { href: links.plan(row), class: 'plan-link' }, t('plan.open')) : null) });
  }
  return columns;
}

function nameColumn(level, links) {
  if (level === 'units') {
    return { key: 'name', label: t('results.unit'), value: (row) => row.name,
      cell: (row) => (links ? h('a', { href: links.unit(row), class: 'unit-link' }, row.name) : row.name) };
  }
  if (level === 'regions') {
    return { key: 'name', label: t('review.region'), value: (row) => row.name,
      cell: (row) => [row.name, ' ', h('span', { class: 'muted small mono' }, row.code)] };
  }
  return { key: 'name', label: t('review.agency'), value: (row) => row.name };
}

/** The results with lookups the tables need (units by id). */
export function indexResults(results) {
  return { ...results, unitsById: new Map(results.units.map((unit) => [unit.id, unit])) };
}

/** Figures above the tables: units scored, and how many units fall in each zone (or grade). */
export function summaryFigures(results, profileKind) {
  const counts = countByCategory(results.units, profileKind);
  const scored = results.units.filter((unit) => unit.score !== null && unit.score !== undefined).length;
  return h('dl', { class: 'figures results-figures' },
    h('div', { class: 'figure' }, h('dt', {}, t('results.units_scored')),
      h('dd', {}, `${scored} / ${results.units.length}`)),
    categoriesFor(profileKind).filter((c) => c.key !== UNSCORED).map((category) => h('div', {
      class: ['figure', 'figure-category', category.className], dataset: { category: category.key },
    }, h('dt', {}, category.label), h('dd', {}, String(counts[category.key] || 0)))));
}

/** Units per zone (or grade) per agency. */
export function agencyChart(results, profileKind, { hrefFor = null } = {}) {
  const rows = results.agencies.map((agency) => ({
    id: agency.id,
    label: results.regions.length > 1 ? `${agency.name} (${agency.region.name})` : agency.name,
    href: hrefFor ? hrefFor(agency) : null,
    counts: countByCategory(agency.unit_ids ? agency.unit_ids.map((id) => results.unitsById.get(id)).filter(Boolean)
      : results.units.filter((unit) => unit.agency.id === agency.id), profileKind),
  }));
  return zoneChart({ rows, categories: categoriesFor(profileKind), caption: t('results.chart_caption') });
}

/** Map points for units, coloured by their zone (or grade); grey when nothing approved is behind them yet. */
export function unitPoints(units) {
  return units.filter((unit) => unit.lat !== null && unit.lon !== null).map((unit) => {
    const category = categoryOf(unit);
    return {
      id: unit.id, lat: unit.lat, lon: unit.lon, color: categoryColour(category), kind: `zone-${category}`, size: 7,
      label: `${unit.name} · ${formatScore(unit.score)} · ${categoryLabel(category)}`,
    };
  });
}

/** A legend for the unit map, in the same colours. */
export function mapLegend(profileKind) {
  return h('ul', { class: 'map-legend small' }, categoriesFor(profileKind).map((category) => h('li', {},
    h('span', { class: ['legend-dot', category.className] }), category.label)));
}
