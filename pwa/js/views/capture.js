// Capturing a visit: indicators grouped by dimension, each with its own input, notes, guidance and photos; a GPS
// bar with accuracy (positions sampled for the whole visit); progress; finishing refused with a list while
// something required is missing. Every change is written to IndexedDB at once, so closing the app loses nothing.
// The same screen shows a sent visit read-only, and a returned one with the supervisor's comments for correction.
//
// The page holds the visit and its photos; every change to them is one of visit.js's pure functions, and the page
// writes the result (db.js) and draws it. Each indicator is an IndicatorCard; the missing list is a MissingPanel.

import { h } from '../../shared/dom.js';
import * as db from '../db.js';
import { instrumentIn } from '../form-language.js';
import { formatDateTime, formatDistance, t, tx } from '../i18n.js';
import { icon } from '../icons.js';
import { preparePhoto, PhotoUnreadableError } from '../photo.js';
import * as storage from '../storage.js';
import { distance_m, isoWithOffset, isValidLatLon, newUuid } from '../util.js';
import {
  bestPosition, editStateAfterRefusal, finishedVisit, isEditable, isIndicatorComplete, isRelevant, missingItems,
  newPhoto, photoWarnings, progress, reopenedVisit, STATE, withAnswer, withPosition,
} from '../visit.js';
import { IndicatorCard } from './capture-indicator.js';
import { MissingPanel } from './capture-missing.js';
import { refusalReason, visitStateText } from './labels.js';

const GOOD_ACCURACY_M = 30;
const FAIR_ACCURACY_M = 100;
const FIX_INTERVAL_MS = 30_000;
const RECENT_FIX_MS = 30_000;

function gpsQuality(accuracy_m) {
  if (accuracy_m <= GOOD_ACCURACY_M) return 'good';
  if (accuracy_m <= FAIR_ACCURACY_M) return 'fair';
  return 'poor';
}

export async function mount(root, ctx, visitId) {
  const visit = await db.getVisit(visitId);
  const stored = visit && visit.user_id === ctx.session.user.id
    ? await db.getInstrument(visit.instrument.key, visit.instrument.version) : null;
  const instrument = stored && instrumentIn(stored, await db.getMeta('form_lang'));
  if (!instrument) {
    ctx.setHeader({ title: t('capture.not_found_title'), back: '#/' });
    root.append(h('section', { class: 'card', role: 'alert' }, h('p', {}, t('capture.not_found'))));
    return { unmount() {} };
  }
  const assignment = await db.getAssignment(visit.assignment_id);
  const page = new CapturePage(ctx, visit, await db.listPhotos(visit.id), instrument,
    (assignment && assignment.unit) || visit.unit || {});
  ctx.setHeader({ title: page.unit.name || t('capture.title'), back: '#/' });
  root.append(page.element);
  page.start();
  return { flush: () => page.flush(), unmount: () => page.stop() };
}

class CapturePage {
  constructor(ctx, visit, photos, instrument, unit) {
    this.ctx = ctx;
    this.visit = visit;
    this.photos = photos;
    this.instrument = instrument;
    this.unit = unit;
    this.isEditable = isEditable(visit);
    this.isCorrection = visit.state === STATE.returned;
    this.isSampling = visit.state === STATE.draft; // positions are recorded while the visit is first captured
    this.comments = new Map(((visit.review && visit.review.indicator_comments) || [])
      .map((comment) => [comment.indicator, comment.text]));
    this.thumbUrls = new Map(); // photo id → object URL, revoked when the photo or the page goes
    this.saving = { timer: null, isPending: false, chain: Promise.resolve() };
    this.photoJobs = { queue: Promise.resolve(), pending: new Set() };
    this.isNoGpsConfirmed = false;
    this.cleanups = [];

    this.gpsBar = h('p', { class: 'gps-bar', 'data-testid': 'gps-bar', role: 'status' });
    this.progressText = h('p', { class: 'progress-text', 'data-testid': 'progress' });
    this.progressBar = h('progress', { max: '1', value: '0', 'aria-hidden': 'true' });
    this.statusbar = h('div', { class: 'statusbar' }, this.gpsBar, this.progressText, this.progressBar);
    this.cards = new Map(instrument.dimensions.flatMap((dimension) => dimension.indicators)
      .map((indicator) => [indicator.id, new IndicatorCard(indicator, this)]));
    this.navButtons = new Map();
    this.missing = new MissingPanel(instrument, (indicatorId) => this.cards.get(indicatorId).focus());
    this.finishButton = h('button', {
      type: 'button', class: 'btn btn-primary btn-block', 'data-testid': 'finish-visit',
      on: { click: () => this.finish() },
    }, icon('check'), h('span', {}, this.isCorrection ? t('finish.resubmit') : t('finish.button')));
    this.element = h('section', {
      class: ['view', 'view-capture', !this.isEditable && 'is-readonly'], 'data-testid': 'capture-screen',
      'data-visit-id': visit.id, 'data-state': visit.state,
    },
    this.statusbar,
    this.head(),
    this.statePanel(),
    this.nav(),
    instrument.dimensions.map((dimension) => this.dimensionSection(dimension)),
    this.isEditable ? [this.missing.element, h('div', { class: 'finish-bar' }, this.finishButton)] : null);
    this.renderProgress();
    this.renderGps();
  }

  /** Listens to the phone's position (while sampling) and to the outbox (a sent visit's state). */
  start() {
    this.followStickyHeight();
    if (this.isSampling) this.samplePositions();
    const onVisitEvent = (event) => {
      if (event.detail.visit_id === this.visit.id && !this.isEditable) this.refreshState();
    };
    this.ctx.outbox.addEventListener('visit', onVisitEvent);
    this.cleanups.push(() => this.ctx.outbox.removeEventListener('visit', onVisitEvent));
  }

  stop() {
    for (const cleanup of this.cleanups) cleanup();
    this.save();
    for (const url of this.thumbUrls.values()) URL.revokeObjectURL(url);
  }

  // ---- saving: every change is written at once (typing: after a short pause) ----------------------------------

  scheduleSave(delay_ms = 0) {
    this.saving.isPending = true;
    clearTimeout(this.saving.timer);
    this.saving.timer = setTimeout(() => this.save(), delay_ms);
  }

  save() {
    const { saving } = this;
    clearTimeout(saving.timer);
    if (!saving.isPending) return saving.chain;
    saving.isPending = false;
    const { answers, positions } = this.visit; // never changed in place: what is written is this moment's
    saving.chain = saving.chain
      .then(() => db.updateVisit(this.visit.id, (stored) => ({ ...stored, answers, positions })))
      .then(() => this.ctx.setStorageFull(false), (error) => {
        saving.isPending = true; // kept in memory; the next change or flush writes it again
        if (error instanceof db.StorageFullError) this.ctx.setStorageFull(true);
        else console.error('save failed', error);
      });
    return saving.chain;
  }

  async flush() {
    await this.save();
    await Promise.allSettled([...this.photoJobs.pending]);
  }

  // ---- answers ------------------------------------------------------------------------------------------------

  setAnswer(indicator, change, delay_ms = 0) {
    this.visit = withAnswer(this.visit, indicator.id, change, isoWithOffset());
    this.scheduleSave(delay_ms);
    this.cards.get(indicator.id).update();
    for (const card of this.cards.values()) if (card.dependsOn === indicator.id) card.update();
    this.afterChange();
  }

  /** What every change may move: progress, the dimension counts, and the missing list while it is shown. */
  afterChange() {
    this.renderProgress();
    if (this.missing.isShown) this.missing.show(missingItems(this.visit, this.photos, this.instrument));
  }

  // ---- photos -------------------------------------------------------------------------------------------------

  thumbUrl(photo) {
    const blob = photo.thumb || photo.blob;
    if (!blob) return null;
    if (!this.thumbUrls.has(photo.id)) this.thumbUrls.set(photo.id, URL.createObjectURL(blob));
    return this.thumbUrls.get(photo.id);
  }

  /** Prepares and stores a photo, one at a time: two 12 MP decodes at once can exhaust a cheap phone's memory. */
  takePhoto(indicator, file, status) {
    status.textContent = t('photo.processing');
    status.dataset.state = 'processing';
    const job = this.photoJobs.queue.then(() => this.storePhoto(indicator, file));
    this.photoJobs.queue = job.catch(() => {});
    this.photoJobs.pending.add(job);
    job.then((prepared) => {
      const warnings = photoWarnings(prepared, this.visit, this.unit, Date.now()).map(photoWarningText);
      status.textContent = [t('photo.saved'), ...warnings].join(' ');
      status.dataset.state = warnings.length ? 'warning' : 'saved';
      this.ctx.setStorageFull(false);
    }, (error) => {
      status.dataset.state = 'error';
      status.textContent = photoErrorText(error);
    }).finally(() => {
      this.photoJobs.pending.delete(job);
      this.cards.get(indicator.id).update();
      this.afterChange();
    });
  }

  async storePhoto(indicator, file) {
    if (!(await storage.hasRoomForPhoto(file.size))) throw new db.StorageFullError();
    const prepared = await preparePhoto(file);
    const photo = newPhoto({
      id: newUuid(), visit: this.visit, indicatorId: indicator.id, prepared, position: this.ctx.positions.recent(),
      at: new Date().toISOString(),
    });
    await db.addPhoto(photo);
    this.photos = [...this.photos, photo];
    return prepared;
  }

  async deletePhoto(indicator, photo) {
    if (!window.confirm(t('photo.delete_confirm'))) return;
    await db.deleteUnsentPhoto(photo.id);
    this.photos = this.photos.filter((item) => item.id !== photo.id);
    URL.revokeObjectURL(this.thumbUrls.get(photo.id));
    this.thumbUrls.delete(photo.id);
    this.cards.get(indicator.id).update();
    this.afterChange();
  }

  // ---- position and progress ----------------------------------------------------------------------------------

  samplePositions() {
    const { positions } = this.ctx;
    const onPosition = (event) => {
      const next = withPosition(this.visit, event.detail);
      if (next !== this.visit) {
        this.visit = next;
        this.scheduleSave(0);
      }
      this.renderGps();
    };
    const onError = () => this.renderGps();
    positions.addEventListener('position', onPosition);
    positions.addEventListener('position-error', onError);
    const release = positions.acquire();
    if (positions.recent(RECENT_FIX_MS)) onPosition({ detail: positions.latest });
    positions.requestFix();
    const fixTimer = setInterval(() => positions.requestFix(), FIX_INTERVAL_MS);
    this.cleanups.push(() => {
      clearInterval(fixTimer);
      release();
      positions.removeEventListener('position', onPosition);
      positions.removeEventListener('position-error', onError);
    });
  }

  renderGps() {
    const { gpsBar, isSampling, unit } = this;
    const position = isSampling ? this.ctx.positions.latest : bestPosition(this.visit.positions);
    gpsBar.replaceChildren(icon('pin'));
    if (!position) {
      const error = isSampling ? this.ctx.positions.error : null;
      gpsBar.dataset.quality = error ? 'none' : 'searching';
      delete gpsBar.dataset.accuracyM;
      gpsBar.append(error ? t(`position.error_${error}`) : t(isSampling ? 'gps.searching' : 'gps.none_recorded'));
      return;
    }
    gpsBar.dataset.quality = gpsQuality(position.accuracy_m);
    gpsBar.dataset.accuracyM = String(position.accuracy_m);
    const accuracy = formatDistance(position.accuracy_m);
    const text = h('span', {}, t(isSampling ? 'gps.accuracy' : 'gps.best_accuracy', { accuracy }));
    if (isValidLatLon(unit.lat, unit.lon)) {
      const away_m = distance_m(position, unit);
      const isOutside = Number.isFinite(unit.geofence_m) && away_m > unit.geofence_m + position.accuracy_m;
      gpsBar.dataset.outside = String(isOutside);
      text.append(' · ', h('span', { class: isOutside ? 'gps-outside' : null },
        t(isOutside ? 'gps.outside_unit' : 'gps.from_unit', { distance: formatDistance(away_m) })));
    }
    text.append(` · ${t('gps.samples', { n: this.visit.positions.length })}`);
    gpsBar.append(text);
  }

  renderProgress() {
    const { visit, photos, instrument } = this;
    const p = progress(visit, photos, instrument);
    this.progressText.textContent = p.photos_total
      ? t('capture.progress',
        { answered: p.answered, total: p.answers_total, photos: p.photos_done, photos_total: p.photos_total })
      : t('capture.progress_no_photos', { answered: p.answered, total: p.answers_total });
    const total = p.answers_total + p.photos_total;
    this.progressBar.value = total ? (p.answered + p.photos_done) / total : 0;
    for (const dimension of instrument.dimensions) {
      const relevant = dimension.indicators.filter((indicator) => isRelevant(indicator, visit.answers));
      const done = relevant.filter((indicator) => isIndicatorComplete(indicator, visit, photos)).length;
      const button = this.navButtons.get(dimension.id);
      button.querySelector('.nav-count').textContent = `${done}/${relevant.length}`;
      button.dataset.complete = String(done === relevant.length);
    }
  }

  /**
   * Keeps `--sticky-h` on the screen at the height of the bars that stay on top (the header and this screen's GPS and
   * progress bar, two or three lines as the text wraps), so what is scrolled to stops below them, not under them.
   */
  followStickyHeight() {
    const measure = () => {
      this.element.style.setProperty('--sticky-h', `${Math.ceil(this.statusbar.getBoundingClientRect().height)}px`);
    };
    measure();
    if (!globalThis.ResizeObserver) return;
    const observer = new ResizeObserver(measure);
    observer.observe(this.statusbar);
    this.cleanups.push(() => observer.disconnect());
  }

  // ---- finishing ----------------------------------------------------------------------------------------------

  async finish() {
    this.finishButton.disabled = true;
    try {
      await this.flush();
      const missing = missingItems(this.visit, this.photos, this.instrument);
      if (missing.length) {
        this.missing.show(missing);
        this.missing.reveal();
        return;
      }
      if (this.isSampling && this.visit.positions.length === 0 && !this.isNoGpsConfirmed) {
        this.missing.askAboutGps(() => {
          this.isNoGpsConfirmed = true;
          this.finish();
        });
        this.missing.reveal();
        return;
      }
      await db.updateVisit(this.visit.id, (stored) => finishedVisit(stored, isoWithOffset()));
      this.ctx.outbox.kick('manual');
      this.ctx.toast(this.isCorrection ? t('finish.resubmitted') : t('finish.done'));
      this.ctx.navigate('#/');
    } catch (error) {
      if (error instanceof db.StorageFullError) this.ctx.setStorageFull(true);
      else throw error;
    } finally {
      this.finishButton.disabled = false;
    }
  }

  // ---- layout -------------------------------------------------------------------------------------------------

  head() {
    const { unit, visit } = this;
    const isRevision = visit.revision > 1 || this.isCorrection;
    const revision = isRevision ? ` · ${t('capture.revision', { n: visit.revision })}` : '';
    return h('div', { class: 'capture-head' },
      h('h2', { class: 'capture-unit' }, unit.name || t('capture.title')),
      h('p', { class: 'meta' }, [unit.agency, unit.address].filter(Boolean).join(' · ')),
      h('p', { class: 'meta' }, t('capture.started_at', { time: formatDateTime(visit.started_at) }), revision));
  }

  nav() {
    return h('nav', { class: 'dimension-nav', 'aria-label': t('capture.dimensions_label') },
      this.instrument.dimensions.map((dimension) => {
        const button = h('button', {
          type: 'button', class: 'chip', 'data-testid': `dimension-nav-${dimension.id}`,
          on: { click: () => this.element.querySelector(`#dimension-${dimension.id}`).scrollIntoView() },
        },
        h('span', { class: 'chip-label' }, `${dimension.id} · ${tx(dimension.title)}`), ' ',
        h('span', { class: 'nav-count' }));
        this.navButtons.set(dimension.id, button);
        return button;
      }));
  }

  dimensionSection(dimension) {
    return h('section', {
      class: 'dimension', id: `dimension-${dimension.id}`, 'data-testid': `dimension-${dimension.id}`,
      'aria-labelledby': `dimension-title-${dimension.id}`,
    },
    h('h2', { class: 'dimension-title', id: `dimension-title-${dimension.id}` },
      `${dimension.id}. ${tx(dimension.title)}`),
    dimension.indicators.map((indicator) => this.cards.get(indicator.id).element));
  }

  // ---- the state of a sent, refused or returned visit ---------------------------------------------------------

  statePanel() {
    const { visit } = this;
    if (visit.state === STATE.draft) return null;
    const parts = [h('p', {}, h('span', {
      class: `badge badge-${visit.state}`, 'data-testid': `visit-state-${visit.id}`, 'data-state': visit.state,
    }, visitStateText(visit)))];
    if (visit.finished_at) {
      parts.push(h('p', { class: 'meta' }, t('capture.finished_at', { time: formatDateTime(visit.finished_at) })));
    }
    if (visit.state === STATE.refused) parts.push(this.refusal());
    if (this.isCorrection && visit.review) parts.push(this.reviewPanel());
    return h('section', { class: ['card', 'state-panel', `state-${visit.state}`] }, parts);
  }

  refusal() {
    const { visit, ctx } = this;
    const problem = visit.sync.last_error || {};
    return [
      h('p', { class: 'refusal', 'data-testid': 'refusal-reason' }, refusalReason(problem)),
      problem.errors && problem.errors.length ? h('ul', { class: 'refusal-errors' }, problem.errors.map((error) =>
        h('li', {}, typeof error === 'string' ? error : `${error.field || ''} ${error.message || ''}`.trim()))) : null,
      h('button', {
        type: 'button', class: 'btn btn-primary btn-block', 'data-testid': 'retry-visit',
        on: {
          click: async () => {
            await ctx.outbox.retry(visit.id);
            ctx.navigate('#/');
          },
        },
      }, t('refused.retry')),
      editStateAfterRefusal(visit) ? h('button', {
        type: 'button', class: 'btn btn-secondary btn-block', 'data-testid': 'edit-visit',
        on: {
          click: async () => {
            await db.updateVisit(visit.id, reopenedVisit);
            ctx.navigate(`#/visit/${visit.id}`);
          },
        },
      }, t('refused.edit')) : null,
    ];
  }

  reviewPanel() {
    const { review } = this.visit;
    const commented = [...this.comments.keys()];
    return h('div', { class: 'review-panel', 'data-testid': 'review-panel' },
      h('h2', {}, t('review.title')),
      review.comment ? h('p', { 'data-testid': 'review-comment' }, review.comment) : null,
      commented.length ? [
        h('p', { class: 'meta' }, t('review.indicator_count', { n: commented.length })),
        h('ul', { class: 'review-jumps' }, commented.map((id) => h('li', {},
          h('button', { type: 'button', class: 'link-btn', on: { click: () => this.cards.get(id).focus() } }, id)))),
      ] : null);
  }

  /** A sent visit changes state while it is open (uploading → synced): show it. */
  async refreshState() {
    this.visit = await db.getVisit(this.visit.id);
    const badge = this.element.querySelector(`[data-testid="visit-state-${this.visit.id}"]`);
    if (badge) {
      badge.textContent = visitStateText(this.visit);
      badge.dataset.state = this.visit.state;
    }
  }
}

function photoWarningText(warning) {
  return warning.kind === 'time'
    ? t('photo.warn_time', { time: formatDateTime(warning.at) })
    : t('photo.warn_place', { distance: formatDistance(warning.distance_m) });
}

function photoErrorText(error) {
  if (error instanceof db.StorageFullError) return t('photo.storage_full');
  if (error instanceof PhotoUnreadableError) return t('photo.unreadable');
  console.error('photo failed', error);
  return t('photo.failed');
}
