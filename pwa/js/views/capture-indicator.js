// One indicator on the capture screen: its question, guidance and reviewer's comment, the input its type asks for,
// its photos and its note. The card draws what the page holds and reports what the surveyor does; the page changes
// the visit (visit.js) and calls update().

import { h, replaceChildren } from '../../shared/dom.js';
import { hasString, t, tx } from '../i18n.js';
import { icon } from '../icons.js';
import { hasValue, isIndicatorComplete, isRelevant, parseValue } from '../visit.js';

const TEXT_SAVE_DELAY_MS = 400;
const NOT_APPLICABLE = '__na__';
const CHOICE_TYPES = ['yes_no', 'scale_0_3', 'choice'];

/**
 * `page` is what the card reads and tells: `visit`, `photos`, `isEditable`, `comments` (indicator id → text),
 * `setAnswer(indicator, change, delay_ms)`, `takePhoto(indicator, file, status)`, `deletePhoto(indicator, photo)`
 * and `thumbUrl(photo)` (an object URL the page revokes when it goes).
 */
/** The yes and the no as the form words them ("Ada" / "Tidak ada": choices scored 1 and 0), else the app's own. */
function yesNoLabels(indicator) {
  const yes = indicator.choices?.find((choice) => choice.score === 1);
  const no = indicator.choices?.find((choice) => choice.score === 0);
  return yes && no ? [tx(yes.label), tx(no.label)] : [t('answer.yes'), t('answer.no')];
}

/** What the form's own photo question says ("Foto papan dari depan — seluruh papan terlihat"), or null. */
function photoInstructions(indicator) {
  const kept = indicator.xlsform || {};
  const text = (key) => (kept[key] ? tx({ id: kept[key], en: kept[`${key}::en`] }) : null);
  const parts = [text('image:label'), text('image:hint')].filter(Boolean);
  return parts.length ? parts.join(' — ') : null;
}

export class IndicatorCard {
  constructor(indicator, page) {
    this.indicator = indicator;
    this.page = page;
    this.titleId = `title-${indicator.id}`;
    this.status = h('span', { class: 'indicator-status' });
    this.photos = indicator.photo && indicator.photo !== 'none' ? this.photoBlock() : null;
    const comment = page.comments.get(indicator.id);
    this.element = h('article', {
      class: ['indicator', comment && 'has-comment'], id: `indicator-${indicator.id}`,
      'data-testid': `indicator-${indicator.id}`, 'data-type': indicator.type,
    },
    this.head(),
    comment ? h('p', { class: 'review-comment', 'data-testid': `review-comment-${indicator.id}` },
      h('strong', {}, t('review.comment_label')), ' ', comment) : null,
    CHOICE_TYPES.includes(indicator.type) ? this.choiceControl() : this.inputControl(),
    this.photos ? this.photos.element : null,
    this.noteControl());
    this.update();
  }

  /** The indicator whose answer decides whether this one is asked, or null. */
  get dependsOn() {
    return this.indicator.relevant ? this.indicator.relevant.indicator : null;
  }

  get answer() {
    return this.page.visit.answers[this.indicator.id] || {};
  }

  /** Draws what may have changed: relevance, completeness, the photos. */
  update() {
    const { indicator, page } = this;
    this.element.hidden = !isRelevant(indicator, page.visit.answers);
    const isComplete = isIndicatorComplete(indicator, page.visit, page.photos);
    this.element.dataset.complete = String(isComplete);
    this.status.textContent = isComplete ? t('capture.indicator_done') : t('capture.indicator_todo');
    this.status.dataset.complete = String(isComplete);
    if (this.photos) this.photos.update();
  }

  /** Brings the card to the surveyor with its first input focused. */
  focus() {
    this.element.scrollIntoView({ block: 'start' });
    const target = this.element.querySelector('input:not([type=file]), textarea')
      || this.element.querySelector('button');
    if (target) target.focus({ preventScroll: true });
  }

  head() {
    const { indicator } = this;
    const guidanceId = `guidance-${indicator.id}`;
    // The form's notes just above the indicator lead its guidance, as the form's author placed them.
    const texts = [...(indicator.notes || []).map((note) => tx(note.text)), tx(indicator.guidance)].filter(Boolean);
    const guidance = texts.length
      ? h('p', { id: guidanceId, class: 'guidance', hidden: true }, texts.join('\n\n')) : null;
    const helpButton = guidance ? h('button', {
      type: 'button', class: 'icon-btn help-btn', 'data-testid': `guidance-toggle-${indicator.id}`,
      'aria-expanded': 'false', 'aria-controls': guidanceId, 'aria-label': t('guidance.toggle', { id: indicator.id }),
      on: { click: () => toggle(guidance, helpButton) },
    }, '?') : null;
    const required = indicator.required
      ? h('span', { class: 'required-mark' }, h('span', { 'aria-hidden': 'true' }, ' *'),
        h('span', { class: 'sr-only' }, t('capture.required')))
      : null;
    return [
      h('div', { class: 'indicator-head' },
        h('h3', { id: this.titleId, class: 'indicator-title' },
          h('span', { class: 'indicator-code' }, indicator.id), ' ', tx(indicator.text), required),
        helpButton),
      guidance,
    ];
  }

  // ---- answers ------------------------------------------------------------------------------------------------

  choiceControl() {
    const { indicator } = this;
    const testid = (value) => `answer-${indicator.id}-${value}`;
    let options;
    let layout;
    if (indicator.type === 'yes_no') {
      const [yes, no] = yesNoLabels(indicator);
      options = [{ value: 'true', label: yes, testid: testid('yes') },
        { value: 'false', label: no, testid: testid('no') }];
      layout = 'options-row';
    } else if (indicator.type === 'scale_0_3') {
      options = [0, 1, 2, 3]
        .map((n) => ({ value: String(n), label: String(n), caption: t(`scale.${n}`), testid: testid(n) }));
      layout = 'options-scale';
    } else {
      options = (indicator.choices || [])
        .map((choice) => ({ value: choice.value, label: tx(choice.label), testid: testid(choice.value) }));
      layout = 'options-column';
    }
    if (indicator.allow_na) options.push({ value: NOT_APPLICABLE, label: t('answer.na'), testid: testid('na') });
    return h('div', { class: ['options', layout], role: 'radiogroup', 'aria-labelledby': this.titleId },
      options.map((option) => this.radioOption(option)));
  }

  radioOption({ value, label, caption, testid }) {
    const { indicator, answer } = this;
    const isNa = value === NOT_APPLICABLE;
    const checked = isNa ? Boolean(answer.not_applicable)
      : !answer.not_applicable && hasValue(answer) && String(answer.value) === value;
    const input = h('input', {
      type: 'radio', name: `answer-${indicator.id}`, value, 'data-testid': testid, checked,
      disabled: !this.page.isEditable,
      on: {
        change: () => this.page.setAnswer(indicator, isNa ? { not_applicable: true, value: undefined }
          : { not_applicable: false, value: parseValue(indicator, value) }),
      },
    });
    return h('label', { class: ['option', isNa && 'option-na'] }, input, h('span', { class: 'option-label' }, label),
      caption ? h('span', { class: 'option-caption' }, caption) : null);
  }

  inputControl() {
    const { indicator, answer, page } = this;
    const isNa = Boolean(answer.not_applicable);
    const attributes = {
      id: `answer-${indicator.id}`, 'data-testid': `answer-${indicator.id}`, 'aria-labelledby': this.titleId,
      disabled: !page.isEditable || isNa, value: answer.value === undefined || isNa ? '' : String(answer.value),
    };
    const input = indicator.type === 'number'
      ? h('input', { ...attributes, type: 'text', inputmode: 'decimal', autocomplete: 'off', class: 'number-input' })
      : h('textarea', { ...attributes, rows: '3', maxlength: '4000' });
    const parts = [indicator.type === 'number' ? this.numberRow(input) : input];
    input.addEventListener('input', () => {
      const value = parseValue(indicator, input.value);
      page.setAnswer(indicator, { not_applicable: false, value }, TEXT_SAVE_DELAY_MS);
    });
    if (indicator.allow_na) {
      const na = h('input', {
        type: 'checkbox', 'data-testid': `answer-${indicator.id}-na`, checked: isNa, disabled: !page.isEditable,
        on: {
          change: () => {
            input.disabled = na.checked;
            page.setAnswer(indicator, na.checked ? { not_applicable: true, value: undefined }
              : { not_applicable: false, value: parseValue(indicator, input.value) });
          },
        },
      });
      parts.push(h('label', { class: 'option option-na option-check' }, na,
        h('span', { class: 'option-label' }, t('answer.na'))));
    }
    return h('div', { class: 'input-control' }, parts);
  }

  numberRow(input) {
    const { indicator } = this;
    const invalid = h('p', { class: 'field-error', role: 'alert', hidden: true }, t('answer.number_invalid'));
    input.addEventListener('input', () => {
      invalid.hidden = parseValue(indicator, input.value) !== undefined || input.value.trim() === '';
      input.setAttribute('aria-invalid', String(!invalid.hidden));
    });
    const unitKey = `unit_label.${indicator.unit}`;
    const unitLabel = indicator.unit
      ? h('span', { class: 'input-unit' }, hasString(unitKey) ? t(unitKey) : indicator.unit) : null;
    return h('div', { class: 'number-row' }, input, unitLabel, invalid);
  }

  noteControl() {
    const { indicator, answer, page } = this;
    if (!page.isEditable && !answer.note) return h('div', { class: 'indicator-foot' }, this.status);
    const textarea = h('textarea', {
      id: `note-${indicator.id}`, 'data-testid': `note-${indicator.id}`, rows: '2', maxlength: '4000',
      value: answer.note || '', readOnly: !page.isEditable, 'aria-label': t('note.label_for', { id: indicator.id }),
      on: { input: () => page.setAnswer(indicator, { note: textarea.value }, TEXT_SAVE_DELAY_MS) },
    });
    const wrapper = h('div', { class: 'note', hidden: !answer.note }, textarea);
    const button = h('button', {
      type: 'button', class: 'btn btn-quiet btn-small', 'data-testid': `note-toggle-${indicator.id}`,
      'aria-expanded': String(Boolean(answer.note)), 'aria-controls': `note-${indicator.id}`,
      on: {
        click: () => {
          toggle(wrapper, button);
          if (!wrapper.hidden) textarea.focus();
        },
      },
    }, icon('note'), h('span', {}, t('note.toggle')));
    return h('div', { class: 'note-block' }, h('div', { class: 'indicator-foot' }, button, this.status), wrapper);
  }

  // ---- photos -------------------------------------------------------------------------------------------------

  photoBlock() {
    const { indicator, page } = this;
    const label = h('p', { class: 'photo-label' });
    const tiles = h('ul', { class: 'thumbs', 'aria-label': t('photo.list_label', { id: indicator.id }) });
    const status = h('p', { class: 'photo-status', role: 'status', 'data-testid': `photo-status-${indicator.id}` });
    const instructions = photoInstructions(indicator);
    const element = h('div', { class: 'photos' }, label,
      instructions ? h('p', { class: 'photo-instructions', 'data-testid': `photo-instructions-${indicator.id}` },
        instructions) : null,
      tiles);
    if (page.isEditable) {
      const input = h('input', {
        type: 'file', accept: 'image/*', capture: 'environment', class: 'file-input',
        'data-testid': `photo-input-${indicator.id}`, 'aria-label': t('photo.add_for', { id: indicator.id }),
      });
      input.addEventListener('change', () => {
        const file = input.files && input.files[0];
        input.value = '';
        if (file) page.takePhoto(indicator, file, status);
      });
      element.append(h('label', { class: 'btn btn-secondary photo-add' }, icon('camera'),
        h('span', { 'aria-hidden': 'true' }, t('photo.add')), input));
    }
    element.append(status);
    return {
      element,
      update: () => {
        const own = page.photos.filter((photo) => photo.indicator === indicator.id);
        const requirement = indicator.photo === 'required' ? t('photo.required') : t('photo.optional');
        label.textContent = `${requirement} · ${t('photo.count', { n: own.length })}`;
        replaceChildren(tiles, own.map((photo, index) => this.photoTile(photo, index)));
        tiles.hidden = own.length === 0;
      },
    };
  }

  photoTile(photo, index) {
    const { indicator, page } = this;
    const url = page.thumbUrl(photo);
    const label = t('photo.alt', { id: indicator.id, n: index + 1 });
    const isStored = Boolean(photo.stored_at);
    return h('li', {
      class: ['thumb', isStored && 'thumb-stored'], 'data-testid': `photo-${photo.id}`, 'data-stored': String(isStored),
    },
    url ? h('img', { src: url, alt: label, width: '96', height: '96', decoding: 'async' })
      : h('span', { class: 'thumb-placeholder', role: 'img', 'aria-label': label }, t('photo.on_server')),
    isStored ? h('span', { class: 'thumb-badge' }, icon('check'), h('span', { class: 'sr-only' }, t('photo.stored')))
      : null,
    page.isEditable && !isStored ? h('button', {
      type: 'button', class: 'thumb-delete', 'data-testid': `photo-delete-${photo.id}`,
      'aria-label': t('photo.delete', { n: index + 1 }),
      on: { click: () => page.deletePhoto(indicator, photo) },
    }, icon('trash')) : null);
  }
}

/** Shows or hides `panel` and says so on the button that controls it. */
function toggle(panel, button) {
  panel.hidden = !panel.hidden;
  button.setAttribute('aria-expanded', String(!panel.hidden));
}
