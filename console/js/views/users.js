// Users: create (with a supervisor's regions), rename, reset a password, deactivate or reactivate, set the regions a
// supervisor covers, and record a surveyor's conflicts of interest (the draw never sends them there).

import * as api from '../api.js';
import { noticeAlert, toast } from '../components/alert.js';
import { cancelButton, openDialog } from '../components/dialog.js';
import { createForm } from '../components/form.js';
import { createTable } from '../components/table.js';
import { h, mount } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { currentUser } from '../session.js';
import { badge, button, enableActions, loading, pageHeader, showLoadError } from './common.js';

const ROLES = ['admin', 'supervisor', 'surveyor'];
const ROLE_TONES = { admin: 'danger', supervisor: 'info', surveyor: 'neutral' };

export async function render(main) {
  const body = h('div', { class: 'page-body' }, loading());
  const data = { users: [], regions: [], agencies: [], units: [] };
  let table = null;
  mount(main, pageHeader(t('users.title'), {
    subtitle: t('users.subtitle'),
    actions: [button(t('users.add'), () => createDialog(data, reload), { kind: 'primary', waiting: true })],
  }), body);

  async function reload() {
    const [users, regions, agencies, units] = await Promise.all([
      api.get('admin/users'), api.get('admin/regions'), api.get('admin/agencies'), api.get('admin/units')]);
    Object.assign(data, { users, regions, agencies, units });
    table?.setRows(users);
  }

  try {
    await reload();
  } catch (error) {
    showLoadError(body, error);
    return;
  }
  const actions = { reload, data };
  table = createTable({
    caption: t('users.title'),
    rows: data.users,
    rowClass: (user) => (user.is_active ? null : 'row-inactive'),
    rowKey: (user) => user.username,
    initialSort: { key: 'role' },
    columns: [
      { key: 'username', label: t('users.username'), cell: (u) => h('span', { class: 'mono' }, u.username) },
      { key: 'display_name', label: t('users.display_name') },
      { key: 'role', label: t('users.role'), value: (u) => t(`role.${u.role}`),
        cell: (u) => badge(t(`role.${u.role}`), ROLE_TONES[u.role]) },
      { key: 'is_active', label: t('users.status'),
        value: (u) => (u.is_active ? t('users.active') : t('users.inactive')),
        cell: (u) => (u.is_active ? badge(t('users.active'), 'success') : badge(t('users.inactive'), 'neutral')) },
      { key: 'scope', label: t('users.scope'), value: (u) => scopeText(u, data), cell: (u) => scopeCell(u, data) },
      { key: 'created_at', label: t('users.created'), value: (u) => u.created_at,
        cell: (u) => formatDateTime(u.created_at) },
      { key: 'actions', label: t('table.actions'), sortable: false, filterable: false,
        cell: (u) => userActions(u, actions) },
    ],
  });
  mount(body, table.element);
  enableActions(main);
}

function regionNames(user) {
  return user.regions.map((region) => region.name).join(', ');
}

function conflictName(conflict, data) {
  if (conflict.unit_id) {
    const unit = data.units.find((u) => u.id === conflict.unit_id);
    return unit ? `${t('conflicts.unit')}: ${unit.name}` : conflict.unit_id;
  }
  const agency = data.agencies.find((a) => a.id === conflict.agency_id);
  return agency ? `${t('conflicts.agency')}: ${agency.name}` : conflict.agency_id;
}

function scopeText(user, data) {
  if (user.role === 'supervisor') return regionNames(user);
  if (user.role === 'surveyor') return user.conflicts.map((c) => conflictName(c, data)).join(', ');
  return '';
}

function scopeCell(user, data) {
  if (user.role === 'supervisor') {
    return user.regions.length ? regionNames(user) : badge(t('users.no_regions'), 'warning');
  }
  if (user.role === 'surveyor') {
    return user.conflicts.length
      ? h('span', { title: scopeText(user, data) }, t('users.conflict_count', { n: user.conflicts.length }))
      : h('span', { class: 'muted' }, t('users.no_conflicts'));
  }
  return h('span', { class: 'muted' }, t('users.all_regions'));
}

function userActions(user, { reload, data }) {
  const isMe = currentUser()?.id === user.id;
  return h('div', { class: 'row-actions' },
    button(t('form.edit'), () => editDialog(user, data, reload), { kind: 'small' }),
    button(t('users.reset_password'), () => passwordDialog(user, reload), { kind: 'small' }),
    user.role === 'surveyor'
      ? button(t('users.conflicts'), () => conflictsDialog(user, data, reload), { kind: 'small' })
      : null,
    isMe ? null : button(user.is_active ? t('users.deactivate') : t('users.reactivate'),
      () => activeDialog(user, reload), { kind: user.is_active ? 'small danger' : 'small' }));
}

function regionField(data, value = []) {
  return { name: 'region_ids', label: t('users.regions'), type: 'checkboxes', value,
    options: data.regions.map((region) => ({ value: region.id, label: `${region.name} (${region.code})` })),
    hint: t('users.regions_hint'), emptyText: t('users.no_regions_defined') };
}

/** A random password an admin can read out over the phone: no look-alike characters. */
export function suggestPassword(length = 12) {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint32Array(length));
  return Array.from(bytes, (n) => alphabet[n % alphabet.length]).join('');
}

function createDialog(data, reload) {
  const form = createForm({
    className: 'form-grid',
    fields: [
      { name: 'username', label: t('users.username'), required: true, hint: t('users.username_hint'),
        autocomplete: 'off' },
      { name: 'display_name', label: t('users.display_name'), required: true },
      { name: 'role', label: t('users.role'), type: 'select', value: 'surveyor',
        options: ROLES.map((role) => ({ value: role, label: t(`role.${role}`) })) },
      { name: 'password', label: t('users.password'), type: 'text', required: true, value: suggestPassword(),
        hint: t('users.password_hint'), autocomplete: 'off' },
      { ...regionField(data), wide: true },
    ],
    submitLabel: t('users.add'),
    cancel: cancelButton(),
    onSubmit: (values) => api.post('admin/users', {
      ...values, region_ids: values.role === 'supervisor' ? values.region_ids : [] }),
    async onSuccess(user) {
      dialog.close();
      toast(t('users.created_toast', { name: user.username }));
      await reload();
    },
  });
  const role = form.input('role');
  const showRegions = () => { form.row('region_ids').hidden = role.value !== 'supervisor'; };
  role.addEventListener('change', showRegions);
  showRegions();
  const dialog = openDialog({ title: t('users.add'), content: form.element, wide: true });
}

function editDialog(user, data, reload) {
  const fields = [{ name: 'display_name', label: t('users.display_name'), required: true, value: user.display_name }];
  if (user.role === 'supervisor') fields.push(regionField(data, user.regions.map((region) => region.id)));
  const form = createForm({
    fields,
    cancel: cancelButton(),
    onSubmit(values) {
      const changes = {};
      if (values.display_name !== user.display_name) changes.display_name = values.display_name;
      if (user.role === 'supervisor') changes.region_ids = values.region_ids;
      return Object.keys(changes).length ? api.patch(`admin/users/${user.id}`, changes) : user;
    },
    async onSuccess() {
      dialog.close();
      toast(t('users.saved', { name: user.username }));
      await reload();
    },
  });
  const dialog = openDialog({ title: t('users.edit', { name: user.username }), content: form.element });
}

function passwordDialog(user, reload) {
  const form = createForm({
    fields: [{ name: 'password', label: t('users.new_password'), type: 'text', required: true, value: suggestPassword(),
      hint: t('users.password_reset_hint'), autocomplete: 'off' }],
    submitLabel: t('users.reset_password'),
    cancel: cancelButton(),
    onSubmit: (values) => api.patch(`admin/users/${user.id}`, { password: values.password }),
    async onSuccess() {
      dialog.close();
      toast(t('users.password_reset', { name: user.username }));
      await reload();
    },
  });
  const dialog = openDialog({ title: t('users.reset_password_for', { name: user.username }), content: form.element });
}

function activeDialog(user, reload) {
  const activate = !user.is_active;
  const form = createForm({
    fields: [],
    extra: h('p', {}, t(activate ? 'users.reactivate_confirm' : 'users.deactivate_confirm', { name: user.username })),
    submitLabel: activate ? t('users.reactivate') : t('users.deactivate'),
    cancel: cancelButton(),
    onSubmit: () => api.patch(`admin/users/${user.id}`, { is_active: activate }),
    async onSuccess() {
      dialog.close();
      toast(t(activate ? 'users.reactivated' : 'users.deactivated', { name: user.username }));
      await reload();
    },
  });
  if (!activate) form.submitButton.classList.add('danger');
  const dialog = openDialog({ title: activate ? t('users.reactivate') : t('users.deactivate'), content: form.element });
}

function conflictsDialog(user, data, reload) {
  const list = user.conflicts.length
    ? h('ul', { class: 'conflict-list' }, user.conflicts.map((conflict) => h('li', {},
      conflictName(conflict, data), conflict.note ? h('span', { class: 'muted' }, ` — ${conflict.note}`) : null)))
    : noticeAlert(t('users.no_conflicts'));
  const form = createForm({
    fields: [
      { name: 'target', label: t('conflicts.target'), type: 'select', value: '',
        options: [{ value: '', label: t('conflicts.choose') },
          ...data.agencies.map((a) => ({
            value: `agency:${a.id}`, label: `${t('conflicts.agency')}: ${a.name} — ${a.region.name}` })),
          ...data.units.map((u) => ({
            value: `unit:${u.id}`, label: `${t('conflicts.unit')}: ${u.name} — ${u.agency.name}` }))] },
      { name: 'note', label: t('conflicts.note'), hint: t('conflicts.note_hint') },
    ],
    aliases: { unit_id: 'target', agency_id: 'target' },
    submitLabel: t('conflicts.add'),
    cancel: cancelButton(t('dialog.close')),
    onSubmit(values) {
      const [kind, id] = values.target.split(':');
      return api.post(`admin/users/${user.id}/conflicts`, {
        unit_id: kind === 'unit' ? id : null, agency_id: kind === 'agency' ? id : null, note: values.note });
    },
    async onSuccess() {
      dialog.close();
      toast(t('conflicts.added', { name: user.username }));
      await reload();
    },
  });
  const dialog = openDialog({ title: t('conflicts.title', { name: user.username }), wide: true,
    content: [h('p', { class: 'muted' }, t('conflicts.intro')), list, h('h3', {}, t('conflicts.add')), form.element] });
}
