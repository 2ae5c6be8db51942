// A data table with a filter box and sortable columns. Columns say how to read a row:
//   {key, label, value: row => sortable value, cell: row => node or text (default: value), sortable = true, numeric}
// `rowData(row)` adds data-* attributes to a row (for tests and for views that find rows again).
// The filter matches every column's value (case- and accent-insensitive); the row count shows what is hidden.

import { h } from '../dom.js';
import { locale, t } from '../i18n.js';

function normalise(text) {
  return String(text ?? '').normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

const isBlank = (value) => value === null || value === undefined || value === '';

function compareValues(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b), locale(), { numeric: true, sensitivity: 'base' });
}

const valueOf = (column, row) => (column.value ? column.value(row) : row[column.key]);

/** rows → the rows that match `query`, sorted by `sortKey`. */
export function visibleRows(rows, columns, { query = '', sortKey = null, direction = 1 } = {}) {
  const needle = normalise(query.trim());
  let result = needle
    ? rows.filter((row) => columns.some((column) => column.filterable !== false
      && normalise(valueOf(column, row)).includes(needle)))
    : rows.slice();
  const column = columns.find((c) => c.key === sortKey);
  if (column) {
    result = result
      .map((row, index) => ({ row, index }))
      .sort((a, b) => {
        const [x, y] = [valueOf(column, a.row), valueOf(column, b.row)];
        // Empty values go last whichever way the column is sorted: they are what needs filling in.
        if (isBlank(x) || isBlank(y)) return (isBlank(x) - isBlank(y)) || a.index - b.index;
        return compareValues(x, y) * direction || a.index - b.index;
      })
      .map(({ row }) => row);
  }
  return result;
}

export function createTable({ columns, rows = [], caption, empty, rowKey = (row) => row.id, rowClass, rowData,
  filter = true, initialSort = null }) {
  let allRows = rows;
  const state = { query: '', sortKey: initialSort?.key ?? null, direction: initialSort?.direction ?? 1 };
  const tbody = h('tbody');
  const count = h('span', { class: 'table-count', 'aria-live': 'polite' });
  const headerCells = columns.map((column) => headerCell(column));
  const filterInput = filter ? h('input', {
    type: 'search', class: 'table-filter', placeholder: t('table.filter'), 'aria-label': t('table.filter'),
    on: { input: (event) => { state.query = event.target.value; render(); } },
  }) : null;
  const element = h('div', { class: 'data-table' },
    h('div', { class: 'table-tools' }, filterInput, count),
    h('div', { class: 'table-scroll' },
      h('table', {}, caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
        h('thead', {}, h('tr', {}, headerCells)), tbody)));

  function headerCell(column) {
    const th = h('th', { scope: 'col', class: column.numeric ? 'numeric' : null });
    if (column.sortable === false) {
      th.append(column.label);
      return th;
    }
    th.append(h('button', { type: 'button', class: 'sort-button', on: { click: () => sortBy(column.key) } },
      column.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' })));
    return th;
  }

  function sortBy(key) {
    state.direction = state.sortKey === key ? -state.direction : 1;
    state.sortKey = key;
    render();
  }

  function render() {
    columns.forEach((column, i) => {
      const sorted = column.key === state.sortKey;
      headerCells[i].setAttribute('aria-sort', sorted ? (state.direction > 0 ? 'ascending' : 'descending') : 'none');
      const mark = headerCells[i].querySelector('.sort-mark');
      if (mark) mark.textContent = sorted ? (state.direction > 0 ? '▲' : '▼') : '';
    });
    const shown = visibleRows(allRows, columns, state);
    tbody.replaceChildren(...shown.map((row) => h('tr', {
      dataset: { ...(rowData ? rowData(row) : {}), key: String(rowKey(row)) }, class: rowClass ? rowClass(row) : null,
    }, columns.map((column) => h('td', { class: column.numeric ? 'numeric' : null, dataset: { column: column.key } },
      column.cell ? column.cell(row) : formatCell(valueOf(column, row)))))));
    if (!shown.length) {
      tbody.append(h('tr', { class: 'empty-row' },
        h('td', { colspan: String(columns.length) },
          allRows.length ? t('table.no_match') : (empty || t('table.empty')))));
    }
    count.textContent = shown.length === allRows.length
      ? t(allRows.length === 1 ? 'table.count_one' : 'table.count', { n: allRows.length })
      : t('table.count_filtered', { shown: shown.length, n: allRows.length });
  }

  render();
  return {
    element,
    setRows(next) {
      allRows = next;
      render();
    },
    get rows() {
      return allRows;
    },
  };
}

function formatCell(value) {
  if (value === null || value === undefined || value === '') return '–';
  return String(value);
}
