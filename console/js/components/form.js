// A form built from field descriptions, that shows the server's complaints next to the fields they name.
//   field: {name, label, type = 'text', required, value, hint, options: [{value, label}], min, max, step,
//           accept, autocomplete, placeholder}
//   types: text, password, number, date, datetime-local, textarea, select, checkbox, checkboxes (several values), file
// A problem's `field` ("name", "region_ids[0]", "integrity_settings.max_accuracy_m") is matched to a field by its
// name, then by shorter and shorter prefixes, then through `aliases` ({"period.end": "period_end"}). Problems that
// match no field are listed in the alert above the buttons, so nothing the server said is ever hidden.

import { h, uniqueId } from '../dom.js';
import { t } from '../i18n.js';
import { errorAlert } from './alert.js';

function control(field, id, describedBy) {
  const common = { id, name: field.name, required: field.required, 'aria-describedby': describedBy,
    autocomplete: field.autocomplete, placeholder: field.placeholder };
  switch (field.type) {
    case 'textarea':
      return h('textarea', { ...common, rows: String(field.rows || 4) }, field.value ?? '');
    case 'select':
      return h('select', common, (field.options || []).map((option) => h('option', {
        value: String(option.value), selected: String(option.value) === String(field.value ?? ''),
      }, option.label)));
    case 'checkbox':
      return h('input', { ...common, type: 'checkbox', checked: Boolean(field.value) });
    case 'checkboxes':
      return h('div', { id, class: 'checkbox-group', role: 'group', 'aria-describedby': describedBy },
        (field.options || []).length
          ? field.options.map((option) => h('label', { class: 'checkbox-option' },
            h('input', { type: 'checkbox', name: field.name, value: String(option.value),
              checked: (field.value || []).map(String).includes(String(option.value)) }), ' ', option.label))
          : h('span', { class: 'muted' }, field.emptyText || t('form.none')));
    case 'file':
      return h('input', { ...common, type: 'file', accept: field.accept });
    default:
      return h('input', { ...common, type: field.type || 'text', value: field.value ?? '', min: field.min,
        max: field.max, step: field.step, inputmode: field.inputmode });
  }
}

function readControl(field, element) {
  switch (field.type) {
    case 'checkbox':
      return element.checked;
    case 'checkboxes':
      return [...element.querySelectorAll('input:checked')].map((input) => input.value);
    case 'file':
      return element.files?.[0] ?? null;
    case 'number': {
      const raw = element.value.trim();
      return raw === '' ? null : Number(raw);
    }
    default:
      return element.value;
  }
}

function isEmpty(value) {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '')
    || (Array.isArray(value) && value.length === 0);
}

/** Where a problem's field path lands among `names`: exact, then shorter prefixes ("a.b[2].c" → "a.b" → "a"). */
export function matchField(path, names, aliases = {}) {
  if (!path) return null;
  const candidates = [path];
  let rest = path;
  while (/[.[]/.test(rest)) {
    rest = rest.replace(/(\[\d+\]|\.[^.[]*)$/, '');
    candidates.push(rest);
  }
  for (const candidate of candidates) {
    if (aliases[candidate] && names.includes(aliases[candidate])) return aliases[candidate];
    if (names.includes(candidate)) return candidate;
  }
  return null;
}

export function createForm({ fields, submitLabel, onSubmit, onSuccess, aliases = {}, extra = null, cancel = null,
  className = '' }) {
  const rows = new Map();
  const alertHost = h('div', { class: 'form-alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, submitLabel || t('form.save'));
  const element = h('form', { class: `form ${className}`.trim(), novalidate: true, on: { submit: handleSubmit } });

  for (const field of fields) {
    const id = uniqueId(`f-${field.name}`);
    const errorId = `${id}-error`;
    const hintId = field.hint ? `${id}-hint` : null;
    const input = control(field, id, [hintId, errorId].filter(Boolean).join(' '));
    const error = h('p', { class: 'field-error', id: errorId, hidden: true });
    const label = field.type === 'checkbox'
      ? h('label', { class: 'checkbox-label', for: id }, input, ' ', field.label)
      : h(field.type === 'checkboxes' ? 'span' : 'label',
        { class: 'field-label', for: field.type === 'checkboxes' ? null : id },
        field.label, field.required ? h('span', { class: 'required-mark', 'aria-hidden': 'true' }, ' *') : null);
    const row = h('div', { class: ['field', `field-${field.type || 'text'}`, field.wide ? 'field-wide' : null],
      dataset: { field: field.name } },
    label, field.type === 'checkbox' ? null : input,
    hintId ? h('p', { class: 'field-hint', id: hintId }, field.hint) : null, error);
    rows.set(field.name, { field, input, error, row });
    element.append(row);
  }
  if (extra) element.append(extra);
  element.append(alertHost, h('div', { class: 'form-actions' }, submit, cancel));

  function values() {
    return Object.fromEntries([...rows].map(([name, { field, input }]) => [name, readControl(field, input)]));
  }

  function clearErrors() {
    alertHost.replaceChildren();
    for (const { input, error, row } of rows.values()) {
      error.hidden = true;
      error.textContent = '';
      row.classList.remove('has-error');
      input.removeAttribute('aria-invalid');
    }
  }

  function showError(apiError) {
    clearErrors();
    const names = [...rows.keys()];
    const problems = [...(apiError.errors || [])];
    if (apiError.field && !problems.some((p) => p.field === apiError.field)) {
      problems.unshift({ field: apiError.field, message: apiError.detail });
    }
    const placed = [];
    let first = null;
    for (const problem of problems) {
      const name = matchField(problem.field, names, aliases);
      if (!name) continue;
      const { input, error, row } = rows.get(name);
      error.textContent = error.textContent ? `${error.textContent} ${problem.message}` : problem.message;
      error.hidden = false;
      row.classList.add('has-error');
      input.setAttribute('aria-invalid', 'true');
      placed.push(problem);
      first ??= input;
    }
    const allPlaced = placed.length > 0 && placed.length === problems.length;
    alertHost.replaceChildren(
      errorAlert(apiError, { omitErrors: placed, detail: allPlaced ? t('form.fix_marked') : null }));
    (first || alertHost).focus?.();
  }

  /** Required fields left empty, caught before the server is asked (its wording is for developers). */
  function missingRequired(current) {
    return [...rows].filter(([name, { field }]) => field.required && isEmpty(current[name]))
      .map(([name]) => ({ field: name, message: t('form.required') }));
  }

  async function handleSubmit(event) {
    event.preventDefault();
    clearErrors();
    const current = values();
    const missing = missingRequired(current);
    if (missing.length) {
      showError({ code: 'form.required', errors: missing, detail: null });
      return;
    }
    submit.disabled = true;
    try {
      const result = await onSubmit(current);
      if (onSuccess) await onSuccess(result);
    } catch (error) {
      showError(error);
    } finally {
      submit.disabled = false;
    }
  }

  return {
    element,
    values,
    showError,
    clearErrors,
    input: (name) => rows.get(name)?.input,
    row: (name) => rows.get(name)?.row,
    submitButton: submit,
  };
}
