// A modal dialog on the native <dialog> element: focus is trapped and Escape closes it, with no library.

import { h } from '../dom.js';
import { t } from '../i18n.js';

/** Open a dialog holding `content`; returns {element, close}. The dialog removes itself when closed. */
export function openDialog({ title, content, wide = false, onClose }) {
  const closeButton = h('button', { type: 'button', class: 'dialog-close', 'aria-label': t('dialog.close') }, '×');
  const heading = h('h2', { class: 'dialog-title' }, title);
  const dialog = h('dialog', { class: ['dialog', wide ? 'dialog-wide' : null], 'aria-label': title },
    h('div', { class: 'dialog-head' }, heading, closeButton),
    h('div', { class: 'dialog-body' }, content));
  const close = () => dialog.close();
  closeButton.addEventListener('click', close);
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose?.();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { element: dialog, close };
}

/** A cancel button that closes the dialog it is in. */
export function cancelButton(label = t('form.cancel')) {
  const close = (event) => event.target.closest('dialog')?.close();
  return h('button', { type: 'button', class: 'secondary', on: { click: close } }, label);
}
