// The phone app's line icons, drawn inline as SVG paths (no icon font, no extra request, nothing for the CSP).

const SVG = 'http://www.w3.org/2000/svg';
const ICONS = {
  back: 'M15.5 4.5 8 12l7.5 7.5',
  menu: 'M4 7h16M4 12h16M4 17h16',
  camera: 'M4 8h3l2-3h6l2 3h3v11H4zM12 16.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z',
  sync: 'M19 8a7.5 7.5 0 0 0-13.5 1M5 16a7.5 7.5 0 0 0 13.5-1M19 3.5V8h-4.5M5 20.5V16h4.5',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  pin: 'M12 21s-6.5-6.2-6.5-11a6.5 6.5 0 0 1 13 0c0 4.8-6.5 11-6.5 11z'
    + 'M12 12.2a2.2 2.2 0 1 0 0-4.4 2.2 2.2 0 0 0 0 4.4z',
  trash: 'M5 7h14M10 7V4.5h4V7M7 7l1 13h8l1-13',
  help: 'M9.2 9a2.9 2.9 0 1 1 4 2.7c-.8.4-1.2 1-1.2 1.8v.8M12 17.2v.3',
  note: 'M5 4h10l4 4v12H5zM8.5 12h7M8.5 16h5',
};

/** A decorative line icon (aria-hidden: the control it sits in carries the accessible name). */
export function icon(name) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}
