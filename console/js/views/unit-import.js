// Units from a CSV file, in two steps: a preview (POST /api/admin/units/import?dry_run=true) that lists every row
// with what would happen to it and every problem, then — only when no row has a problem — the real import. The
// import is all or nothing on the server too, so a file that changed between the steps is refused whole.

import * as api from '../api.js';
import { alertSlot, noticeAlert, toast } from '../components/alert.js';
import { createTable } from '../components/table.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { badge, button, linkButton, pageHeader } from './common.js';

const COLUMNS = [
  'region_code', 'region_name', 'agency', 'unit', 'address', 'lat', 'lon', 'geofence_m', 'opening_hours',
];
const TEMPLATE = `${COLUMNS.join(',')}\n`
  + '32.09,Kabupaten Cirebon,Dinas Kependudukan dan Pencatatan Sipil,Kantor Disdukcapil Sumber,'
  + '"Jl. Sunan Drajat No. 1, Sumber",-6.7616,108.4823,100,Mo-Th 08:00-15:30; Fr 08:00-11:00\n';
const ACTION_TONES = { create: 'success', update: 'info', unchanged: 'neutral' };

export function render(main) {
  const alerts = alertSlot();
  const fileInput = h('input', { type: 'file', id: 'csv-file', accept: '.csv,text/csv', on: { change: reset } });
  const previewButton = button(t('import.preview'), preview,
    { kind: 'primary', disabled: true, id: 'import-preview-button' });
  const importButton = button(t('import.run'), runImport, { kind: 'primary', disabled: true, id: 'import-run-button' });
  const summary = h('div', { class: 'import-summary' });
  const rowsHost = h('div', { class: 'import-rows' });
  const templateUrl = URL.createObjectURL(new Blob([TEMPLATE], { type: 'text/csv' }));
  let previewed = null;

  mount(main,
    pageHeader(t('import.title'),
      { back: { href: '#/units', label: t('units.title') }, subtitle: t('import.subtitle') }),
    h('section', { class: 'panel' },
      h('h2', {}, t('import.step_file')),
      h('p', {}, t('import.columns_intro')),
      h('p', { class: 'mono small column-list' }, COLUMNS.join(', ')),
      h('p', { class: 'muted small' }, t('import.format_hint')),
      h('div', { class: 'file-row' },
        h('label', { for: 'csv-file', class: 'field-label' }, t('import.file')), fileInput, previewButton,
        h('a', { href: templateUrl, download: 'sidak-unit-contoh.csv', class: 'small' }, t('import.template')))),
    alerts.element,
    h('section', { class: 'panel', id: 'import-preview' },
      h('h2', {}, t('import.step_preview')), summary, rowsHost,
      h('div', { class: 'form-actions' }, importButton)));
  showEmptyPreview();

  function showEmptyPreview() {
    summary.replaceChildren(h('p', { class: 'muted' }, t('import.no_preview')));
    rowsHost.replaceChildren();
  }

  function reset() {
    previewed = null;
    importButton.disabled = true;
    previewButton.disabled = !fileInput.files?.length;
    alerts.clear();
    showEmptyPreview();
  }

  async function preview() {
    const file = fileInput.files?.[0];
    if (!file) return;
    alerts.clear();
    previewButton.disabled = true;
    try {
      const result = await api.upload('admin/units/import', file, { dry_run: 'true' });
      previewed = result.ok && result.rows.length ? file : null;
      showPreview(result);
      importButton.disabled = !previewed;
    } catch (error) {
      alerts.showError(error);
    } finally {
      previewButton.disabled = false;
    }
  }

  async function runImport() {
    if (!previewed) return;
    importButton.disabled = true;
    alerts.clear();
    try {
      const result = await api.upload('admin/units/import', previewed);
      previewed = null;
      showPreview(result);
      alerts.showNotice(t('import.done', { create: result.summary.create, update: result.summary.update,
        unchanged: result.summary.unchanged }), 'success');
      toast(t('import.done_short', { n: result.summary.rows }));
    } catch (error) {
      alerts.showError(error);
      importButton.disabled = false;
    }
  }

  function showPreview(result) {
    const s = result.summary;
    const figures = [
      ['rows', s.rows], ['create', s.create], ['update', s.update], ['unchanged', s.unchanged],
      ['rows_with_problems', s.rows_with_problems],
    ];
    mount(summary,
      result.dry_run
        ? (result.ok
          ? noticeAlert(t('import.preview_ok'), 'success')
          : noticeAlert(t('import.preview_bad', { n: s.rows_with_problems }), 'warning'))
        : null,
      h('dl', { class: 'figures' }, figures.map(([key, value]) => h('div', {
        class: ['figure', key === 'rows_with_problems' && value ? 'figure-bad' : null], dataset: { figure: key },
      }, h('dt', {}, t(`import.${key}`)), h('dd', {}, String(value))))),
      s.regions_created.length
        ? h('p', {}, t('import.regions_created', { names: s.regions_created.join(', ') })) : null,
      s.agencies_created.length
        ? h('p', {}, t('import.agencies_created', { names: s.agencies_created.join(', ') })) : null);
    const table = createTable({
      caption: t('import.step_preview'),
      rows: result.rows,
      rowKey: (row) => row.row,
      rowClass: (row) => (row.problems.length ? 'row-bad' : null),
      initialSort: { key: 'row' },
      columns: [
        { key: 'row', label: t('import.row'), numeric: true },
        { key: 'status', label: t('import.status'),
          value: (row) => (row.problems.length ? t('import.action.problem') : t(`import.action.${row.action}`)),
          cell: (row) => (row.problems.length
            ? badge(t('import.action.problem'), 'danger')
            : badge(t(`import.action.${row.action}`), ACTION_TONES[row.action])) },
        { key: 'unit', label: t('units.name'), value: (row) => row.values.unit },
        { key: 'agency', label: t('units.agency'), value: (row) => row.values.agency },
        { key: 'region', label: t('units.region'),
          value: (row) => [row.values.region_code, row.values.region_name].filter(Boolean).join(' ') },
        { key: 'coordinates', label: t('units.coordinates'),
          value: (row) => [row.values.lat, row.values.lon].filter(Boolean).join(', ') },
        { key: 'problems', label: t('import.problems'),
          value: (row) => row.problems.map((p) => `${p.field}: ${p.message}`).join('; '),
          cell: (row) => (row.problems.length
            ? h('ul', { class: 'problem-list' }, row.problems.map((p) => h('li', {},
              h('span', { class: 'mono' }, p.field), ` ${p.message}`)))
            : '') },
      ],
    });
    mount(rowsHost, table.element, result.dry_run ? null : h('p', {}, linkButton(t('import.back'), '#/units')));
  }

  return () => URL.revokeObjectURL(templateUrl);
}
