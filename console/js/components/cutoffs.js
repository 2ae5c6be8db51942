// A scoring profile's cut-offs in a wave's form, each minimum editable: the published cut-offs (the 2022 Ombudsman
// ones come from the press, not a regulation) may need correcting for one wave, which then stores the edited copy.
// The last cut-off stays at 0 so that every score is classified; the server checks the rest and names the cut-off
// it refuses ("profile.cutoffs[1].min"), which is marked here.

import { h } from '../dom.js';
import { t, tx } from '../i18n.js';

const CUTOFF_FIELD = /^profile\.cutoffs\[(\d+)\]/;

/** The highest value a profile's cut-offs compare against: the IPP index runs 0–5, totals 0–100. */
export function scaleMax(profile) {
  return profile.scale_max ?? (profile.kind === 'ipp' ? '5' : '100');
}

/**
 * `profile` with the minimums typed in `mins` (text, as the inputs hold it), ready to send as a wave's `profile`;
 * null when every minimum is the one the profile already has. Minimums travel as the typed text, so 81.5 stays
 * exactly 81.5, and a blank or malformed one is left for the server to refuse by name.
 */
export function editedProfile(profile, mins) {
  const cutoffs = profile.cutoffs.map((cutoff, i) => ({
    min: String(mins[i] ?? '').trim(), zone: cutoff.zone ?? null, grade: cutoff.grade ?? null, label: cutoff.label,
  }));
  const isUnchanged = cutoffs.every((cutoff, i) => cutoff.min !== ''
    && Number(cutoff.min) === Number(profile.cutoffs[i].min));
  return isUnchanged ? null : { key: profile.key, kind: profile.kind, cutoffs };
}

/** A fieldset showing one profile at a time: show(profile), edited() → profile or null, showError(apiError). */
export function cutoffEditor() {
  let profile = null;
  let rows = [];
  const body = h('tbody');
  const element = h('fieldset', { class: 'fieldset cutoff-editor field-wide' },
    h('legend', {}, t('wave.cutoffs')),
    h('p', { class: 'muted small' }, t('cutoffs.hint')),
    h('table', { class: 'compact-table cutoff-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('wave.cutoff_min')),
        h('th', { scope: 'col' }, t('wave.cutoff_label')), h('th', { scope: 'col' }, t('wave.cutoff_zone')))),
      body));

  function row(cutoff, i, last) {
    const label = [cutoff.grade ? `${cutoff.grade} ` : '', tx(cutoff.label)].join('');
    const input = h('input', {
      type: 'number', name: `cutoff_min_${i}`, value: cutoff.min, min: '0', max: scaleMax(profile), step: 'any',
      inputmode: 'decimal', disabled: i === last, 'aria-label': t('cutoffs.min_for', { label }),
    });
    const error = h('p', { class: 'field-error', hidden: true });
    const tr = h('tr', { dataset: { cutoff: String(i) } },
      h('td', { class: 'cutoff-min' }, h('span', { class: 'cutoff-sign', 'aria-hidden': 'true' }, '≥ '), input, error),
      h('td', {}, cutoff.grade ? h('strong', {}, `${cutoff.grade} `) : null, tx(cutoff.label)),
      h('td', {}, cutoff.zone ? h('span', { class: `zone zone-${cutoff.zone}` }, t(`zone.${cutoff.zone}`)) : '–'));
    return { tr, input, error };
  }

  function clearErrors() {
    for (const { tr, input, error } of rows) {
      tr.classList.remove('has-error');
      input.removeAttribute('aria-invalid');
      error.hidden = true;
      error.textContent = '';
    }
  }

  return {
    element,
    show(next) {
      profile = next || null;
      rows = profile ? profile.cutoffs.map((cutoff, i) => row(cutoff, i, profile.cutoffs.length - 1)) : [];
      body.replaceChildren(...rows.map((r) => r.tr));
    },
    edited: () => (profile ? editedProfile(profile, rows.map((r) => r.input.value)) : null),
    clearErrors,
    showError(apiError) {
      clearErrors();
      const problems = [...(apiError?.errors || [])];
      if (apiError?.field) problems.unshift({ field: apiError.field, message: apiError.detail });
      for (const problem of problems) {
        const found = CUTOFF_FIELD.exec(problem.field || '');
        const target = found && rows[Number(found[1])];
        if (!target) continue;
        target.tr.classList.add('has-error');
        target.input.setAttribute('aria-invalid', 'true');
        target.error.textContent = problem.message || '';
        target.error.hidden = !problem.message;
      }
    },
  };
}
