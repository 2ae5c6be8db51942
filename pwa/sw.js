// The phone app's service worker, a module: the offline shell (./sw-shell.js) and background sending. When the page
// asks for a background sync (it could not send: offline, or left with visits unsent), the browser wakes this worker
// once the network is back, even with the app closed, and it runs the page's own outbox once: the same requests, the
// same receipts, the same lock, so the two never send together.
//
// The shell is imported under its VERSION: Chromium notices a changed import, but then fails to start the new worker
// ("ServiceWorker cannot be started"), so a new version has to change this file's bytes too.

import './sw-shell.js?v=2026.12.08-6';
import { BACKGROUND_SYNC_TAG, Outbox } from './js/outbox.js';
import { Session } from './js/session.js';

self.addEventListener('sync', (event) => {
  if (event.tag === BACKGROUND_SYNC_TAG) event.waitUntil(sendWaitingVisits());
});

async function sendWaitingVisits() {
  const session = new Session();
  if (!(await session.load())) return;
  const done = await new Outbox({ session }).sendOnce();
  // A rejected sync is tried again later by the browser, a few times minutes apart; after that the page asks anew.
  if (!done) throw new Error('visits still wait for the network');
}
