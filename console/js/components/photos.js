// Evidence photos. The photo routes need the bearer token, so an <img src="/api/photos/…"> cannot load them: each
// variant is fetched through api.js and shown from a blob: URL. A page owns one loader and calls `revokeAll()` when
// it is left, so the decoded images do not outlive it. A few downloads at a time keep a page of thumbnails from
// starving the page's other requests.

import { getPhoto } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

const PARALLEL_DOWNLOADS = 4;

export function createPhotoLoader() {
  const urls = new Map();
  const queue = [];
  let running = 0;
  let closed = false;

  function pump() {
    while (running < PARALLEL_DOWNLOADS && queue.length) {
      const job = queue.shift();
      running += 1;
      getPhoto(job.path)
        .then((blob) => {
          if (closed) throw new Error('closed');
          return URL.createObjectURL(blob);
        })
        .then(job.resolve, job.reject)
        .finally(() => { running -= 1; pump(); });
    }
  }

  return {
    /** A blob: URL for a photo variant (its server path, e.g. `photo.urls.thumb`); the same promise for repeats. */
    url(path) {
      if (!urls.has(path)) {
        urls.set(path, new Promise((resolve, reject) => {
          queue.push({ path, resolve, reject });
          pump();
        }));
      }
      return urls.get(path);
    },
    revokeAll() {
      closed = true;
      queue.length = 0;
      for (const pending of urls.values()) pending.then((url) => URL.revokeObjectURL(url), () => null);
      urls.clear();
    },
  };
}

/** Put the variant into `img` once it has loaded; a failed download leaves a visible note instead of a broken icon. */
export function fillImage(img, loader, path) {
  img.classList.add('photo-loading');
  loader.url(path).then((url) => {
    img.src = url;
    img.classList.remove('photo-loading');
  }).catch(() => {
    img.classList.remove('photo-loading');
    img.classList.add('photo-failed');
    img.alt = t('photo.failed');
  });
  return img;
}

/**
 * A thumbnail button for `photo` (a PhotoOut of the review API). `onOpen()` opens the lightbox. Photos not yet
 * uploaded are shown as a placeholder: their absence is part of the evidence.
 */
export function thumbnail(photo, loader, { onOpen, label, flagLabels = [] } = {}) {
  if (!photo.urls) {
    return h('span', { class: 'thumb thumb-missing', title: t('photo.not_stored') }, t('photo.not_stored_short'));
  }
  const img = fillImage(h('img', { alt: label || t('photo.alt'), width: '112', height: '84' }),
    loader, photo.urls.thumb);
  return h('button', {
    type: 'button', class: ['thumb', flagLabels.length ? 'thumb-flagged' : null],
    title: [label, ...flagLabels].filter(Boolean).join(' · '),
    dataset: { photo: photo.id }, on: { click: () => onOpen?.() },
  }, img, flagLabels.length ? h('span', { class: 'thumb-flag', 'aria-hidden': 'true' }, '!') : null);
}
