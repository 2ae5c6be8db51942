// A score's course over the waves as a small SVG line chart: one point per wave in period order, external waves as
// filled dots on a solid line, internal waves as hollow dots on a dashed line, the profile's zones as bands behind
// them, and each wave's name under its point. Drawn with SVG elements and CSS classes only (no style attributes:
// CSP), and no chart library.

import { t } from '../i18n.js';
import { formatScore } from './zones.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 244;
// Wide side margins, so that the first and the last wave's names fit centred under their points.
const PAD = { left: 72, right: 72, top: 16, bottom: 48 };
const LABEL_LINE_HEIGHT = 13;
// Average width of a character of the 11px axis text, to wrap and shorten names without measuring them.
const LABEL_CHAR_WIDTH = 6.2;
// The zone cut-offs of the published profiles (server/domain/results/profiles.py) on the 0–100 scale; a wave with
// edited cut-offs is still drawn against these, which is why the chart's bands are a background, not a verdict.
const ZONE_BANDS = {
  'ombudsman-2021': [{ zone: 'green', min: 81 }, { zone: 'yellow', min: 51 }, { zone: 'red', min: 0 }],
  'ombudsman-2022': [{ zone: 'green', min: 78 }, { zone: 'yellow', min: 57 }, { zone: 'red', min: 0 }],
};

function svg(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child) element.append(child);
  }
  return element;
}

/** Bands [{zone, from, to}] on 0–100 for a profile, or [] when it has no zones (IPP). */
export function zoneBands(profileKey) {
  const cutoffs = ZONE_BANDS[profileKey] || [];
  return cutoffs.map((cutoff, i) => ({ zone: cutoff.zone, from: cutoff.min, to: i === 0 ? 100 : cutoffs[i - 1].min }));
}

/** A wave's name on at most two lines of at most `maxChars` characters each; what does not fit ends in "…". */
export function labelLines(name, maxChars) {
  const lines = [];
  for (const word of String(name).split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1);
    if (last !== undefined && `${last} ${word}`.length <= maxChars) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  const shown = lines.length > 2 ? [lines[0], lines.slice(1).join(' ')] : lines;
  return shown.map((line) => (line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line));
}

function waveLabel(name, cx, maxChars) {
  const label = svg('text', { class: 'trend-axis trend-wave-label', x: cx, y: HEIGHT - PAD.bottom + 18,
    'text-anchor': 'middle', 'data-name': name }, svg('title', {}, document.createTextNode(name)));
  labelLines(name, maxChars).forEach((line, i) => {
    label.append(svg('tspan', { x: cx, dy: i ? LABEL_LINE_HEIGHT : 0 }, document.createTextNode(line)));
  });
  return label;
}

/** points: the trend API's points (wave.kind, wave.name, score). Returns an <svg> with a <title>. */
export function trendChart(points, { profileKey, title }) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (i) => PAD.left + (points.length === 1 ? plotWidth / 2 : (i * plotWidth) / (points.length - 1));
  const y = (score) => PAD.top + plotHeight - (Math.max(0, Math.min(100, score)) / 100) * plotHeight;
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'trend-chart', role: 'img',
    'aria-label': title }, svg('title', {}, document.createTextNode(title)));
  for (const band of zoneBands(profileKey)) {
    chart.append(svg('rect', { class: `trend-band band-${band.zone}`, x: PAD.left, width: plotWidth,
      y: y(band.to), height: y(band.from) - y(band.to) }));
  }
  for (const tick of [0, 25, 50, 75, 100]) {
    chart.append(svg('line', { class: 'trend-grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick) }),
      svg('text', { class: 'trend-axis', x: PAD.left - 6, y: y(tick) + 4, 'text-anchor': 'end' },
        document.createTextNode(String(tick))));
  }
  const placed = points.map((point, i) => ({ point, cx: x(i), cy: y(Number(point.score)) }));
  // Each name gets the room between its neighbours' points, and no more than the margins give the first and the last.
  const slotWidth = Math.min(points.length > 1 ? plotWidth / (points.length - 1) : plotWidth, 2 * PAD.left);
  const maxChars = Math.max(6, Math.floor((slotWidth - 8) / LABEL_CHAR_WIDTH));
  for (const kind of ['external', 'internal']) {
    const ofKind = placed.filter(({ point }) => point.wave.kind === kind);
    if (ofKind.length > 1) {
      chart.append(svg('polyline', { class: `trend-line line-${kind}`,
        points: ofKind.map(({ cx, cy }) => `${cx},${cy}`).join(' ') }));
    }
  }
  placed.forEach(({ point, cx, cy }) => {
    const label = `${point.wave.name}: ${formatScore(point.score)} (${t(`wave.kind.${point.wave.kind}`)})`;
    chart.append(
      svg('circle', { class: `trend-point point-${point.wave.kind}`, cx, cy, r: 5, 'data-wave': point.wave.id,
        'data-score': point.score, 'data-kind': point.wave.kind }, svg('title', {}, document.createTextNode(label))),
      svg('text', { class: 'trend-value', x: cx, y: cy - 9, 'text-anchor': 'middle' },
        document.createTextNode(formatScore(point.score))),
      waveLabel(point.wave.name, cx, maxChars));
  });
  return chart;
}
