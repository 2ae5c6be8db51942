// Why a visit cannot finish yet, said so that it helps: what is missing, by dimension, the first few indicators of
// each with a way to see the rest, each a tap away from its input. Also the question before finishing without GPS.

import { h, replaceChildren } from '../../shared/dom.js';
import { t, tx } from '../i18n.js';
import { missingByDimension } from '../visit.js';

const SHOWN_PER_DIMENSION = 3;

export class MissingPanel {
  /** `jumpTo(indicatorId)` brings an indicator's input to the surveyor. */
  constructor(instrument, jumpTo) {
    this.instrument = instrument;
    this.jumpTo = jumpTo;
    this.expanded = new Set(); // dimensions whose whole list the surveyor asked to see
    this.heading = h('h2', { id: 'missing-title', tabindex: '-1' });
    this.element = h('section', {
      class: 'card missing', id: 'missing-list', 'data-testid': 'missing-list', 'aria-labelledby': 'missing-title',
      hidden: true,
    });
  }

  get isShown() {
    return !this.element.hidden;
  }

  /** Lists `missing` (visit.js's missingItems), or hides the panel when nothing is missing any more. */
  show(missing) {
    const groups = missingByDimension(missing, this.instrument);
    if (!groups.length) {
      this.hide();
      return;
    }
    const count = groups.reduce((sum, group) => sum + group.indicators.length, 0);
    this.heading.textContent = t('finish.missing_title', { n: count });
    replaceChildren(this.element, this.heading, h('p', { class: 'meta' }, t('finish.missing_hint')),
      groups.map((group) => this.group(group)));
    this.element.hidden = false;
  }

  /** Asks before finishing a visit that has no position; `onConfirm` finishes it anyway. */
  askAboutGps(onConfirm) {
    this.heading.textContent = t('finish.no_gps_title');
    replaceChildren(this.element, this.heading, h('p', {}, t('finish.no_gps_body')),
      h('button', {
        type: 'button', class: 'btn btn-secondary btn-block', 'data-testid': 'finish-anyway', on: { click: onConfirm },
      }, t('finish.no_gps_confirm')));
    this.element.hidden = false;
  }

  hide() {
    this.element.hidden = true;
  }

  /** Brings the panel's heading to the surveyor, below the screen's sticky bars, and moves focus to it. */
  reveal() {
    this.element.scrollIntoView({ block: 'start' });
    this.heading.focus({ preventScroll: true });
  }

  group({ dimension, indicators }) {
    const isExpanded = this.expanded.has(dimension.id) || indicators.length <= SHOWN_PER_DIMENSION;
    const shown = isExpanded ? indicators : indicators.slice(0, SHOWN_PER_DIMENSION);
    const more = indicators.length - shown.length;
    return h('section', { class: 'missing-group', 'data-testid': `missing-group-${dimension.id}` },
      h('h3', {}, t('finish.missing_group', { dimension: `${dimension.id}. ${tx(dimension.title)}`,
        n: indicators.length })),
      h('ul', {}, shown.map((item) => this.item(item))),
      more ? h('button', {
        type: 'button', class: 'btn btn-quiet btn-small', 'data-testid': `missing-more-${dimension.id}`,
        on: {
          click: (event) => {
            this.expanded.add(dimension.id);
            const whole = this.group({ dimension, indicators });
            event.currentTarget.closest('.missing-group').replaceWith(whole);
            whole.querySelectorAll('.missing-item')[SHOWN_PER_DIMENSION].focus(); // the first one newly shown
          },
        },
      }, t('finish.missing_more', { n: more })) : null);
  }

  item({ indicator, kinds }) {
    return h('li', {},
      h('button', {
        type: 'button', class: 'link-btn missing-item', 'data-testid': `missing-${indicator.id}`,
        on: { click: () => this.jumpTo(indicator.id) },
      },
      h('span', { class: 'missing-indicator' }, `${indicator.id} ${tx(indicator.text)}`),
      h('span', { class: 'missing-kinds' }, `${t('finish.missing_lacks')} `, kinds.map((kind, index) => [
        index ? ', ' : '', h('span', { 'data-testid': `missing-${indicator.id}-${kind}` }, t(`finish.missing_${kind}`)),
      ]))));
  }
}
