// Units per zone per agency as horizontal stacked bars, drawn with plain elements: each bar's length is the agency's
// number of units against the largest agency, each segment a zone (or grade) with its count. Widths are set through
// the CSSOM, which the style-src 'self' policy allows; there is no chart library.

import { h } from '../dom.js';
import { t } from '../i18n.js';

/**
 * rows: [{id, label, href?, counts: {category: n}}]; categories: [{key, label, className}].
 * Returns an element with a legend and one bar per row.
 */
export function zoneChart({ rows, categories, caption }) {
  const totals = rows.map((row) => categories.reduce((sum, c) => sum + (row.counts[c.key] || 0), 0));
  const largest = Math.max(1, ...totals);
  const legend = h('ul', { class: 'chart-legend' }, categories.map((category) => h('li', {},
    h('span', { class: ['chart-swatch', category.className] }), category.label)));
  const bars = rows.map((row, i) => {
    const track = h('div', { class: 'chart-track' });
    const bar = h('div', { class: 'chart-bar' });
    bar.style.width = `${(totals[i] / largest) * 100}%`;
    for (const category of categories) {
      const count = row.counts[category.key] || 0;
      if (!count) continue;
      const segment = h('span', {
        class: ['chart-segment', category.className], title: `${category.label}: ${count}`,
        dataset: { category: category.key, count: String(count) },
      }, h('span', { class: 'chart-count' }, String(count)));
      segment.style.width = `${(count / totals[i]) * 100}%`;
      bar.append(segment);
    }
    track.append(bar);
    const name = row.href ? h('a', { href: row.href }, row.label) : row.label;
    return h('div', { class: 'chart-row', dataset: { id: row.id } },
      h('div', { class: 'chart-label', title: row.label }, name),
      track,
      h('div', { class: 'chart-total numeric' }, t('chart.units', { n: totals[i] })));
  });
  return h('figure', { class: 'zone-chart' },
    caption ? h('figcaption', { class: 'chart-caption' }, caption) : null,
    legend,
    rows.length ? h('div', { class: 'chart-rows' }, bars) : h('p', { class: 'muted' }, t('table.empty')));
}
