// The console's shell: the top bar (navigation, language, logout) and the hash router that mounts one view at a
// time into <main>, each into an element of its own. A view is `render(element, {params, query}) → cleanup function
// | undefined`.

import { LOGGED_OUT_EVENT, logout } from './api.js';
import { h, mount } from './dom.js';
import { LANGUAGE_EVENT, LANGUAGES, getLanguage, loadLanguage, setLanguage, t } from './i18n.js';
import { createRouter, navigate, parseHash } from './router.js';
import { currentUser, isAdmin, readSession } from './session.js';
import * as assignmentsView from './views/assignments.js';
import * as collectView from './views/collect.js';
import * as comparisonView from './views/comparison.js';
import * as instrumentView from './views/instrument.js';
import * as instrumentsView from './views/instruments.js';
import * as loginView from './views/login.js';
import * as planView from './views/plan.js';
import * as rankingsView from './views/rankings.js';
import * as reportCardView from './views/report-card.js';
import * as resultsIndexView from './views/results-index.js';
import * as resultsView from './views/results.js';
import * as reviewQueueView from './views/review-queue.js';
import * as reviewVisitView from './views/review-visit.js';
import * as trendView from './views/trend.js';
import * as unitImportView from './views/unit-import.js';
import * as unitsView from './views/units.js';
import * as usersView from './views/users.js';
import * as waveView from './views/wave.js';
import * as wavesView from './views/waves.js';

// `nav` names the top-bar entry a page belongs to; `admin` pages are hidden from, and refused to, supervisors.
const ROUTES = [
  { pattern: '/login', view: loginView, public: true },
  { pattern: '/units', view: unitsView, admin: true, nav: 'units' },
  { pattern: '/units/import', view: unitImportView, admin: true, nav: 'units' },
  { pattern: '/users', view: usersView, admin: true, nav: 'users' },
  { pattern: '/instruments', view: instrumentsView, admin: true, nav: 'instruments' },
  { pattern: '/instruments/:key/:version', view: instrumentView, admin: true, nav: 'instruments' },
  { pattern: '/waves', view: wavesView, admin: true, nav: 'waves' },
  { pattern: '/waves/:id', view: waveView, admin: true, nav: 'waves' },
  { pattern: '/waves/:id/assignments', view: assignmentsView, admin: true, nav: 'waves' },
  { pattern: '/review', view: reviewQueueView, nav: 'review' },
  { pattern: '/review/:visitId', view: reviewVisitView, nav: 'review' },
  { pattern: '/results', view: resultsIndexView, nav: 'results' },
  { pattern: '/results/:waveId', view: resultsView, nav: 'results' },
  { pattern: '/results/:waveId/units/:unitId', view: reportCardView, nav: 'results' },
  { pattern: '/rankings/:waveId', view: rankingsView, nav: 'results' },
  { pattern: '/trend/:level/:id', view: trendView, nav: 'results' },
  { pattern: '/plan/:unitId', view: planView, nav: 'results' },
  { pattern: '/comparison', view: comparisonView, nav: 'comparison' },
  { pattern: '/collect', view: collectView, nav: 'review' },
];
const NAV = [
  { key: 'units', path: '/units', admin: true },
  { key: 'users', path: '/users', admin: true },
  { key: 'instruments', path: '/instruments', admin: true },
  { key: 'waves', path: '/waves', admin: true },
  { key: 'review', path: '/review' },
  { key: 'results', path: '/results' },
  { key: 'comparison', path: '/comparison' },
];

const router = createRouter(ROUTES);
const main = document.getElementById('main');
const topbar = document.getElementById('topbar');
let cleanup = null;
let renderCount = 0;

function homePath() {
  return isAdmin() ? '/units' : '/review';
}

function renderTopbar(activeNav) {
  const user = currentUser();
  const languageSwitch = h('div', { class: 'language-switch', role: 'group', 'aria-label': t('nav.language') },
    // "ID" and "EN" on the buttons (the whole names as their accessible names): the bar holds every link at 1366 px.
    LANGUAGES.map((language) => h('button', {
      type: 'button', class: 'language-button', lang: language, 'aria-pressed': String(language === getLanguage()),
      'aria-label': t(`language.${language}`), title: t(`language.${language}`),
      on: { click: () => setLanguage(language) },
    }, language.toUpperCase())));
  const links = user ? NAV.filter((item) => !item.admin || isAdmin()).map((item) => h('a', {
    href: `#${item.path}`, class: ['nav-link', item.key === activeNav ? 'active' : null],
    'aria-current': item.key === activeNav ? 'page' : null,
  }, t(`nav.${item.key}`))) : [];
  const nav = h('nav', { class: 'nav', 'aria-label': t('nav.label') }, links);
  mount(topbar,
    h('a', { class: 'brand', href: user ? `#${homePath()}` : '#/login' },
      h('span', { class: 'brand-name' }, 'Sidak'), h('span', { class: 'brand-sub' }, t('app.console'))),
    nav,
    h('div', { class: 'topbar-end' },
      languageSwitch,
      user ? h('span', { class: 'whoami' }, h('span', { class: 'whoami-name' }, user.display_name),
        h('span', { class: 'role-badge' }, t(`role.${user.role}`))) : null,
      user
        ? h('button', { type: 'button', class: 'link-button', on: { click: handleLogout } }, t('nav.logout'))
        : null));
  revealActiveLink(nav);
}

/** On a phone the links scroll sideways in one row: bring the current page's link into view. */
function revealActiveLink(nav) {
  const active = nav.querySelector('.nav-link.active');
  if (!active || nav.scrollWidth <= nav.clientWidth) return;
  const offsetPx = active.getBoundingClientRect().left - nav.getBoundingClientRect().left;
  nav.scrollLeft += offsetPx - (nav.clientWidth - active.offsetWidth) / 2;
}

async function handleLogout() {
  await logout();
  navigate('/login');
}

async function route() {
  const { path, query } = parseHash(globalThis.location.hash);
  const found = router.match(path);
  const loggedIn = Boolean(readSession());
  if (!found) {
    navigate(loggedIn ? homePath() : '/login');
    return;
  }
  if (!found.route.public && !loggedIn) {
    navigate('/login');
    return;
  }
  if (found.route.public && loggedIn) {
    navigate(homePath());
    return;
  }
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  renderCount += 1;
  const thisRender = renderCount;
  renderTopbar(found.route.nav);
  // Each page renders into an element of its own: a view still loading when the user moves on then writes into a
  // detached element, never over the page shown since.
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  if (found.route.admin && !isAdmin()) {
    mount(view, h('h1', {}, t('page.forbidden')), h('p', {}, t('page.forbidden_detail')));
    return;
  }
  try {
    const result = await found.route.view.render(view, { params: found.params, query });
    // A slow view finishing after the user moved on must not leave its cleanup behind for the wrong page.
    if (thisRender === renderCount) cleanup = result;
    else if (typeof result === 'function') result();
  } catch (error) {
    console.error(error);
  }
  // Screen readers start at the new page, unless the view already put the focus somewhere useful.
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

function start() {
  if (!globalThis.location.pathname.endsWith('/')) {
    // Relative links and the module graph assume the console's folder URL.
    globalThis.location.replace(`${globalThis.location.pathname}/${globalThis.location.hash}`);
    return;
  }
  loadLanguage();
  globalThis.addEventListener('hashchange', route);
  globalThis.addEventListener(LANGUAGE_EVENT, route);
  globalThis.addEventListener(LOGGED_OUT_EVENT, () => navigate('/login'));
  route();
}

start();
