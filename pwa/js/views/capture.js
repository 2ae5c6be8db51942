// Capturing a visit: indicators grouped by dimension, each with its own input, notes, guidance and photos; a GPS
// bar with accuracy (positions sampled for the whole visit); progress; finishing refused with a list while
// something required is missing. Every change is written to IndexedDB at once, so closing the app loses nothing.
// The same screen shows a sent visit read-only, and a returned one with the supervisor's comments for correction.

import * as db from '../db.js';
import { h, replaceChildren } from '../../shared/dom.js';
import { icon } from '../icons.js';
import { formatDateTime, formatDistance, hasString, t, tx } from '../i18n.js';
import { preparePhoto, PhotoUnreadableError } from '../photo.js';
import * as storage from '../storage.js';
import { distance_m, isoWithOffset, isValidLatLon, newUuid } from '../util.js';
import {
  bestPosition, hasValue, isIndicatorComplete, isRelevant, missingItems, parseValue, progress, shouldKeepPosition,
  STATE,
} from '../visit.js';
import { refusalReason, visitStateText } from './labels.js';

const TEXT_SAVE_DELAY_MS = 400;
const PHOTO_TIME_TOLERANCE_MS = 15 * 60_000;
const GOOD_ACCURACY_M = 30;
const FAIR_ACCURACY_M = 100;
const FIX_INTERVAL_MS = 30_000;

function gpsQuality(accuracy_m) {
  if (accuracy_m <= GOOD_ACCURACY_M) return 'good';
  if (accuracy_m <= FAIR_ACCURACY_M) return 'fair';
  return 'poor';
}

function notFound(root, ctx) {
  ctx.setHeader({ title: t('capture.not_found_title'), back: '#/' });
  root.append(h('section', { class: 'card', role: 'alert' }, h('p', {}, t('capture.not_found'))));
  return { unmount() {} };
}

export async function mount(root, ctx, visitId) {
  const user = ctx.session.user;
  let visit = await db.getVisit(visitId);
  if (!visit || visit.user_id !== user.id) return notFound(root, ctx);
  const instrument = await db.getInstrument(visit.instrument.key, visit.instrument.version);
  if (!instrument) return notFound(root, ctx);
  const assignment = await db.getAssignment(visit.assignment_id);
  const unit = (assignment && assignment.unit) || visit.unit || {};
  let photos = await db.listPhotos(visit.id);
  const isEditable = visit.state === STATE.draft || visit.state === STATE.returned;
  const isCorrection = visit.state === STATE.returned;
  const isSampling = visit.state === STATE.draft;
  const indicatorComments = new Map(((visit.review && visit.review.indicator_comments) || [])
    .map((comment) => [comment.indicator, comment.text]));

  ctx.setHeader({ title: unit.name || t('capture.title'), back: '#/' });

  const refs = new Map(); // indicator id → {article, update()}
  const objectUrls = new Set();
  const pendingPhotoJobs = new Set();
  let photoQueue = Promise.resolve();
  let saveTimer = null;
  let isSavePending = false;
  let saveChain = Promise.resolve();
  let isNoGpsConfirmed = false;

  // ---- saving -----------------------------------------------------------------------------------------------

  function scheduleSave(delay_ms = 0) {
    isSavePending = true;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, delay_ms);
  }

  function save() {
    clearTimeout(saveTimer);
    if (!isSavePending) return saveChain;
    isSavePending = false;
    const answers = structuredClone(visit.answers);
    const positions = visit.positions.slice();
    saveChain = saveChain
      .then(() => db.updateVisit(visit.id, (stored) => {
        stored.answers = answers;
        stored.positions = positions;
      }))
      .then(() => ctx.setStorageFull(false), (error) => {
        isSavePending = true; // kept in memory; the next change or flush writes it again
        if (error instanceof db.StorageFullError) ctx.setStorageFull(true);
        else console.error('save failed', error);
      });
    return saveChain;
  }

  async function flush() {
    await save();
    await Promise.allSettled([...pendingPhotoJobs]);
  }

  // ---- the top bar: GPS and progress --------------------------------------------------------------------------

  const gpsBar = h('p', { class: 'gps-bar', 'data-testid': 'gps-bar', role: 'status' });
  const progressText = h('p', { class: 'progress-text', 'data-testid': 'progress' });
  const progressBar = h('progress', { max: '1', value: '0', 'aria-hidden': 'true' });

  function unitDistance_m(position) {
    if (!position || !isValidLatLon(unit.lat, unit.lon)) return null;
    return distance_m(position, unit);
  }

  function renderGps() {
    const position = isSampling ? ctx.positions.latest : bestPosition(visit.positions);
    gpsBar.replaceChildren(icon('pin'));
    if (!position) {
      const error = isSampling ? ctx.positions.error : null;
      gpsBar.dataset.quality = error ? 'none' : 'searching';
      delete gpsBar.dataset.accuracyM;
      gpsBar.append(error ? t(`position.error_${error}`) : isSampling ? t('gps.searching') : t('gps.none_recorded'));
      return;
    }
    gpsBar.dataset.quality = gpsQuality(position.accuracy_m);
    gpsBar.dataset.accuracyM = String(position.accuracy_m);
    const text = h('span', {}, t(isSampling ? 'gps.accuracy' : 'gps.best_accuracy', { accuracy: formatDistance(position.accuracy_m) }));
    const distance = unitDistance_m(position);
    if (distance !== null) {
      const isOutside = Number.isFinite(unit.geofence_m) && distance > unit.geofence_m + position.accuracy_m;
      gpsBar.dataset.outside = String(isOutside);
      text.append(' · ', h('span', { class: isOutside ? 'gps-outside' : null },
        t(isOutside ? 'gps.outside_unit' : 'gps.from_unit', { distance: formatDistance(distance) })));
    }
    text.append(` · ${t('gps.samples', { n: visit.positions.length })}`);
    gpsBar.append(text);
  }

  function renderProgress() {
    const p = progress(visit, photos, instrument);
    progressText.textContent = p.photos_total
      ? t('capture.progress', { answered: p.answered, total: p.answers_total, photos: p.photos_done, photos_total: p.photos_total })
      : t('capture.progress_no_photos', { answered: p.answered, total: p.answers_total });
    const total = p.answers_total + p.photos_total;
    progressBar.value = total ? (p.answered + p.photos_done) / total : 0;
    for (const dimension of instrument.dimensions) {
      const button = navButtons.get(dimension.id);
      const relevant = dimension.indicators.filter((indicator) => isRelevant(indicator, visit.answers));
      const done = relevant.filter((indicator) => isIndicatorComplete(indicator, visit, photos)).length;
      button.querySelector('.nav-count').textContent = `${done}/${relevant.length}`;
      button.dataset.complete = String(done === relevant.length);
    }
  }

  function onPosition(event) {
    const sample = event.detail;
    if (shouldKeepPosition(visit.positions, sample)) {
      visit.positions.push(sample);
      scheduleSave(0);
    }
    renderGps();
  }

  // ---- answers -----------------------------------------------------------------------------------------------

  function setAnswer(indicator, change, delay_ms = 0) {
    const previous = visit.answers[indicator.id] || {};
    const next = { ...previous, ...change };
    if ('value' in change || 'not_applicable' in change) next.answered_at = isoWithOffset();
    if (next.value === undefined) delete next.value;
    visit.answers[indicator.id] = next;
    scheduleSave(delay_ms);
    refreshIndicator(indicator.id);
    for (const other of refs.values()) if (other.dependsOn === indicator.id) other.update();
    renderProgress();
    if (!missingPanel.hidden) renderMissing(missingItems(visit, photos, instrument));
  }

  function radioOption(indicator, { value, label, caption, testid, group }) {
    const answer = visit.answers[indicator.id];
    const checked = value === '__na__'
      ? Boolean(answer && answer.not_applicable)
      : Boolean(answer && !answer.not_applicable && hasValue(answer) && String(answer.value) === value);
    const input = h('input', {
      type: 'radio', name: group, value, 'data-testid': testid, checked, disabled: !isEditable,
      on: {
        change: () => {
          if (value === '__na__') setAnswer(indicator, { not_applicable: true, value: undefined });
          else setAnswer(indicator, { not_applicable: false, value: parseValue(indicator, value) });
        },
      },
    });
    return h('label', { class: ['option', value === '__na__' && 'option-na'] },
      input, h('span', { class: 'option-label' }, label), caption ? h('span', { class: 'option-caption' }, caption) : null);
  }

  function choiceControl(indicator, titleId) {
    const group = `answer-${indicator.id}`;
    const options = [];
    let layout = 'options-row';
    if (indicator.type === 'yes_no') {
      options.push({ value: 'true', label: t('answer.yes'), testid: `answer-${indicator.id}-yes` });
      options.push({ value: 'false', label: t('answer.no'), testid: `answer-${indicator.id}-no` });
    } else if (indicator.type === 'scale_0_3') {
      for (const n of [0, 1, 2, 3]) {
        options.push({ value: String(n), label: String(n), caption: t(`scale.${n}`), testid: `answer-${indicator.id}-${n}` });
      }
      layout = 'options-scale';
    } else {
      for (const choice of indicator.choices || []) {
        options.push({ value: choice.value, label: tx(choice.label), testid: `answer-${indicator.id}-${choice.value}` });
      }
      layout = 'options-column';
    }
    if (indicator.allow_na) options.push({ value: '__na__', label: t('answer.na'), testid: `answer-${indicator.id}-na` });
    return h('div', { class: ['options', layout], role: 'radiogroup', 'aria-labelledby': titleId },
      options.map((option) => radioOption(indicator, { ...option, group })));
  }

  function inputControl(indicator, titleId) {
    const answer = visit.answers[indicator.id] || {};
    const isNa = Boolean(answer.not_applicable);
    const common = {
      id: `answer-${indicator.id}`, 'data-testid': `answer-${indicator.id}`, 'aria-labelledby': titleId,
      disabled: !isEditable || isNa, value: answer.value === undefined || isNa ? '' : String(answer.value),
    };
    let field;
    if (indicator.type === 'number') {
      const input = h('input', { ...common, type: 'text', inputmode: 'decimal', autocomplete: 'off', class: 'number-input' });
      const invalid = h('p', { class: 'field-error', role: 'alert', hidden: true }, t('answer.number_invalid'));
      input.addEventListener('input', () => {
        const value = parseValue(indicator, input.value);
        invalid.hidden = value !== undefined || input.value.trim() === '';
        input.setAttribute('aria-invalid', String(!invalid.hidden));
        setAnswer(indicator, { not_applicable: false, value }, TEXT_SAVE_DELAY_MS);
      });
      const unitKey = `unit_label.${indicator.unit}`;
      const unitLabel = indicator.unit
        ? h('span', { class: 'input-unit' }, hasString(unitKey) ? t(unitKey) : indicator.unit) : null;
      field = h('div', { class: 'number-row' }, input, unitLabel, invalid);
    } else {
      const input = h('textarea', { ...common, rows: '3', maxlength: '4000' });
      input.addEventListener('input', () => {
        setAnswer(indicator, { not_applicable: false, value: input.value.trim() ? input.value : undefined }, TEXT_SAVE_DELAY_MS);
      });
      field = input;
    }
    const parts = [field];
    if (indicator.allow_na) {
      const na = h('input', {
        type: 'checkbox', 'data-testid': `answer-${indicator.id}-na`, checked: isNa, disabled: !isEditable,
        on: {
          change: () => {
            const input = parts[0].matches('input, textarea') ? parts[0] : parts[0].querySelector('input');
            input.disabled = na.checked;
            if (na.checked) setAnswer(indicator, { not_applicable: true, value: undefined });
            else setAnswer(indicator, { not_applicable: false, value: parseValue(indicator, input.value) });
          },
        },
      });
      parts.push(h('label', { class: 'option option-na option-check' }, na, h('span', { class: 'option-label' }, t('answer.na'))));
    }
    return h('div', { class: 'input-control' }, parts);
  }

  function noteControl(indicator, status) {
    const answer = visit.answers[indicator.id] || {};
    const textarea = h('textarea', {
      id: `note-${indicator.id}`, 'data-testid': `note-${indicator.id}`, rows: '2', maxlength: '4000',
      value: answer.note || '', readOnly: !isEditable, 'aria-label': t('note.label_for', { id: indicator.id }),
    });
    textarea.addEventListener('input', () => setAnswer(indicator, { note: textarea.value }, TEXT_SAVE_DELAY_MS));
    const wrapper = h('div', { class: 'note', hidden: !answer.note }, textarea);
    if (!isEditable && !answer.note) return h('div', { class: 'indicator-foot' }, status);
    const toggle = h('button', {
      type: 'button', class: 'btn btn-quiet btn-small', 'data-testid': `note-toggle-${indicator.id}`,
      'aria-expanded': String(Boolean(answer.note)), 'aria-controls': `note-${indicator.id}`,
      on: {
        click: () => {
          wrapper.hidden = !wrapper.hidden;
          toggle.setAttribute('aria-expanded', String(!wrapper.hidden));
          if (!wrapper.hidden) textarea.focus();
        },
      },
    }, icon('note'), h('span', {}, t('note.toggle')));
    return h('div', { class: 'note-block' }, h('div', { class: 'indicator-foot' }, toggle, status), wrapper);
  }

  // ---- photos ------------------------------------------------------------------------------------------------

  function thumbUrl(photo) {
    const blob = photo.thumb || photo.blob;
    if (!blob) return null;
    const url = URL.createObjectURL(blob);
    objectUrls.add(url);
    return url;
  }

  function photoTile(indicator, photo, index) {
    const url = thumbUrl(photo);
    const label = t('photo.alt', { id: indicator.id, n: index + 1 });
    const tile = h('li', {
      class: ['thumb', photo.stored_at && 'thumb-stored'], 'data-testid': `photo-${photo.id}`,
      'data-stored': String(Boolean(photo.stored_at)),
    },
    url ? h('img', { src: url, alt: label, width: '96', height: '96', decoding: 'async' })
      : h('span', { class: 'thumb-placeholder', role: 'img', 'aria-label': label }, t('photo.on_server')));
    if (photo.stored_at) tile.append(h('span', { class: 'thumb-badge' }, icon('check'), h('span', { class: 'sr-only' }, t('photo.stored'))));
    if (isEditable && !photo.stored_at) {
      tile.append(h('button', {
        type: 'button', class: 'thumb-delete', 'data-testid': `photo-delete-${photo.id}`,
        'aria-label': t('photo.delete', { n: index + 1 }),
        on: { click: () => deletePhoto(indicator, photo) },
      }, icon('trash')));
    }
    return tile;
  }

  async function deletePhoto(indicator, photo) {
    if (!window.confirm(t('photo.delete_confirm'))) return;
    await db.deleteUnsentPhoto(photo.id);
    photos = photos.filter((item) => item.id !== photo.id);
    refreshIndicator(indicator.id);
    renderProgress();
  }

  function photoWarnings(prepared) {
    const warnings = [];
    if (prepared.exif_taken_at) {
      const taken_ms = Date.parse(prepared.exif_taken_at);
      const from_ms = Date.parse(visit.started_at) - PHOTO_TIME_TOLERANCE_MS;
      if (taken_ms < from_ms || taken_ms > Date.now() + PHOTO_TIME_TOLERANCE_MS) {
        warnings.push(t('photo.warn_time', { time: formatDateTime(prepared.exif_taken_at) }));
      }
    }
    const { lat, lon } = prepared.exif;
    if (isValidLatLon(lat, lon) && isValidLatLon(unit.lat, unit.lon)) {
      const distance = distance_m({ lat, lon }, unit);
      if (distance > (unit.geofence_m || 0) + FAIR_ACCURACY_M) {
        warnings.push(t('photo.warn_place', { distance: formatDistance(distance) }));
      }
    }
    return warnings;
  }

  async function storePhoto(indicator, file) {
    if (!(await storage.hasRoomForPhoto(file.size))) throw new db.StorageFullError();
    const prepared = await preparePhoto(file);
    const phone = ctx.positions.recent();
    const record = {
      id: newUuid(),
      visit_id: visit.id,
      indicator: indicator.id,
      blob: prepared.blob,
      thumb: prepared.thumb,
      sha256: prepared.sha256,
      size: prepared.size,
      content_type: prepared.content_type,
      taken_at: prepared.taken_at,
      lat: phone ? phone.lat : null,
      lon: phone ? phone.lon : null,
      accuracy_m: phone ? phone.accuracy_m : null,
      exif: prepared.exif,
      exif_taken_at: prepared.exif_taken_at,
      width: prepared.width,
      height: prepared.height,
      created_at: new Date().toISOString(),
      stored_at: null,
      added_in_revision: visit.revision + (isCorrection ? 1 : 0),
    };
    await db.addPhoto(record);
    photos.push(record);
    return prepared;
  }

  function onPhotoChosen(indicator, input, status) {
    const file = input.files && input.files[0];
    input.value = '';
    if (!file) return;
    status.textContent = t('photo.processing');
    status.dataset.state = 'processing';
    // One photo at a time: two 12 MP decodes at once can exhaust a cheap phone's memory.
    const job = photoQueue.then(() => storePhoto(indicator, file));
    photoQueue = job.catch(() => {});
    pendingPhotoJobs.add(job);
    job.then((prepared) => {
      const warnings = photoWarnings(prepared);
      status.textContent = [t('photo.saved'), ...warnings].join(' ');
      status.dataset.state = warnings.length ? 'warning' : 'saved';
      ctx.setStorageFull(false);
    }, (error) => {
      status.dataset.state = 'error';
      if (error instanceof db.StorageFullError) status.textContent = t('photo.storage_full');
      else if (error instanceof PhotoUnreadableError) status.textContent = t('photo.unreadable');
      else {
        console.error('photo failed', error);
        status.textContent = t('photo.failed');
      }
    }).finally(() => {
      pendingPhotoJobs.delete(job);
      refreshIndicator(indicator.id);
      renderProgress();
      if (!missingPanel.hidden) renderMissing(missingItems(visit, photos, instrument));
    });
  }

  function photoBlock(indicator) {
    if (indicator.photo === 'none' || !indicator.photo) return null;
    const label = h('p', { class: 'photo-label' });
    const tiles = h('ul', { class: 'thumbs', 'aria-label': t('photo.list_label', { id: indicator.id }) });
    const status = h('p', { class: 'photo-status', role: 'status', 'data-testid': `photo-status-${indicator.id}` });
    const block = h('div', { class: 'photos' }, label, tiles);
    if (isEditable) {
      const input = h('input', {
        type: 'file', accept: 'image/*', capture: 'environment', class: 'file-input',
        'data-testid': `photo-input-${indicator.id}`, 'aria-label': t('photo.add_for', { id: indicator.id }),
      });
      input.addEventListener('change', () => onPhotoChosen(indicator, input, status));
      block.append(h('label', { class: 'btn btn-secondary photo-add' }, icon('camera'),
        h('span', { 'aria-hidden': 'true' }, t('photo.add')), input));
    }
    block.append(status);
    return {
      element: block,
      update() {
        const own = photos.filter((photo) => photo.indicator === indicator.id);
        const requirement = indicator.photo === 'required' ? t('photo.required') : t('photo.optional');
        label.textContent = `${requirement} · ${t('photo.count', { n: own.length })}`;
        for (const url of tiles.querySelectorAll('img')) {
          URL.revokeObjectURL(url.src);
          objectUrls.delete(url.src);
        }
        replaceChildren(tiles, own.map((photo, index) => photoTile(indicator, photo, index)));
        tiles.hidden = own.length === 0;
      },
    };
  }

  // ---- one indicator -----------------------------------------------------------------------------------------

  function renderIndicator(indicator) {
    const titleId = `title-${indicator.id}`;
    const guidanceId = `guidance-${indicator.id}`;
    const guidance = indicator.guidance ? h('p', { id: guidanceId, class: 'guidance', hidden: true }, tx(indicator.guidance)) : null;
    const helpButton = guidance ? h('button', {
      type: 'button', class: 'icon-btn help-btn', 'data-testid': `guidance-toggle-${indicator.id}`,
      'aria-expanded': 'false', 'aria-controls': guidanceId, 'aria-label': t('guidance.toggle', { id: indicator.id }),
      on: {
        click: () => {
          guidance.hidden = !guidance.hidden;
          helpButton.setAttribute('aria-expanded', String(!guidance.hidden));
        },
      },
    }, '?') : null;
    const status = h('span', { class: 'indicator-status' });
    const comment = indicatorComments.get(indicator.id);
    const photosPart = photoBlock(indicator);
    const control = ['yes_no', 'scale_0_3', 'choice'].includes(indicator.type)
      ? choiceControl(indicator, titleId) : inputControl(indicator, titleId);
    const article = h('article', {
      class: ['indicator', comment && 'has-comment'], id: `indicator-${indicator.id}`,
      'data-testid': `indicator-${indicator.id}`, 'data-type': indicator.type,
    },
    h('div', { class: 'indicator-head' },
      h('h3', { id: titleId, class: 'indicator-title' },
        h('span', { class: 'indicator-code' }, indicator.id), ' ', tx(indicator.text),
        indicator.required ? h('span', { class: 'required-mark' }, h('span', { 'aria-hidden': 'true' }, ' *'),
          h('span', { class: 'sr-only' }, t('capture.required'))) : null),
      helpButton),
    guidance,
    comment ? h('p', { class: 'review-comment', 'data-testid': `review-comment-${indicator.id}` },
      h('strong', {}, t('review.comment_label')), ' ', comment) : null,
    control,
    photosPart ? photosPart.element : null,
    noteControl(indicator, status));

    const ref = {
      article,
      dependsOn: indicator.relevant ? indicator.relevant.indicator : null,
      update() {
        const relevant = isRelevant(indicator, visit.answers);
        article.hidden = !relevant;
        const complete = isIndicatorComplete(indicator, visit, photos);
        article.dataset.complete = String(complete);
        status.textContent = complete ? t('capture.indicator_done') : t('capture.indicator_todo');
        status.dataset.complete = String(complete);
        if (photosPart) photosPart.update();
      },
    };
    refs.set(indicator.id, ref);
    ref.update();
    return article;
  }

  function refreshIndicator(id) {
    const ref = refs.get(id);
    if (ref) ref.update();
  }

  // ---- finishing --------------------------------------------------------------------------------------------

  const missingPanel = h('section', {
    class: 'card missing', id: 'missing-list', 'data-testid': 'missing-list', tabindex: '-1', hidden: true,
  });

  function jumpTo(indicatorId) {
    const ref = refs.get(indicatorId);
    if (!ref) return;
    ref.article.scrollIntoView({ block: 'start' });
    const target = ref.article.querySelector('input:not([type=file]), textarea') || ref.article.querySelector('button');
    if (target) target.focus({ preventScroll: true });
  }

  function renderMissing(missing) {
    if (!missing.length) {
      missingPanel.hidden = true;
      return;
    }
    const byIndicator = new Map(instrument.dimensions.flatMap((d) => d.indicators).map((i) => [i.id, i]));
    replaceChildren(missingPanel,
      h('h2', {}, t('finish.missing_title', { n: missing.length })),
      h('ul', {}, missing.map((item) => h('li', {},
        h('button', {
          type: 'button', class: 'link-btn', 'data-testid': `missing-${item.indicator}-${item.kind}`,
          on: { click: () => jumpTo(item.indicator) },
        }, `${item.indicator} ${tx(byIndicator.get(item.indicator).text)} — ${t(`finish.missing_${item.kind}`)}`)))));
    missingPanel.hidden = false;
  }

  function renderNoGpsWarning() {
    replaceChildren(missingPanel,
      h('h2', {}, t('finish.no_gps_title')),
      h('p', {}, t('finish.no_gps_body')),
      h('button', {
        type: 'button', class: 'btn btn-secondary btn-block', 'data-testid': 'finish-anyway',
        on: { click: () => { isNoGpsConfirmed = true; finish(); } },
      }, t('finish.no_gps_confirm')));
    missingPanel.hidden = false;
  }

  async function finish() {
    finishButton.disabled = true;
    try {
      await flush();
      const missing = missingItems(visit, photos, instrument);
      if (missing.length) {
        renderMissing(missing);
        missingPanel.focus();
        return;
      }
      if (isSampling && visit.positions.length === 0 && !isNoGpsConfirmed) {
        renderNoGpsWarning();
        missingPanel.focus();
        return;
      }
      await db.updateVisit(visit.id, (stored) => {
        if (stored.state === STATE.draft) stored.finished_at = isoWithOffset();
        else if (stored.state === STATE.returned) stored.revision = (stored.review_revision || stored.revision) + 1;
        else return;
        stored.state = STATE.waiting;
        stored.sync.last_error = null;
        stored.sync.photos_done = 0;
      });
      ctx.outbox.kick('manual');
      ctx.toast(isCorrection ? t('finish.resubmitted') : t('finish.done'));
      ctx.navigate('#/');
    } catch (error) {
      if (error instanceof db.StorageFullError) ctx.setStorageFull(true);
      else throw error;
    } finally {
      finishButton.disabled = false;
    }
  }

  const finishButton = h('button', {
    type: 'button', class: 'btn btn-primary btn-block', 'data-testid': 'finish-visit', on: { click: finish },
  }, icon('check'), h('span', {}, isCorrection ? t('finish.resubmit') : t('finish.button')));

  // ---- the state of a sent visit ------------------------------------------------------------------------------

  function statePanel() {
    if (isEditable && !isCorrection) return null;
    const parts = [h('p', {},
      h('span', { class: `badge badge-${visit.state}`, 'data-testid': `visit-state-${visit.id}`, 'data-state': visit.state },
        visitStateText(visit)))];
    if (visit.finished_at) parts.push(h('p', { class: 'meta' }, t('capture.finished_at', { time: formatDateTime(visit.finished_at) })));
    if (visit.state === STATE.refused) {
      const problem = visit.sync.last_error || {};
      parts.push(h('p', { class: 'refusal', 'data-testid': 'refusal-reason' }, refusalReason(problem)));
      if (problem.errors && problem.errors.length) {
        parts.push(h('ul', { class: 'refusal-errors' }, problem.errors.map((error) => h('li', {},
          typeof error === 'string' ? error : `${error.field || ''} ${error.message || ''}`.trim()))));
      }
      parts.push(h('button', {
        type: 'button', class: 'btn btn-primary btn-block', 'data-testid': 'retry-visit',
        on: { click: async () => { await ctx.outbox.retry(visit.id); ctx.navigate('#/'); } },
      }, t('refused.retry')));
      const editTarget = editStateAfterRefusal(visit);
      if (editTarget) {
        parts.push(h('button', {
          type: 'button', class: 'btn btn-secondary btn-block', 'data-testid': 'edit-visit',
          on: {
            click: async () => {
              await db.updateVisit(visit.id, (stored) => {
                stored.state = editTarget;
                if (editTarget === STATE.draft) stored.finished_at = null;
                if (editTarget === STATE.returned) stored.revision = stored.review_revision;
                stored.sync.last_error = null;
              });
              ctx.navigate(`#/visit/${visit.id}`);
            },
          },
        }, t('refused.edit')));
      }
    }
    if (isCorrection && visit.review) {
      parts.push(h('div', { class: 'review-panel', 'data-testid': 'review-panel' },
        h('h2', {}, t('review.title')),
        visit.review.comment ? h('p', { 'data-testid': 'review-comment' }, visit.review.comment) : null,
        indicatorComments.size ? h('p', { class: 'meta' }, t('review.indicator_count', { n: indicatorComments.size })) : null,
        indicatorComments.size ? h('ul', { class: 'review-jumps' }, [...indicatorComments.keys()].map((id) => h('li', {},
          h('button', { type: 'button', class: 'link-btn', on: { click: () => jumpTo(id) } }, id)))) : null));
    }
    return h('section', { class: ['card', 'state-panel', `state-${visit.state}`] }, parts);
  }

  // ---- layout -----------------------------------------------------------------------------------------------

  const navButtons = new Map();
  const nav = h('nav', { class: 'dimension-nav', 'aria-label': t('capture.dimensions_label') },
    instrument.dimensions.map((dimension) => {
      const button = h('button', {
        type: 'button', class: 'chip', 'data-testid': `dimension-nav-${dimension.id}`,
        on: { click: () => document.getElementById(`dimension-${dimension.id}`).scrollIntoView({ block: 'start' }) },
      }, h('span', {}, `${dimension.id} · ${tx(dimension.title)}`), ' ', h('span', { class: 'nav-count' }));
      navButtons.set(dimension.id, button);
      return button;
    }));

  const sections = instrument.dimensions.map((dimension) => h('section', {
    class: 'dimension', id: `dimension-${dimension.id}`, 'data-testid': `dimension-${dimension.id}`,
    'aria-labelledby': `dimension-title-${dimension.id}`,
  },
  h('h2', { class: 'dimension-title', id: `dimension-title-${dimension.id}` }, `${dimension.id}. ${tx(dimension.title)}`),
  dimension.indicators.map(renderIndicator)));

  const head = h('div', { class: 'capture-head' },
    h('p', { class: 'meta' }, [unit.agency, unit.address].filter(Boolean).join(' · ')),
    h('p', { class: 'meta' }, t('capture.started_at', { time: formatDateTime(visit.started_at) }),
      visit.revision > 1 || isCorrection ? ` · ${t('capture.revision', { n: visit.revision })}` : ''));

  const view = h('section', {
    class: ['view', 'view-capture', !isEditable && 'is-readonly'], 'data-testid': 'capture-screen',
    'data-visit-id': visit.id, 'data-state': visit.state,
  },
  h('div', { class: 'statusbar' }, gpsBar, progressText, progressBar),
  head,
  statePanel(),
  nav,
  sections,
  isEditable ? missingPanel : null,
  isEditable ? h('div', { class: 'finish-bar' }, finishButton) : null);
  root.append(view);

  renderProgress();
  renderGps();

  let release = () => {};
  let fixTimer = null;
  const onPositionError = () => renderGps();
  if (isSampling) {
    ctx.positions.addEventListener('position', onPosition);
    ctx.positions.addEventListener('position-error', onPositionError);
    release = ctx.positions.acquire();
    if (ctx.positions.recent(30_000)) onPosition({ detail: ctx.positions.latest });
    ctx.positions.requestFix();
    fixTimer = setInterval(() => ctx.positions.requestFix(), FIX_INTERVAL_MS);
  }

  // A sent visit changes state while it is open (uploading → synced); show it.
  const onVisitEvent = async (event) => {
    if (event.detail.visit_id !== visit.id || isEditable) return;
    visit = await db.getVisit(visit.id);
    const badge = view.querySelector(`[data-testid="visit-state-${visit.id}"]`);
    if (badge) {
      badge.textContent = visitStateText(visit);
      badge.dataset.state = visit.state;
    }
  };
  ctx.outbox.addEventListener('visit', onVisitEvent);

  return {
    flush,
    unmount() {
      clearInterval(fixTimer);
      release();
      ctx.positions.removeEventListener('position', onPosition);
      ctx.positions.removeEventListener('position-error', onPositionError);
      ctx.outbox.removeEventListener('visit', onVisitEvent);
      save();
      for (const url of objectUrls) URL.revokeObjectURL(url);
    },
  };
}

/** Which editable state a refused visit can go back to, or null when only "send again" makes sense. */
function editStateAfterRefusal(visit) {
  if (!visit.sync.receipt) return STATE.draft; // the server never accepted this document
  if (visit.review_revision && visit.revision > visit.review_revision) return STATE.returned;
  return null;
}
