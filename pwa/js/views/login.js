// Sign in: the first time (needs the network), or again when the server stopped accepting this phone's tokens.
// Signing in again never touches what is queued: the outbox resumes where it stopped.

import { NetworkError, ProblemError } from '../api.js';
import * as db from '../db.js';
import { h } from '../../shared/dom.js';
import { t } from '../i18n.js';
import { unsentWork } from '../visit.js';
import { unsentWorkText } from './labels.js';

function errorText(error) {
  if (error instanceof NetworkError) return t('login.error_network');
  if (error instanceof ProblemError) {
    if (error.status === 401) return t('login.error_credentials');
    if (error.status === 429) return t('login.error_throttled');
    return t('login.error_server', { detail: error.detail || error.title || error.status });
  }
  return t('login.error_server', { detail: String(error) });
}


export async function mount(root, ctx) {
  const known = ctx.session.user;
  const isRelogin = Boolean(known);
  ctx.setHeader({ title: isRelogin ? t('login.relogin_title') : t('login.title'), back: isRelogin ? '#/' : null });

  const username = h('input', {
    id: 'login-username', name: 'username', 'data-testid': 'login-username', autocomplete: 'username',
    autocapitalize: 'none', spellcheck: 'false', required: true, value: known ? known.username : '',
    readOnly: isRelogin,
  });
  const password = h('input', {
    id: 'login-password', name: 'password', type: 'password', 'data-testid': 'login-password',
    autocomplete: 'current-password', required: true,
  });
  const error = h('p', {
    id: 'login-error', class: 'form-error', 'data-testid': 'login-error', role: 'alert', hidden: true,
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': 'login-submit' },
    t('login.submit'));
  const switchUser = isRelogin
    ? h('button', {
      type: 'button', class: 'btn btn-quiet btn-block', 'data-testid': 'login-switch-user',
      on: {
        click: () => {
          username.readOnly = false;
          username.value = '';
          username.focus();
          switchUser.hidden = true;
        },
      },
    }, t('login.switch_user'))
    : null;

  const intro = [];
  if (isRelogin) {
    intro.push(h('p', {}, t('login.relogin_intro', { name: known.display_name || known.username })));
    const unsent = unsentWorkText(unsentWork(await db.listVisits(known.id)));
    if (unsent) {
      intro.push(h('p', { class: 'notice', 'data-testid': 'unsent-work' }, t('login.relogin_pending', { unsent })));
    }
  } else {
    intro.push(h('p', {}, t('login.intro')));
  }
  const offlineNote = h('p', { class: 'notice', hidden: navigator.onLine }, t('login.offline'));

  const form = h('form', { id: 'login-form', class: 'card form', 'data-testid': 'login-form', novalidate: true },
    intro,
    h('div', { class: 'field' }, h('label', { for: 'login-username' }, t('login.username')), username),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, t('login.password')), password),
    error,
    offlineNote,
    submit,
    switchUser);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!username.value.trim() || !password.value) {
      error.textContent = t('login.error_empty');
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    submit.textContent = t('login.submitting');
    try {
      await ctx.session.login(username.value.trim(), password.value);
      password.value = '';
      ctx.navigate('#/');
    } catch (failure) {
      error.textContent = errorText(failure);
      error.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
      submit.textContent = t('login.submit');
    }
  });

  const onOnline = () => { offlineNote.hidden = navigator.onLine; };
  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOnline);
  root.append(h('section', { class: 'view view-login' }, form));

  return {
    unmount() {
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOnline);
    },
  };
}
