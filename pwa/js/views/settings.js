// Settings: language, storage (persistence and free space), app version, signing out.

import * as db from '../db.js';
import { h } from '../../shared/dom.js';
import { otherLanguages } from '../form-language.js';
import { formatBytes, getLanguage, LANGUAGES, setLanguage, t } from '../i18n.js';
import * as storage from '../storage.js';
import { unsentWork } from '../visit.js';
import { unsentWorkText } from './labels.js';

async function appVersion() {
  const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (!worker) return null;
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), 1000);
    channel.port1.onmessage = (event) => { clearTimeout(timer); resolve(event.data && event.data.version); };
    worker.postMessage({ type: 'GET_VERSION' }, [channel.port2]);
  });
}

/** The forms' own other languages (a third one beyond Bahasa Indonesia and English), when a held form has one. */
async function formLanguageChoice() {
  const languages = [...new Set((await db.listInstruments()).flatMap(otherLanguages))];
  if (!languages.length) return null;
  const chosen = (await db.getMeta('form_lang')) || '';
  const option = (value, label) => h('label', { class: 'option' },
    h('input', {
      type: 'radio', name: 'form-language', value, checked: chosen === value,
      'data-testid': `form-language-${value || 'app'}`,
      on: { change: () => db.setMeta('form_lang', value) },
    }),
    h('span', { class: 'option-label' }, label));
  return h('fieldset', { class: 'card', 'data-testid': 'form-languages' },
    h('legend', {}, t('settings.form_language')),
    h('div', { class: 'options options-column' }, option('', t('settings.form_language_app')),
      languages.map((language) => option(language, language))),
    h('p', { class: 'meta' }, t('settings.form_language_hint')));
}

export async function mount(root, ctx) {
  ctx.setHeader({ title: t('settings.title'), back: '#/' });
  const user = ctx.session.user;

  const languageGroup = h('fieldset', { class: 'card' },
    h('legend', {}, t('settings.language')),
    h('div', { class: 'options options-column' }, LANGUAGES.map((lang) => h('label', { class: 'option' },
      h('input', {
        type: 'radio', name: 'language', value: lang, checked: getLanguage() === lang,
        'data-testid': `language-${lang}`,
        on: {
          change: async () => {
            setLanguage(lang);
            await db.setMeta('lang', lang);
            location.reload(); // every label on every screen follows, the simple way
          },
        },
      }),
      h('span', { class: 'option-label', lang }, t(`settings.language_${lang}`))))));

  const formLanguageGroup = await formLanguageChoice();

  const persisted = h('p', { 'data-testid': 'settings-persisted' });
  const free = h('p', { 'data-testid': 'settings-free' });
  const used = h('p', { class: 'meta' });
  const persistButton = h('button', {
    type: 'button', class: 'btn btn-secondary btn-block', 'data-testid': 'request-persistence',
    on: { click: async () => { await storage.requestPersistence(); renderStorage(); } },
  }, t('storage.request'));

  async function renderStorage() {
    const [space, isPersisted] = await Promise.all([storage.estimate(), storage.isPersisted()]);
    persisted.textContent = isPersisted === null ? t('storage.persist_unknown')
      : isPersisted ? t('storage.persisted_yes') : t('storage.persisted_no');
    persisted.dataset.persisted = String(isPersisted);
    persistButton.hidden = isPersisted !== false;
    free.textContent = space ? t('storage.free', { free: formatBytes(space.free) }) : t('storage.free_unknown');
    used.textContent = space ? t('storage.used', { used: formatBytes(space.usage) }) : '';
  }

  const version = h('p', { class: 'meta', 'data-testid': 'app-version' }, t('settings.version', { version: '…' }));
  const sections = [
    languageGroup,
    formLanguageGroup,
    h('section', { class: 'card' }, h('h2', {}, t('settings.storage')), persisted, persistButton, free, used,
      h('p', { class: 'meta' }, t('storage.persist_hint'))),
  ];
  if (user) {
    const unsent = unsentWorkText(unsentWork(await db.listVisits(user.id)));
    const logout = h('button', {
      type: 'button', class: 'btn btn-secondary btn-block', 'data-testid': 'logout',
      on: {
        click: async () => {
          if (unsent && !window.confirm(t('settings.logout_confirm', { unsent }))) return;
          await ctx.session.logout();
        },
      },
    }, t('settings.logout'));
    sections.push(h('section', { class: 'card' }, h('h2', {}, t('settings.account')),
      h('p', {}, t('list.signed_in_as', { name: user.display_name || user.username })),
      h('p', { class: 'unsent-work', 'data-testid': 'unsent-work' }, unsent || t('settings.all_sent')),
      unsent ? h('p', { class: 'meta' }, t('settings.logout_keeps')) : null,
      logout));
  }
  sections.push(h('section', { class: 'card' }, version));
  root.append(h('section', { class: 'view view-settings' }, sections));

  renderStorage();
  appVersion().then((value) => {
    version.textContent = t('settings.version', { version: value || t('settings.version_none') });
  });
  return { unmount() {} };
}
