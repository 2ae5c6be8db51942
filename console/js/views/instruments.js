// Instruments: every stored version, and an upload of a new one (an instrument JSON document or an XLSForm .xlsx).
// A version a wave uses never changes; the server refuses other content under a stored version (409) and names the
// next free one.

import * as api from '../api.js';
import { alertSlot, toast } from '../components/alert.js';
import { createTable } from '../components/table.js';
import { h, mount } from '../dom.js';
import { formatDateTime, t, tx } from '../i18n.js';
import { navigate } from '../router.js';
import { badge, button, loading, pageHeader, showLoadError } from './common.js';

export async function render(main) {
  const body = h('div', { class: 'page-body' }, loading());
  const alerts = alertSlot();
  const fileInput = h('input', {
    type: 'file', id: 'instrument-file',
    accept: '.json,.xlsx,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    on: { change: () => { uploadButton.disabled = !fileInput.files?.length; alerts.clear(); } },
  });
  const uploadButton = button(t('instruments.upload'), upload,
    { kind: 'primary', disabled: true, id: 'instrument-upload-button' });
  mount(main,
    pageHeader(t('instruments.title'), { subtitle: t('instruments.subtitle') }),
    h('section', { class: 'panel' },
      h('h2', {}, t('instruments.upload_title')),
      h('p', { class: 'muted small' }, t('instruments.upload_hint')),
      h('div', { class: 'file-row' },
        h('label', { for: 'instrument-file', class: 'field-label' }, t('instruments.file')), fileInput, uploadButton)),
    alerts.element,
    body);

  let table = null;
  async function reload() {
    const versions = await api.get('admin/instruments');
    if (table) table.setRows(versions);
    return versions;
  }

  async function upload() {
    const file = fileInput.files?.[0];
    if (!file) return;
    uploadButton.disabled = true;
    alerts.clear();
    try {
      const stored = await api.upload('admin/instruments', file);
      toast(t('instruments.stored', { key: stored.key, version: stored.version }));
      await reload();
      navigate(`/instruments/${stored.key}/${encodeURIComponent(stored.version)}`);
    } catch (error) {
      alerts.showError(error);
      uploadButton.disabled = false;
    }
  }

  let versions;
  try {
    versions = await reload();
  } catch (error) {
    showLoadError(body, error);
    return;
  }
  table = createTable({
    caption: t('instruments.title'),
    rows: versions,
    rowKey: (v) => `${v.key}/${v.version}`,
    initialSort: { key: 'key' },
    empty: t('instruments.empty'),
    columns: [
      // A key's versions sort in the order they were stored: a version is the author's text, never a number.
      { key: 'key', label: t('instruments.key'), value: (v) => `${v.key} ${v.created_at}`,
        cell: (v) => h('a', { href: instrumentHref(v), class: 'mono' }, v.key) },
      { key: 'version', label: t('instruments.version'), value: (v) => v.created_at,
        cell: (v) => h('span', { class: 'mono' }, v.version) },
      { key: 'title', label: t('instruments.name'), value: (v) => tx(v.title) },
      { key: 'indicator_count', label: t('instruments.indicators'), numeric: true },
      { key: 'wave_count', label: t('instruments.waves'), numeric: true,
        cell: (v) => (v.wave_count ? badge(t('instruments.in_use', { n: v.wave_count }), 'info') : '0') },
      { key: 'created_at', label: t('instruments.created'), cell: (v) => formatDateTime(v.created_at) },
      { key: 'actions', label: t('table.actions'), sortable: false, filterable: false,
        cell: (v) => h('a', { class: 'button small', href: instrumentHref(v) },
          t('instruments.view')) },
    ],
  });
  mount(body, table.element);
}

function instrumentHref({ key, version }) {
  return `#/instruments/${key}/${encodeURIComponent(version)}`;
}
