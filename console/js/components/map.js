// A map of points with their geofence circles, on vendored Leaflet (loaded on first use). The tiles come from the
// server's setting (api.getMapSettings); when no tile loads — offline, blocked, a closed network — the points and
// circles are still drawn on a blank background and a note says why the background is empty.
//   point: {lat, lon, radius_m, label, tone: 'unit' | 'position' | 'photo' | 'warning', id,
//           color (a CSS colour that overrides the tone, e.g. a zone's), kind (adds class map-point-<kind>),
//           size (marker radius in px, default 5)}

import { getMapSettings } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

const LEAFLET_DIR = '/console/vendor/leaflet-1.9.4';
const INDONESIA_CENTRE = [-2.5, 118];
const TONES = {
  unit: { color: '#1d5fa7', fill: '#1d5fa7' },
  position: { color: '#0b7a4b', fill: '#0b7a4b' },
  photo: { color: '#8a4baf', fill: '#8a4baf' },
  warning: { color: '#b3261e', fill: '#b3261e' },
};

let leafletLoading = null;

function loadLeaflet() {
  if (globalThis.L) return Promise.resolve(globalThis.L);
  leafletLoading ??= new Promise((resolve, reject) => {
    document.head.append(h('link', { rel: 'stylesheet', href: `${LEAFLET_DIR}/leaflet.css` }));
    const script = h('script', { src: `${LEAFLET_DIR}/leaflet.js` });
    script.addEventListener('load', () => resolve(globalThis.L));
    script.addEventListener('error', () => reject(new Error('leaflet')));
    document.head.append(script);
  });
  return leafletLoading;
}

/** Create a map inside `container` (which should have a height from CSS). */
export async function createMap(container, { points = [], onSelect } = {}) {
  const surface = h('div', { class: 'map-surface' });
  const note = h('p', { class: 'map-note', hidden: true }, t('map.no_tiles'));
  container.classList.add('map');
  container.replaceChildren(surface, note);
  let L;
  try {
    L = await loadLeaflet();
  } catch {
    note.textContent = t('map.unavailable');
    note.hidden = false;
    return { setPoints() {}, refresh() {}, destroy() {} };
  }
  const settings = await getMapSettings();
  // A view first: Leaflet adds layers to a map only once it has one.
  const map = L.map(surface, { zoomControl: true, attributionControl: true, preferCanvas: false })
    .setView(INDONESIA_CENTRE, 5);
  let tilesLoaded = 0;
  let tileErrors = 0;
  L.tileLayer(settings.tile_url, {
    maxZoom: 19,
    attribution: settings.attribution || '© OpenStreetMap',
    crossOrigin: false,
  }).on('tileload', () => { tilesLoaded += 1; note.hidden = true; })
    .on('tileerror', () => { tileErrors += 1; note.hidden = tilesLoaded > 0; })
    .addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  const layer = L.featureGroup().addTo(map);

  function setPoints(next) {
    layer.clearLayers();
    const placed = next.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
    for (const point of placed) {
      const tone = point.color ? { color: point.color, fill: point.color } : (TONES[point.tone] || TONES.unit);
      if (point.radius_m) {
        L.circle([point.lat, point.lon], {
          radius: point.radius_m, color: tone.color, weight: 1.5, fillColor: tone.fill, fillOpacity: 0.12,
          className: 'map-geofence',
        }).addTo(layer);
      }
      const marker = L.circleMarker([point.lat, point.lon], {
        radius: point.size || 5, color: '#ffffff', weight: 1.5, fillColor: tone.fill, fillOpacity: 1,
        className: point.kind ? `map-point map-point-${point.kind}` : 'map-point',
      }).addTo(layer);
      // A DOM node, not a string: Leaflet would otherwise put the label in as HTML.
      if (point.label) marker.bindTooltip(h('span', {}, point.label), { direction: 'top', offset: [0, -4] });
      if (onSelect) marker.on('click', () => onSelect(point));
    }
    fit(placed);
  }

  function fit(placed) {
    map.invalidateSize();
    if (!placed.length) {
      map.setView(INDONESIA_CENTRE, 5);
      return;
    }
    // Bounds from the points and radii themselves, so fitting needs no drawn layer.
    const bounds = L.latLngBounds([]);
    for (const point of placed) bounds.extend(L.latLng(point.lat, point.lon).toBounds(2 * (point.radius_m || 50)));
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
  }

  setPoints(points);
  return {
    map,
    setPoints,
    refresh: () => map.invalidateSize(),
    destroy: () => map.remove(),
    get tileErrors() { return tileErrors; },
  };
}
