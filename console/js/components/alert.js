// One way to tell the user something went wrong (or right): a box with a translated heading chosen by the
// problem's `code`, the server's own detail, and every listed problem (field or CSV row, then the message).

import { h } from '../dom.js';
import { hasString, t } from '../i18n.js';

/** The heading for an ApiError: "error.<code>" from the catalogue, else the HTTP status family. */
export function errorHeading(error) {
  if (error?.code && hasString(`error.${error.code}`)) return t(`error.${error.code}`);
  if (error?.status >= 500) return t('error.server');
  if (error?.status === 403) return t('error.auth.forbidden');
  if (error?.status === 404) return t('error.not_found');
  if (error?.status === 409) return t('error.conflict');
  if (error?.status === 422) return t('error.request.invalid');
  return t('error.generic');
}

function problemLine(problem) {
  // CSV problems name a row and a column; XLSForm problems a sheet and a row (their `field` repeats those two).
  const where = [];
  if (problem.sheet) where.push(t('alert.sheet', { sheet: problem.sheet }));
  if (problem.row !== undefined && problem.row !== null) where.push(t('alert.row', { row: problem.row }));
  if (problem.field && !problem.sheet) where.push(problem.field);
  const message = problem.message || problem.detail || '';
  return h('li', {}, where.length ? h('span', { class: 'alert-where' }, `${where.join(' · ')}: `) : null, message);
}

/** An error box for an ApiError (or any Error). `errors` already shown next to form fields can be left out. */
export function errorAlert(error, { omitErrors = [], detail: detailOverride = null } = {}) {
  const listed = (error?.errors || []).filter((problem) => !omitErrors.includes(problem));
  const detail = detailOverride
    || (error?.code === 'network' ? t('error.network.detail') : (error?.detail || error?.message || ''));
  return h('div', { class: 'alert alert-error', role: 'alert', dataset: { code: error?.code || 'error' } },
    h('p', { class: 'alert-title' }, errorHeading(error)),
    detail ? h('p', { class: 'alert-detail' }, detail) : null,
    listed.length ? h('ul', { class: 'alert-list' }, listed.map(problemLine)) : null);
}

export function noticeAlert(message, kind = 'info') {
  return h('div', { class: `alert alert-${kind}`, role: kind === 'warning' ? 'alert' : 'status' },
    h('p', { class: 'alert-detail' }, message));
}

/** A slot that shows at most one alert at a time. */
export function alertSlot() {
  const element = h('div', { class: 'alert-slot' });
  return {
    element,
    showError(error, options) {
      element.replaceChildren(errorAlert(error, options));
      element.scrollIntoView?.({ block: 'nearest' });
    },
    showNotice(message, kind) {
      element.replaceChildren(noticeAlert(message, kind));
    },
    clear() {
      element.replaceChildren();
    },
  };
}

/** A short-lived success message in the corner of the screen. */
export function toast(message) {
  const host = document.getElementById('toasts');
  if (!host) return;
  const item = h('div', { class: 'toast' }, message);
  host.append(item);
  setTimeout(() => item.remove(), 5000);
}
