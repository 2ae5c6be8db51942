// A lightbox over the evidence: one photo at a time at display size, ← → through every photo of the page, zoom with
// + − 0, a click or the wheel, and drag to move around a zoomed photo. Built on <dialog>, so focus stays inside and
// Escape closes it. The photos come from the page's photo loader (blob: URLs, revoked with the page).

import { relativeApiPath } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { toast } from './alert.js';
import { downloadFile } from './download.js';
import { fillImage } from './photos.js';

const ZOOM_STEPS = [1, 1.5, 2, 3, 4];

/**
 * items: [{photo, caption: node|string, details: node|string}] in reading order; opens at `start`.
 * Returns {close}.
 */
export function openLightbox(items, start, loader) {
  let index = start;
  let zoomStep = 0;
  const stage = h('div', { class: 'lightbox-stage' });
  const caption = h('div', { class: 'lightbox-caption' });
  const position = h('span', { class: 'lightbox-position', 'aria-live': 'polite' });
  const zoomLabel = h('span', { class: 'lightbox-zoom-level' });
  const toolButton = (label, text, action, extra = {}) => h('button', {
    type: 'button', class: 'lightbox-tool', 'aria-label': label, title: label, on: { click: action }, ...extra,
  }, text);
  const previous = toolButton(t('lightbox.previous'), '←', () => show(index - 1), { dataset: { action: 'previous' } });
  const next = toolButton(t('lightbox.next'), '→', () => show(index + 1), { dataset: { action: 'next' } });
  const zoomOut = toolButton(t('lightbox.zoom_out'), '−', () => zoomTo(zoomStep - 1),
    { dataset: { action: 'zoom-out' } });
  const zoomIn = toolButton(t('lightbox.zoom_in'), '+', () => zoomTo(zoomStep + 1), { dataset: { action: 'zoom-in' } });
  const fit = toolButton(t('lightbox.fit'), '⤢', () => zoomTo(0), { dataset: { action: 'fit' } });
  const original = h('button', { type: 'button', class: 'lightbox-tool lightbox-original',
    on: { click: downloadOriginal } }, t('lightbox.original'));
  const close = toolButton(t('dialog.close'), '×', () => dialog.close(), { dataset: { action: 'close' } });
  const dialog = h('dialog', { class: 'lightbox', 'aria-label': t('lightbox.title') },
    h('div', { class: 'lightbox-bar' }, previous, position, next,
      h('span', { class: 'lightbox-spacer' }), zoomOut, zoomLabel, zoomIn, fit, original, close),
    stage, caption);

  function currentImage() {
    return stage.querySelector('img');
  }

  function show(nextIndex) {
    if (nextIndex < 0 || nextIndex >= items.length) return;
    index = nextIndex;
    zoomStep = 0;
    const { photo } = items[index];
    const img = h('img', { class: 'lightbox-image', alt: t('photo.alt'), draggable: 'false',
      on: { click: zoomAtClick } });
    stage.replaceChildren(photo.urls ? fillImage(img, loader, photo.urls.display)
      : h('p', { class: 'lightbox-missing' }, t('photo.not_stored')));
    caption.replaceChildren(h('div', { class: 'lightbox-title' }, items[index].caption),
      items[index].details ? h('div', { class: 'lightbox-details small' }, items[index].details) : null);
    position.textContent = t('lightbox.position', { n: index + 1, total: items.length });
    previous.disabled = index === 0;
    next.disabled = index === items.length - 1;
    original.hidden = !photo.urls;
    applyZoom();
  }

  async function downloadOriginal() {
    const { photo } = items[index];
    const extension = (photo.content_type.split('/')[1] || 'jpg').replace('jpeg', 'jpg');
    original.disabled = true;
    try {
      await downloadFile(relativeApiPath(photo.urls.original), `${photo.indicator}-${photo.id}.${extension}`);
    } catch {
      toast(t('photo.failed'));
    } finally {
      original.disabled = false;
    }
  }

  function applyZoom(focus = null) {
    const img = currentImage();
    const zoom = ZOOM_STEPS[zoomStep];
    zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
    zoomOut.disabled = zoomStep === 0;
    zoomIn.disabled = zoomStep === ZOOM_STEPS.length - 1;
    if (!img) return;
    stage.classList.toggle('zoomed', zoomStep > 0);
    // Zoom is relative to the photo fitted into the stage: "200%" means twice as large as it first appeared.
    img.style.width = zoomStep > 0 ? `${Math.round(fittedWidth(img) * zoom)}px` : '';
    if (zoomStep > 0 && focus) {
      stage.scrollLeft = focus.x * img.clientWidth - stage.clientWidth / 2;
      stage.scrollTop = focus.y * img.clientHeight - stage.clientHeight / 2;
    }
  }

  function fittedWidth(img) {
    const width = img.naturalWidth || stage.clientWidth;
    const height = img.naturalHeight || stage.clientHeight;
    return width * Math.min(stage.clientWidth / width, stage.clientHeight / height, 1);
  }

  function zoomTo(step, focus = { x: 0.5, y: 0.5 }) {
    zoomStep = Math.max(0, Math.min(ZOOM_STEPS.length - 1, step));
    applyZoom(focus);
  }

  function zoomAtClick(event) {
    if (dragged) return;
    const rect = event.target.getBoundingClientRect();
    const focus = { x: (event.clientX - rect.left) / rect.width, y: (event.clientY - rect.top) / rect.height };
    zoomTo(zoomStep === 0 ? 2 : 0, focus);
  }

  // Dragging a zoomed photo scrolls the stage; a drag must not also count as the click that zooms out.
  let drag = null;
  let dragged = false;
  stage.addEventListener('pointerdown', (event) => {
    dragged = false;
    if (zoomStep === 0) return;
    drag = { x: event.clientX, y: event.clientY, left: stage.scrollLeft, top: stage.scrollTop };
  });
  stage.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) dragged = true;
    stage.scrollLeft = drag.left - dx;
    stage.scrollTop = drag.top - dy;
  });
  const endDrag = () => { drag = null; };
  stage.addEventListener('pointerup', endDrag);
  stage.addEventListener('pointerleave', endDrag);
  stage.addEventListener('wheel', (event) => {
    const zoomsIn = event.deltaY < 0;
    // A plain wheel scrolls a zoomed photo; over a fitted photo, or with Ctrl held, it zooms.
    if (zoomStep > 0 && !event.ctrlKey) return;
    if (zoomStep === 0 && !zoomsIn) return;
    event.preventDefault();
    zoomTo(zoomStep + (zoomsIn ? 1 : -1));
  }, { passive: false });

  dialog.addEventListener('keydown', (event) => {
    const keys = {
      ArrowLeft: () => show(index - 1), ArrowRight: () => show(index + 1),
      '+': () => zoomTo(zoomStep + 1), '=': () => zoomTo(zoomStep + 1), '-': () => zoomTo(zoomStep - 1),
      0: () => zoomTo(0),
    };
    const action = keys[event.key];
    if (!action || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    event.stopPropagation();
    action();
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  show(start);
  next.focus();
  return { close: () => dialog.close(), element: dialog };
}
