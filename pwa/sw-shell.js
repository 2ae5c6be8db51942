// The offline shell of the phone app's service worker: precaches the versioned app shell so a cold start with no
// network opens the app, removes the shells of older versions once this one takes over, and leaves the app's /api
// requests alone (never cached, never replayed). A new version waits until the page says "reload" (after saving), so
// nothing captured is ever dropped by an update.
//
// sw.js (a module) imports this file and adds background sending; a browser without module service workers
// (Firefox before 147) registers this file alone, as a classic worker: it must stay free of import and export.
//
// Bump VERSION whenever any file below changes, here and in sw.js's import of this file: the byte change of the
// registered script is what makes browsers update.

const VERSION = '2026.12.08-6';
const CACHE_PREFIX = 'sidak-shell-';
const CACHE_NAME = `${CACHE_PREFIX}${VERSION}`;

const SHELL = [
  './',
  'manifest.webmanifest',
  'css/app.css',
  'js/api.js',
  'js/app.js',
  'js/db.js',
  'js/exif-write.js',
  'js/form-language.js',
  'js/geo.js',
  'js/icons.js',
  'js/i18n.js',
  'js/i18n/en.js',
  'js/i18n/id.js',
  'js/outbox.js',
  'js/photo.js',
  'js/pull.js',
  'js/session.js',
  'js/storage.js',
  'js/util.js',
  'js/visit.js',
  'js/views/assignments.js',
  'js/views/capture-indicator.js',
  'js/views/capture-missing.js',
  'js/views/capture.js',
  'js/views/labels.js',
  'js/views/login.js',
  'js/views/settings.js',
  'vendor/exifr-7.1.3/lite.esm.js',
  'shared/dom.js',
  'shared/i18n.js',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/maskable-192.png',
  'icons/maskable-512.png',
  'icons/apple-touch-icon.png',
];

const scopeUrl = new URL(self.registration.scope);
const shellUrls = new Set(SHELL.map((path) => new URL(path, scopeUrl).href));
const apiPrefix = new URL('api/', scopeUrl).pathname;
const rootUrl = new URL('./', scopeUrl).href;
const indexUrl = new URL('index.html', scopeUrl).href;
const sharedPrefix = new URL('shared/', scopeUrl).href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE_NAME);
    // 'reload' skips the HTTP cache, so a new version never precaches an old file.
    await cache.addAll(SHELL.map((path) => new Request(new URL(path, scopeUrl), { cache: 'reload' })));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  const message = event.data || {};
  if (message.type === 'SKIP_WAITING') self.skipWaiting();
  if (message.type === 'GET_VERSION' && event.ports[0]) event.ports[0].postMessage({ version: VERSION });
});

async function fromShell(request, key) {
  const cache = await caches.open(CACHE_NAME);
  const cached = await cache.match(key, { ignoreSearch: true });
  return cached || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scopeUrl.origin) return;
  if (url.pathname.startsWith(apiPrefix)) return; // the network, always
  if (request.mode === 'navigate') {
    // Only the app's own start page: other pages on this origin (the supervisors' console) are not ours.
    if (isAppPage(url.href)) event.respondWith(fromShell(request, rootUrl));
    return;
  }
  const key = url.href.split(/[?#]/)[0];
  if (!shellUrls.has(key)) return;
  if (key.startsWith(sharedPrefix)) event.respondWith(sharedFile(event, key));
  else event.respondWith(fromShell(request, key));
});

function isAppPage(href) {
  const page = href.split(/[?#]/)[0];
  return page === rootUrl || page === indexUrl;
}

// The console loads the shared modules too, and its pages are in this worker's scope: they get the files from the
// network, at the server's version, not the copy this phone precached for its own version.
async function sharedFile(event, key) {
  const client = event.clientId ? await self.clients.get(event.clientId) : null;
  if (client && !isAppPage(client.url)) return fetch(event.request);
  return fromShell(event.request, key);
}
