// Pieces every page uses: the page header (which also sets the window title), loading and error states, badges.

import { errorAlert } from '../components/alert.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function pageHeader(title, { actions = [], back = null, subtitle = null } = {}) {
  document.title = `${title} — Sidak`;
  return h('div', { class: 'page-header' },
    h('div', { class: 'page-heading' },
      back ? h('a', { class: 'back-link', href: back.href }, `← ${back.label}`) : null,
      h('h1', {}, title),
      subtitle ? h('p', { class: 'page-subtitle' }, subtitle) : null),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null);
}

/** Buttons in the page header that need the page's data start disabled (`waiting: true`) until it has loaded. */
export function enableActions(container) {
  container.querySelectorAll('.page-actions button[data-waiting]').forEach((action) => {
    action.disabled = false;
    delete action.dataset.waiting;
  });
}

export function loading() {
  return h('p', { class: 'loading', role: 'status' }, t('state.loading'));
}

/** Replace the page body with an error box (after a failed load). */
export function showLoadError(container, error) {
  container.replaceChildren(errorAlert(error));
}

export function badge(text, tone = 'neutral') {
  return h('span', { class: `badge badge-${tone}` }, text);
}

const STATUS_TONES = { draft: 'neutral', fieldwork: 'info', review: 'warning', published: 'success' };

export function waveStatusBadge(status) {
  return badge(t(`wave.status.${status}`), STATUS_TONES[status] || 'neutral');
}

export function button(label, onClick, { kind = 'secondary', type = 'button', waiting = false, ...attrs } = {}) {
  return h('button', { type, class: kind, on: { click: onClick }, disabled: waiting || attrs.disabled,
    dataset: waiting ? { waiting: 'true' } : undefined, ...attrs }, label);
}

export function linkButton(label, href, kind = 'secondary') {
  return h('a', { class: `button ${kind}`, href }, label);
}

/** A row of tabs over panels: [{key, label, panel}] → element; `onShow(key)` runs when a tab is chosen. */
export function tabs(items, { onShow } = {}) {
  const buttons = items.map((item) => h('button', {
    type: 'button', role: 'tab', class: 'tab', id: `tab-${item.key}`, 'aria-controls': `panel-${item.key}`,
    on: { click: () => select(item.key) },
  }, item.label));
  const panels = items.map((item) => h('div', {
    role: 'tabpanel', class: 'tab-panel', id: `panel-${item.key}`, 'aria-labelledby': `tab-${item.key}`,
  }, item.panel));
  function select(key) {
    items.forEach((item, i) => {
      const chosen = item.key === key;
      buttons[i].setAttribute('aria-selected', String(chosen));
      buttons[i].tabIndex = chosen ? 0 : -1;
      panels[i].hidden = !chosen;
    });
    onShow?.(key);
  }
  select(items[0].key);
  const tabList = h('div', { class: 'tab-list', role: 'tablist' }, buttons);
  return { element: h('div', { class: 'tabs' }, tabList, panels), select };
}

/** The key and version of a select's value: a key holds no '@', a version may. */
export function instrumentRef(value) {
  const at = value.indexOf('@');
  return { key: value.slice(0, at), version: value.slice(at + 1) };
}
