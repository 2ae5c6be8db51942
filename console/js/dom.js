// Building DOM without HTML strings: the Content-Security-Policy forbids inline handlers and style attributes, and
// text set through textContent can never become markup, whatever a unit or user name contains.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'multiple', 'required', 'open']);

/**
 * h('button', {class: 'primary', on: {click: fn}, dataset: {id}}, 'Save') → <button class="primary">Save</button>.
 * Children may be strings, numbers, nodes, arrays of those, or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
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
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

/** Replace everything inside `element` with `children`. */
export function mount(element, ...children) {
  clear(element);
  return append(element, children);
}

let idCounter = 0;

/** A document-unique id for label/for and aria-describedby pairs. */
export function uniqueId(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
