// A wave's rankings for reviewers (#/rankings/{waveId}): units and agencies by score with ties shown as such,
// filtered by region and agency kind, the most improved since the previous wave, and the CSV export of what is shown.

import * as api from '../api.js';
import { alertSlot, toast } from '../components/alert.js';
import { downloadFile } from '../components/download.js';
import { h, mount } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { navigate } from '../router.js';
import { loading, pageHeader, showLoadError, waveStatusBadge } from './common.js';
import { rankingFilters, rankingSections } from './rankings-tables.js';

const links = {
  trend: (level, row) => `#/trend/${level === 'units' ? 'unit' : 'agency'}/${row.id}`,
  plan: (row) => `#/plan/${row.id}`,
};

export async function render(main, { params, query }) {
  const back = { href: `#/results/${params.waveId}`, label: t('results.title') };
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('rankings.title'), { back }), body);
  const filters = { region: query.region || '', agency_kind: query.agency_kind || '' };
  let rankings;
  try {
    rankings = await api.get(`waves/${params.waveId}/rankings`, filters);
  } catch (error) {
    showLoadError(body, error);
    return;
  }
  const { wave } = rankings;
  const slot = alertSlot();
  const csvButton = h('button', { type: 'button', class: 'secondary', dataset: { download: 'csv' },
    on: { click: () => download(csvButton, wave, filters, slot) } }, '↓ CSV');
  mount(main,
    pageHeader(t('rankings.title_for', { wave: wave.name }), {
      back, actions: [csvButton],
      subtitle: `${t(`wave.kind.${wave.kind}`)} · ${formatDate(wave.period_start)} – ${formatDate(wave.period_end)}`,
    }),
    h('div', { class: 'rankings-page', dataset: { wave: wave.id } },
      h('p', { class: 'results-status' }, waveStatusBadge(wave.status), ' ',
        h('span', { class: 'muted small' }, t('rankings.ties_note'))),
      slot.element,
      rankingFilters(rankings, (next) => navigate(`/rankings/${wave.id}?${new URLSearchParams(
        Object.entries(next).filter(([, value]) => value))}`)),
      h('section', { class: 'panel' }, rankingSections(rankings, { links }))));
}

async function download(button, wave, filters, slot) {
  button.disabled = true;
  slot.clear();
  try {
    const search = new URLSearchParams(Object.entries(filters).filter(([, value]) => value)).toString();
    const name = await downloadFile(`waves/${wave.id}/rankings.csv${search ? `?${search}` : ''}`, 'peringkat.csv');
    toast(t('results.downloaded', { name }));
  } catch (error) {
    slot.showError(error);
  } finally {
    button.disabled = false;
  }
}
