// Results: the waves the caller may see results of (past draft, in their regions), each leading to its results page.

import * as api from '../api.js';
import { createTable } from '../components/table.js';
import { h, mount } from '../dom.js';
import { formatDate, formatDateTime, t } from '../i18n.js';
import { loading, pageHeader, showLoadError, waveStatusBadge } from './common.js';

export async function render(main) {
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('results.title'), { subtitle: t('results.subtitle') }), body);
  let waves;
  try {
    waves = await api.get('review/waves');
  } catch (error) {
    showLoadError(body, error);
    return;
  }
  const table = createTable({
    caption: t('results.title'),
    rows: waves,
    empty: t('results.no_waves'),
    rowData: (wave) => ({ wave: wave.id }),
    columns: [
      { key: 'name', label: t('waves.name'), cell: (w) => h('a', { href: `#/results/${w.id}` }, w.name) },
      { key: 'status', label: t('waves.status'), value: (w) => t(`wave.status.${w.status}`),
        cell: (w) => waveStatusBadge(w.status) },
      { key: 'profile_key', label: t('waves.profile'), value: (w) => t(`profile.${w.profile_key}`) },
      { key: 'period', label: t('waves.period'), value: (w) => w.period_start,
        cell: (w) => `${formatDate(w.period_start)} – ${formatDate(w.period_end)}` },
      { key: 'approved', label: t('visit.status.approved'), numeric: true,
        value: (w) => w.visit_counts.approved || 0 },
      { key: 'waiting', label: t('visit.status.submitted'), numeric: true,
        value: (w) => w.visit_counts.submitted || 0 },
      { key: 'published_at', label: t('wave.published_at'), value: (w) => w.published_at,
        cell: (w) => (w.published_at ? formatDateTime(w.published_at) : '–') },
      { key: 'actions', label: t('table.actions'), sortable: false, filterable: false,
        cell: (w) => h('div', { class: 'row-actions' },
        h('a', { class: 'button small', href: `#/results/${w.id}` }, t('results.open')),
        h('a', { class: 'button small', href: `#/review?wave=${w.id}` }, t('results.open_queue')),
        w.status === 'published' ? h('a', { class: 'button small', href: `/console/public.html?wave=${w.id}`,
          target: '_blank', rel: 'noopener' }, t('results.public_page')) : null) },
    ],
  });
  mount(body, table.element);
}
