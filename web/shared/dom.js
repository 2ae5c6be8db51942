// Building DOM without HTML strings, for the phone app and the console alike: no innerHTML anywhere, so text from the
// server (a unit's or a user's name) can never become markup, and nothing the Content-Security-Policy forbids (inline
// handlers, style attributes) is ever written.

/** Names set as live properties rather than attributes: what the user changes (value, checked) and a few flags. */
const PROPERTIES = new Set([
  'value', 'checked', 'disabled', 'selected', 'hidden', 'multiple', 'required', 'open', 'readOnly',
]);

/**
 * h('button', {class: ['btn', isBig && 'big'], on: {click}, dataset: {id}, 'data-testid': 'x'}, 'Save', child…).
 * Attributes are set as attributes except the live properties above; `dataset` fills data-* from an object.
 * Children may be strings, numbers, nodes or arrays of those; null, undefined and false (children and attribute
 * values alike) are skipped. A `style` attribute is refused: the CSP would drop it, so use a CSS class.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') {
      for (const [event, listener] of Object.entries(value)) element.addEventListener(event, listener);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name === 'class') {
      element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    } else if (name === 'style') {
      throw new Error('dom.h: use a CSS class, not a style attribute (CSP)');
    } else if (PROPERTIES.has(name)) {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  return append(element, children);
}

/** Appends `children` (as h takes them) to `parent`; returns `parent`. */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** Replaces everything inside `element` with `children`; returns `element`. */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

let idCounter = 0;

/** A document-unique id for label/for and aria-describedby pairs. */
export function uniqueId(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
