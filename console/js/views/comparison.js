// Internal against external (#/comparison): for each unit, its latest internal (self-assessment) and external
// result side by side, the difference in points, and the units whose zones are more than one step apart marked as
// disagreeing, first by default: they are where the region's own team and the assessors read the standard apart.

import * as api from '../api.js';
import { createTable } from '../components/table.js';
import { formatScore, resultBadges } from '../components/zones.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { loading, pageHeader, showLoadError } from './common.js';
import { changeText } from './rankings-tables.js';

export async function render(main) {
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('comparison.title')), body);
  let comparison;
  try {
    comparison = await api.get('insights/comparison');
  } catch (error) {
    showLoadError(body, error);
    return;
  }
  const { summary } = comparison;
  let onlyDisagreeing = false;
  const table = createTable({
    caption: t('comparison.title'), rows: comparison.units, empty: t('comparison.empty'),
    rowData: (row) => ({ id: row.id, disagrees: String(row.disagrees) }),
    rowClass: (row) => (row.disagrees ? 'row-disagrees' : null),
    initialSort: { key: 'disagrees', direction: -1 },
    columns: [
      { key: 'disagrees', label: t('comparison.flag'), value: (row) => row.disagrees,
        cell: (row) => (row.disagrees
          ? h('span', { class: 'badge badge-danger disagree-mark' }, t('comparison.disagrees'))
          : '') },
      { key: 'name', label: t('results.unit'), value: (row) => row.name,
        cell: (row) => h('a', { href: `#/trend/unit/${row.id}` }, row.name) },
      { key: 'agency', label: t('review.agency'), value: (row) => row.agency.name },
      { key: 'region', label: t('review.region'), value: (row) => row.region.name },
      resultColumn('internal'),
      resultColumn('external'),
      { key: 'difference', label: t('comparison.difference'), numeric: true,
        value: (row) => (row.difference == null ? null : Number(row.difference)),
        cell: (row) => changeText(row.difference) },
      { key: 'plan', label: t('rankings.plan'), sortable: false, filterable: false,
        cell: (row) => h('a', { href: `#/plan/${row.id}` }, t('rankings.plan_link')) },
    ],
  });
  const toggle = h('input', { type: 'checkbox', id: 'only-disagreeing', on: { change: (event) => {
    onlyDisagreeing = event.target.checked;
    table.setRows(onlyDisagreeing ? comparison.units.filter((row) => row.disagrees) : comparison.units);
  } } });
  mount(main,
    pageHeader(t('comparison.title'), { subtitle: t('comparison.subtitle') }),
    h('div', { class: 'comparison-page' },
      h('dl', { class: 'figures' },
        h('div', { class: 'figure' }, h('dt', {}, t('comparison.units')), h('dd', {}, String(summary.units))),
        h('div', { class: 'figure' }, h('dt', {}, t('comparison.with_both')), h('dd', {}, String(summary.with_both))),
        h('div', { class: ['figure', summary.disagreeing ? 'figure-bad' : null], id: 'disagreeing-count' },
          h('dt', {}, t('comparison.disagreeing')), h('dd', {}, String(summary.disagreeing)))),
      h('div', { class: 'filter-bar' }, h('label', { class: 'checkbox-label', for: 'only-disagreeing' }, toggle,
        ` ${t('comparison.only_disagreeing')}`)),
      h('section', { class: 'panel' }, table.element)));
}

function resultColumn(kind) {
  return {
    key: kind, label: t(`comparison.${kind}`), numeric: true,
    value: (row) => (row[kind] ? Number(row[kind].score) : null),
    cell: (row) => (row[kind] ? h('span', { class: 'comparison-result', title: row[kind].wave.name },
      h('a', { href: `#/results/${row[kind].wave.id}` }, formatScore(row[kind].score)), ' ',
      resultBadges(row[kind], row[kind].zone ? 'zones' : 'grades')) : '–'),
  };
}
