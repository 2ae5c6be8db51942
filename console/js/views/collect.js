// ODK Collect keys: a surveyor who fills visits in Collect gets a key, shown once as the QR code Collect scans to
// configure itself (server, forms kept in step, sending as soon as there is a connection). Issuing again replaces
// the key; revoking stops the phone at its next form list or submission. The server keeps only the key's hash.

import * as api from '../api.js';
import { toast } from '../components/alert.js';
import { cancelButton, openDialog } from '../components/dialog.js';
import { createTable } from '../components/table.js';
import { h, mount } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { badge, button, enableActions, loading, pageHeader, showLoadError } from './common.js';

export async function render(main) {
  const body = h('div', { class: 'page-body' }, loading());
  let table = null;
  const back = { href: '#/review', label: t('review.title') };
  mount(main, pageHeader(t('collect.title'), { subtitle: t('collect.subtitle'), back }), body);

  async function reload() {
    const rows = await api.get('collect-keys');
    table?.setRows(rows);
    return rows;
  }

  let rows;
  try {
    rows = await reload();
  } catch (error) {
    showLoadError(body, error);
    return;
  }
  table = createTable({
    caption: t('collect.title'),
    rows,
    rowKey: (row) => row.surveyor_id,
    empty: t('collect.empty'),
    columns: [
      { key: 'display_name', label: t('users.display_name') },
      { key: 'username', label: t('users.username'), cell: (row) => h('span', { class: 'mono' }, row.username) },
      { key: 'key_issued_at', label: t('collect.key'), value: (row) => row.key_issued_at ?? '',
        cell: (row) => (row.key_issued_at ? badge(t('collect.issued_at', { at: formatDateTime(row.key_issued_at) }),
          'success') : badge(t('collect.no_key'), 'neutral')) },
      { key: 'actions', label: t('table.actions'), sortable: false, filterable: false,
        cell: (row) => h('div', { class: 'row-actions' },
          button(row.key_issued_at ? t('collect.reissue') : t('collect.issue'), () => issue(row, reload),
            { kind: 'small' }),
          row.key_issued_at ? button(t('collect.revoke'), () => revoke(row, reload), { kind: 'small danger' })
            : null) },
    ],
  });
  mount(body, h('p', { class: 'muted' }, t('collect.returned_note')), table.element);
  enableActions(main);
}

async function issue(row, reload) {
  const issued = await api.post(`collect-keys/${row.surveyor_id}`);
  await reload();
  const qr = h('img', { class: 'collect-qr', alt: t('collect.qr_alt', { name: row.display_name }),
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(issued.qr_svg)}`, width: 280, height: 280 });
  openDialog({
    title: t('collect.qr_title', { name: row.display_name }),
    content: h('div', { class: 'collect-key', dataset: { surveyor: row.surveyor_id } },
      h('p', {}, t('collect.qr_steps')),
      qr,
      h('p', { class: 'muted small' }, t('collect.qr_once')),
      h('details', {}, h('summary', {}, t('collect.server_url')),
        h('code', { class: 'mono small collect-url' }, issued.server_url)),
      h('div', { class: 'form-actions' }, cancelButton(t('dialog.close')))),
  });
}

function revoke(row, reload) {
  const confirm = button(t('collect.revoke'), async (event) => {
    await api.request('DELETE', `collect-keys/${row.surveyor_id}`);
    event.target.closest('dialog')?.close();
    toast(t('collect.revoked', { name: row.display_name }));
    await reload();
  }, { kind: 'danger' });
  openDialog({
    title: t('collect.revoke_title', { name: row.display_name }),
    content: h('div', {}, h('p', {}, t('collect.revoke_text')),
      h('div', { class: 'form-actions' }, cancelButton(), confirm)),
  });
}
