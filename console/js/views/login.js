// The login page. Surveyors are sent to the phone app: the console is for admins and supervisors.

import { ApiError, login, logout } from '../api.js';
import { createForm } from '../components/form.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { isAdmin } from '../session.js';

export function render(main) {
  document.title = `${t('login.title')} — Sidak`;
  const form = createForm({
    fields: [
      { name: 'username', label: t('login.username'), required: true, autocomplete: 'username' },
      { name: 'password', label: t('login.password'), type: 'password', required: true,
        autocomplete: 'current-password' },
    ],
    submitLabel: t('login.submit'),
    async onSubmit({ username, password }) {
      const user = await login(username.trim(), password);
      if (user.role === 'surveyor') {
        await logout();
        throw new ApiError(403, { code: 'console.surveyor', detail: t('login.surveyor_detail') });
      }
      return user;
    },
    onSuccess() {
      navigate(isAdmin() ? '/units' : '/review');
    },
  });
  mount(main, h('section', { class: 'login-card' },
    h('h1', {}, t('login.title')),
    h('p', { class: 'muted' }, t('login.intro')),
    form.element));
  form.input('username').focus();
}
