// Pages of the review console and the results (issue 5) that are not built yet: say so plainly.

import { noticeAlert } from '../components/alert.js';
import { mount } from '../dom.js';
import { t } from '../i18n.js';
import { pageHeader } from './common.js';

export function render(main, { page }) {
  mount(main, pageHeader(t(`page.${page}`)), noticeAlert(t('page.coming_later')));
}
