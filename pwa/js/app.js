// Boots the phone app: language, session, service worker, outbox, and a small hash router over the views.

import * as db from './db.js';
import { h, replaceChildren } from '../shared/dom.js';
import { PositionTracker } from './geo.js';
import { getLanguage, setLanguage, t } from './i18n.js';
import { BACKGROUND_SYNC_TAG, Outbox } from './outbox.js';
import { Session } from './session.js';
import * as storage from './storage.js';
import * as assignmentsView from './views/assignments.js';
import * as captureView from './views/capture.js';
import * as loginView from './views/login.js';
import * as settingsView from './views/settings.js';

const session = new Session();
const outbox = new Outbox({ session });
const positions = new PositionTracker();

const main = document.getElementById('app');
const titleEl = document.getElementById('title');
const backButton = document.getElementById('nav-back');
const langButton = document.getElementById('lang-switch');
const settingsLink = document.getElementById('nav-settings');
const banners = document.getElementById('banners');
const toastEl = document.getElementById('toast');

let current = null; // {unmount(), flush?()}
let currentRoute = null;
let backTarget = null;
let outboxStarted = false;
const bannerState = { update: null, signin: false, reload: false, storageFull: false };

const ctx = {
  session,
  outbox,
  positions,
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  setHeader({ title, back = null }) {
    titleEl.textContent = title;
    backTarget = back;
    backButton.hidden = !back;
    document.title = title === t('app.name') ? title : `${title} · ${t('app.name')}`;
  },
  toast(text) {
    toastEl.textContent = text;
    toastEl.hidden = false;
    clearTimeout(ctx.toastTimer);
    ctx.toastTimer = setTimeout(() => { toastEl.hidden = true; toastEl.textContent = ''; }, 5000);
  },
  /** A write was refused for lack of space: say so until a later write succeeds. */
  setStorageFull(isFull) {
    bannerState.storageFull = isFull;
    renderBanners();
  },
  async flush() {
    if (current && current.flush) await current.flush();
  },
};

// ---- routing ------------------------------------------------------------------------------------------------

function parseRoute() {
  const [, name = '', param = ''] = /^#\/?([^/]*)\/?(.*)$/.exec(location.hash) || [];
  return { name, param: decodeURIComponent(param) };
}

const VIEWS = { '': assignmentsView, login: loginView, visit: captureView, settings: settingsView };
const viewFor = (name) => VIEWS[name] || assignmentsView;

async function route() {
  const { name: asked, param } = parseRoute();
  const name = session.user || asked === 'login' || asked === 'settings' ? asked : 'login';
  if (name !== asked && location.hash !== '#/login') history.replaceState(null, '', '#/login');
  await mount(viewFor(name), param, `${name}/${param}`);
}

async function mount(view, param, routeKey) {
  if (current) {
    try { await ctx.flush(); } catch (error) { console.error(error); }
    current.unmount();
    current = null;
  }
  const isSameRoute = routeKey === currentRoute;
  const scrollY = window.scrollY;
  currentRoute = routeKey;
  replaceChildren(main);
  current = await view.mount(main, ctx, param);
  settingsLink.hidden = routeKey.startsWith('settings');
  renderBanners();
  if (isSameRoute) window.scrollTo(0, scrollY);
  else {
    window.scrollTo(0, 0);
    main.focus({ preventScroll: true });
  }
}

function rerender() {
  const { name, param } = parseRoute();
  if (currentRoute === null) return route();
  return mount(viewFor(name), param, currentRoute);
}

// ---- header ---------------------------------------------------------------------------------------------------

function renderHeaderTexts() {
  const next = getLanguage() === 'id' ? 'en' : 'id';
  langButton.textContent = next.toUpperCase();
  langButton.setAttribute('aria-label', t('header.switch_language'));
  langButton.setAttribute('lang', next);
  backButton.setAttribute('aria-label', t('header.back'));
  settingsLink.setAttribute('aria-label', t('header.settings'));
  document.getElementById('skip-link').textContent = t('header.skip');
}

async function switchLanguage() {
  const next = getLanguage() === 'id' ? 'en' : 'id';
  setLanguage(next);
  await db.setMeta('lang', next);
  renderHeaderTexts();
  await rerender();
}

backButton.addEventListener('click', () => ctx.navigate(backTarget || '#/'));
toastEl.addEventListener('click', () => { toastEl.hidden = true; });
langButton.addEventListener('click', switchLanguage);

// ---- banners: update ready, sign in again, storage full, reload needed ---------------------------------------

function renderBanners() {
  const items = [];
  if (bannerState.update) {
    items.push(h('div', { class: 'banner banner-info', 'data-testid': 'update-banner', role: 'status' },
      h('p', {}, t('update.ready')),
      h('button', {
        type: 'button', class: 'btn btn-primary', 'data-testid': 'update-reload', on: { click: applyUpdate },
      }, t('update.reload'))));
  }
  if (bannerState.reload) {
    items.push(h('div', { class: 'banner banner-info', role: 'status' },
      h('p', {}, t('update.reload_needed')),
      h('button', { type: 'button', class: 'btn btn-primary', on: { click: () => location.reload() } },
        t('update.reload'))));
  }
  if (bannerState.signin && !(currentRoute || '').startsWith('login')) {
    items.push(h('div', { class: 'banner banner-warn', 'data-testid': 'signin-banner', role: 'status' },
      h('p', {}, t('signin.banner')),
      h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'signin-open',
        on: { click: () => ctx.navigate('#/login') } }, t('signin.action'))));
  }
  if (bannerState.storageFull) {
    items.push(h('div', { class: 'banner banner-bad', 'data-testid': 'storage-full-banner', role: 'alert' },
      h('p', {}, t('storage.full_banner'))));
  }
  replaceChildren(banners, items);
  // The banners float over the bottom of the screen; keep the end of the page reachable above them.
  main.style.paddingBottom = items.length ? `${banners.offsetHeight + 24}px` : '';
}

async function applyUpdate() {
  const worker = bannerState.update;
  if (!worker) return;
  // Everything typed so far is written before the new version takes over; IndexedDB outlives the reload.
  await ctx.flush();
  applyUpdate.isReloading = true;
  worker.postMessage({ type: 'SKIP_WAITING' });
}

/**
 * The module worker, which imports the outbox to send in the background (askForBackgroundSync); a browser without
 * module service workers fails on its first `import` and gets the offline shell alone, as a classic worker. (A
 * flaky network may land here too: the next start registers the module worker again.)
 */
async function registerWorker() {
  try {
    return await navigator.serviceWorker.register('sw.js', { scope: './', type: 'module' });
  } catch (error) {
    return navigator.serviceWorker.register('sw-shell.js', { scope: './' });
  }
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  let registration;
  try {
    registration = await registerWorker();
  } catch (error) {
    console.warn('service worker not registered', error);
    return;
  }
  const offer = (worker) => {
    bannerState.update = worker;
    renderBanners();
  };
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
    });
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (applyUpdate.isReloading) location.reload();
  });
  const checkForUpdate = () => { if (navigator.onLine) registration.update().catch(() => {}); };
  window.addEventListener('online', checkForUpdate);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') checkForUpdate();
  });
}

// ---- session and outbox wiring --------------------------------------------------------------------------------

function startOutbox() {
  if (outboxStarted) return;
  outboxStarted = true;
  outbox.start();
}

// When the app cannot send now, the browser is asked to wake the service worker's outbox once the network is back,
// even with the app closed (Background Sync: Chromium, which most field phones run; elsewhere the app's own timers
// send when it is open). Asked when the phone is offline and when the surveyor leaves the app with visits unsent;
// while the app is open and online its own outbox does the retrying.
function askForBackgroundSync() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.getRegistration()
    .then((registration) => registration && registration.sync && registration.sync.register(BACKGROUND_SYNC_TAG))
    .catch(() => {}); // not supported or not allowed
}

outbox.addEventListener('status', (event) => {
  if (event.detail.state === 'offline') askForBackgroundSync();
  const isSignin = event.detail.state === 'signin';
  if (isSignin !== bannerState.signin) {
    bannerState.signin = isSignin;
    renderBanners();
  }
});

session.addEventListener('signed-in', async () => {
  bannerState.signin = false;
  startOutbox();
  outbox.kick('signed-in');
  storage.requestPersistence();
});

session.addEventListener('signed-out', () => {
  bannerState.signin = false;
  ctx.navigate('#/login');
});

db.onVersionChange(() => {
  bannerState.reload = true;
  renderBanners();
});

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') {
    ctx.flush().catch(() => {});
    if (session.user && outbox.mayHaveUnsentVisits) askForBackgroundSync();
  } else if (session.user) outbox.kick('visible');
});
window.addEventListener('pagehide', () => { ctx.flush().catch(() => {}); });

/** Replaces the screen with a message the surveyor cannot work past (`fatal`, `insecure`). */
function showStop(kind) {
  replaceChildren(main, h('div', { class: 'card', role: 'alert' }, h('h2', {}, t(`${kind}.title`)),
    h('p', {}, t(`${kind}.body`))));
}

function showFatal(error) {
  console.error(error);
  showStop('fatal');
}

async function boot() {
  setLanguage((await db.getMeta('lang')) || 'id');
  renderHeaderTexts();
  if (!(globalThis.crypto && crypto.subtle)) {
    showStop('insecure');
    return;
  }
  await session.load();
  window.addEventListener('hashchange', route); // only now: routing before the session is known would show login
  registerServiceWorker();
  if (session.user) {
    startOutbox();
    storage.requestPersistence();
  }
  await route();
}

boot().catch(showFatal);
