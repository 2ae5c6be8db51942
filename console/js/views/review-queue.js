// The review queue: the visits a supervisor may see (own regions only; everything for an admin), filtered by wave,
// region, agency, status, flag and strongest flag, with how many visits each status and each flag would show, oldest
// first or strongest flag first. By default the newest wave's visits waiting for a decision. j/k move through the
// rows and Enter opens the chosen visit.

import * as api from '../api.js';
import { createTable } from '../components/table.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { formatDateTimeIn, formatShortDateTimeIn } from '../times.js';
import { linkButton, loading, pageHeader, showLoadError } from './common.js';
import {
  VISIT_STATUSES, flagChip, flagLabel, isTypingTarget, queueSearch, rememberQueue, usualSeverity, visitStatusBadge,
} from './review-common.js';

const PAGE_SIZE = 100;
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };
const STRONGEST = ['critical', 'warning', 'info', 'none'];
// The regions and agencies of a wave in the caller's scope, from its results (the only scoped list a supervisor can
// read); kept for the session, since a wave's units rarely change while someone reviews it.
const placesByWave = new Map();
let focusAfterRender = null;

function placesOf(waveId) {
  if (!placesByWave.has(waveId)) {
    placesByWave.set(waveId, api.get(`waves/${waveId}/results`).then((results) => ({
      regions: results.regions.map((r) => ({ id: r.id, name: r.name })),
      agencies: results.agencies.map((a) => ({ id: a.id, name: a.name, region_id: a.region.id })),
    })).catch((error) => {
      placesByWave.delete(waveId);
      throw error;
    }));
  }
  return placesByWave.get(waveId);
}

/** Regions and agencies seen in the queue's own rows: the fallback when the wave's results cannot be read. */
function placesOfRows(rows) {
  const regions = new Map();
  const agencies = new Map();
  for (const row of rows) {
    regions.set(row.region.id, { id: row.region.id, name: row.region.name });
    agencies.set(row.agency.id, { id: row.agency.id, name: row.agency.name, region_id: row.region.id });
  }
  return { regions: [...regions.values()], agencies: [...agencies.values()] };
}

function defaultWaveId(waves) {
  const open = waves.find((wave) => ['review', 'fieldwork'].includes(wave.status));
  return (open || waves[0])?.id ?? '';
}

function readFilters(query, waves) {
  return {
    wave: query.wave ?? defaultWaveId(waves),
    region: query.region || '',
    agency: query.agency || '',
    status: query.status ?? 'submitted',
    flag: query.flag || '',
    strongest: STRONGEST.includes(query.strongest) ? query.strongest : '',
    sort: query.sort === 'strongest' ? 'strongest' : '',
    offset: Math.max(0, Number(query.offset) || 0),
  };
}

function go(filters, changes, focusId = null) {
  focusAfterRender = focusId;
  navigate(`/review?${queueSearch({ ...filters, offset: 0, ...changes })}`);
}

export async function render(main, { query }) {
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('review.title'), { subtitle: t('review.subtitle'),
    actions: [linkButton(t('collect.open'), '#/collect')] }), body);
  let waves;
  try {
    waves = await api.get('review/waves');
  } catch (error) {
    showLoadError(body, error);
    return undefined;
  }
  const filters = readFilters(query, waves);
  let page;
  let places;
  try {
    page = await api.get('review/visits', {
      wave: filters.wave, region: filters.region, agency: filters.agency, status: filters.status,
      flag: filters.flag, strongest: filters.strongest, sort: filters.sort || 'oldest', limit: PAGE_SIZE,
      offset: filters.offset,
    });
    places = filters.wave
      ? await placesOf(filters.wave).catch(() => placesOfRows(page.items))
      : placesOfRows(page.items);
  } catch (error) {
    mount(body, filterBar(filters, waves, placesOfRows([])), h('div', {}));
    showLoadError(body.lastChild, error);
    return undefined;
  }
  rememberQueue(queueSearch(filters), page.items.map((row) => row.id));
  const table = queueTable(page.items);
  mount(body,
    filterBar(filters, waves, places),
    statusChips(filters, page.counts.status),
    flagChips(filters, page.counts.flags, page.items),
    table.element,
    pager(filters, page),
    h('p', { class: 'muted small shortcut-hint' }, t('review.shortcuts')));
  if (focusAfterRender) document.getElementById(focusAfterRender)?.focus();
  focusAfterRender = null;
  return keyboardNavigation(table.element);
}

function select(id, label, value, options, onChange, { wide = false } = {}) {
  return h('label', { class: ['filter', wide ? 'filter-wide' : null] }, h('span', { class: 'filter-label' }, label),
    h('select', { id, on: { change: (event) => onChange(event.target.value) } },
      options.map((option) => h('option', { value: option.value, selected: option.value === value }, option.label))));
}

function filterBar(filters, waves, places) {
  const byName = (a, b) => a.name.localeCompare(b.name);
  const agencies = places.agencies.filter((a) => !filters.region || a.region_id === filters.region).sort(byName);
  return h('div', { class: 'filter-bar', role: 'search', 'aria-label': t('review.filters') },
    select('filter-wave', t('review.wave'), filters.wave, [
      ...waves.map((wave) => ({ value: wave.id, label: `${wave.name} (${t(`wave.status.${wave.status}`)})` })),
      { value: '', label: t('review.all_waves') },
    ], (wave) => go(filters, { wave, region: '', agency: '' }, 'filter-wave'), { wide: true }),
    select('filter-region', t('review.region'), filters.region, [
      { value: '', label: t('review.all_regions') },
      ...[...places.regions].sort(byName).map((r) => ({ value: r.id, label: r.name })),
    ], (region) => go(filters, { region, agency: '' }, 'filter-region')),
    select('filter-agency', t('review.agency'), filters.agency, [
      { value: '', label: t('review.all_agencies') },
      ...agencies.map((a) => ({ value: a.id, label: a.name })),
    ], (agency) => go(filters, { agency }, 'filter-agency')),
    select('filter-strongest', t('review.strongest'), filters.strongest, [
      { value: '', label: t('review.any_strength') },
      ...STRONGEST.map((severity) => ({ value: severity, label: t(`strongest.${severity}`) })),
    ], (strongest) => go(filters, { strongest }, 'filter-strongest')),
    select('filter-sort', t('review.sort'), filters.sort, [
      { value: '', label: t('review.sort.oldest') },
      { value: 'strongest', label: t('review.sort.strongest') },
    ], (sort) => go(filters, { sort }, 'filter-sort')));

}

function chipLink(href, label, count, { selected, className, dataset }) {
  return h('a', {
    href, class: ['count-chip', className, selected ? 'selected' : null], 'aria-current': selected ? 'true' : null,
    dataset,
  }, label, h('span', { class: 'count-chip-n' }, String(count)));
}

function statusChips(filters, counts) {
  const inQueueByDefault = VISIT_STATUSES.filter((s) => s !== 'incomplete')
    .reduce((sum, status) => sum + (counts[status] || 0), 0);
  const href = (status) => `#/review?${queueSearch({ ...filters, offset: 0, status })}`;
  return h('div', { class: 'chip-row', role: 'group', 'aria-label': t('review.by_status') },
    h('span', { class: 'chip-row-label' }, t('review.by_status')),
    chipLink(href(''), t('review.all_statuses'), inQueueByDefault,
      { selected: filters.status === '', dataset: { status: 'all' } }),
    VISIT_STATUSES.map((status) => chipLink(href(status), t(`visit.status.${status}`), counts[status] || 0, {
      selected: filters.status === status, className: `status-${status}`, dataset: { status },
    })));
}

function flagChips(filters, counts, rows) {
  const severities = {};
  for (const row of rows) for (const flag of row.flags) severities[flag.code] ??= flag.severity;
  const codes = Object.keys(counts).sort((a, b) => {
    const rank = (code) => SEVERITY_RANK[severities[code] || usualSeverity(code)];
    return rank(a) - rank(b) || counts[b] - counts[a] || a.localeCompare(b);
  });
  const href = (flag) => `#/review?${queueSearch({ ...filters, offset: 0, flag })}`;
  return h('div', { class: 'chip-row', role: 'group', 'aria-label': t('review.by_flag') },
    h('span', { class: 'chip-row-label' }, t('review.by_flag')),
    codes.length ? null : h('span', { class: 'muted small' }, t('review.no_flags')),
    filters.flag ? chipLink(href(''), t('review.all_flags'), '×', { selected: false, dataset: { flag: 'all' } }) : null,
    codes.map((code) => chipLink(href(code), flagLabel(code), counts[code], {
      selected: filters.flag === code, className: `flag-${severities[code] || usualSeverity(code)}`,
      dataset: { flag: code },
    })));
}

// Photos received but not rendered yet: their thumbnails and the look-alike flags are still to come.
function statusCell(row) {
  const processing = row.photos?.processing ?? 0;
  if (!processing) return visitStatusBadge(row.status);
  return h('span', { class: 'nowrap' }, visitStatusBadge(row.status), ' ',
    h('span', { class: 'badge badge-neutral', dataset: { processing: String(processing) },
      title: t('review.photos_processing_hint') }, t('review.photos_processing', { n: processing })));
}

function queueTable(rows) {
  return createTable({
    caption: t('review.title'),
    rows,
    empty: t('review.empty'),
    rowData: (row) => ({ visit: row.id, status: row.status }),
    rowClass: (row) => (row.flags.some((f) => f.severity === 'critical') ? 'row-critical' : null),
    columns: [
      { key: 'unit', label: t('review.unit'), value: (row) => row.unit.name,
        cell: (row) => h('a', { href: `#/review/${row.id}`, class: 'row-link' }, row.unit.name) },
      { key: 'agency', label: t('review.agency'), value: (row) => row.agency.name },
      { key: 'surveyor', label: t('review.surveyor'), value: (row) => row.surveyor.display_name,
        cell: (row) => h('span', { class: 'nowrap' }, row.surveyor.display_name) },
      { key: 'started_at', label: t('review.started'), value: (row) => row.started_at,
        // In the unit's own zone: a queue can hold regions of different zones.
        cell: (row) => h('span', { class: 'nowrap', title: formatDateTimeIn(row.started_at, row.region.timezone) },
          formatShortDateTimeIn(row.started_at, row.region.timezone)) },
      { key: 'status', label: t('review.status'), value: (row) => t(`visit.status.${row.status}`),
        cell: (row) => statusCell(row) },
      { key: 'revision', label: t('review.revision'), numeric: true, value: (row) => row.revision,
        cell: (row) => (row.revision > 1
          ? h('span', { class: 'badge badge-info' }, t('review.revision_n', { n: row.revision }))
          : String(row.revision)) },
      { key: 'flags', label: t('review.flags'), sortable: true, filterable: true,
        value: (row) => row.flags.map((f) => flagLabel(f.code)).join(' '),
        cell: (row) => (row.flags.length ? h('div', { class: 'flag-chips' },
          row.flags.map((f) => flagChip(f.code, f.severity, f.count))) : h('span', { class: 'muted' }, '–')) },
    ],
  });
}

function pager(filters, page) {
  if (page.total <= page.limit && !filters.offset) return null;
  const from = page.total ? page.offset + 1 : 0;
  const to = Math.min(page.offset + page.items.length, page.total);
  const move = (offset) => navigate(`/review?${queueSearch({ ...filters, offset })}`);
  return h('div', { class: 'pager' },
    h('button', { type: 'button', disabled: page.offset === 0,
      on: { click: () => move(Math.max(0, page.offset - page.limit)) } }, t('review.previous_page')),
    h('span', { class: 'muted' }, t('review.page_range', { from, to, total: page.total })),
    h('button', { type: 'button', disabled: to >= page.total,
      on: { click: () => move(page.offset + page.limit) } }, t('review.next_page')));
}

/** j/k (and ↓/↑ from a row) move the selection; Enter on the selected row's link opens it, as any link does. */
function keyboardNavigation(tableElement) {
  let selectedId = null;
  const rows = () => [...tableElement.querySelectorAll('tbody tr[data-visit]')];

  function mark() {
    for (const row of rows()) row.classList.toggle('row-selected', row.dataset.visit === selectedId);
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.findIndex((row) => row.dataset.visit === selectedId);
    const next = all[at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, at + step))];
    selectedId = next.dataset.visit;
    mark();
    next.querySelector('a.row-link')?.focus();
    next.scrollIntoView({ block: 'nearest' });
  }

  function onKey(event) {
    if (isTypingTarget(event)) return;
    if (event.key === 'j') move(1);
    else if (event.key === 'k') move(-1);
    else if (event.key === 'Enter' && selectedId && !event.target.closest?.('a, button')) {
      navigate(`/review/${selectedId}`);
    } else return;
    event.preventDefault();
  }

  // Sorting or filtering the table redraws its rows; the selection survives it.
  const observer = new MutationObserver(mark);
  observer.observe(tableElement.querySelector('tbody'), { childList: true });
  tableElement.addEventListener('focusin', (event) => {
    const row = event.target.closest?.('tr[data-visit]');
    if (row) {
      selectedId = row.dataset.visit;
      mark();
    }
  });
  document.addEventListener('keydown', onKey);
  return () => {
    document.removeEventListener('keydown', onKey);
    observer.disconnect();
  };
}
