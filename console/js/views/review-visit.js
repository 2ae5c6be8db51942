// One visit under review: every answer beside its photos, grouped by dimension, with a comment box per answer; the
// integrity flags explained in plain language; the positions on a map against the unit's geofence; time on site,
// distance, revision history and earlier reviews; and the decision bar (approve a · return r · reject x).
//
// The page opens with one line on how strong the evidence is and which flags make it so.
//
// The decision sends the revision and the status the supervisor looked at, so a decision about evidence they never
// saw — a newer revision, or another supervisor's decision meanwhile — is refused (409) and shown with a reload button.

import * as api from '../api.js';
import { alertSlot, errorAlert, toast } from '../components/alert.js';
import { cancelButton, openDialog } from '../components/dialog.js';
import { openLightbox } from '../components/lightbox.js';
import { createMap } from '../components/map.js';
import { openingHours } from '../components/opening-hours.js';
import { createPhotoLoader, thumbnail } from '../components/photos.js';
import { formatScore, resultBadges } from '../components/zones.js';
import { h, mount } from '../dom.js';
import { formatNumber, getLanguage, hasString, t, tx } from '../i18n.js';
import { navigate } from '../router.js';
import { formatDateTimeIn, formatSpanIn, formatTimeIn } from '../times.js';
import { badge, loading, pageHeader, showLoadError } from './common.js';
import {
  evidenceLine, flagChip, flagLabel, flagMeasurement, formatDistance, formatDuration, isTypingTarget, queueContext,
  severityBadge, visitStatusBadge,
} from './review-common.js';

const DECISIONS = [
  { key: 'approve', shortcut: 'a', kind: 'primary approve' },
  { key: 'return', shortcut: 'r', kind: 'return' },
  { key: 'reject', shortcut: 'x', kind: 'danger' },
];

export async function render(main, { params }) {
  const context = queueContext(params.visitId);
  const back = { href: context.queueHref, label: t('review.back_to_queue') };
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('review.visit'), { back }), body);
  let visit;
  try {
    visit = await api.get(`review/visits/${params.visitId}`);
  } catch (error) {
    showLoadError(body, error);
    return undefined;
  }
  const loader = createPhotoLoader();
  const page = new VisitPage(visit, loader, context);
  mount(main, page.header(back), page.element);
  const cleanups = [() => loader.revokeAll(), page.bindKeys()];
  const map = await page.drawMap();
  if (map) cleanups.push(() => map.destroy());
  return () => cleanups.forEach((cleanup) => cleanup());
}

class VisitPage {
  constructor(visit, loader, context) {
    this.visit = visit;
    this.loader = loader;
    this.context = context;
    this.language = getLanguage();
    // Every moment of the visit reads in its unit's zone (the region's), next to the unit's local opening hours.
    this.timeZone = visit.region.timezone;
    this.commentBoxes = new Map();
    this.lightboxItems = this.collectPhotos();
    this.slot = alertSlot();
    this.mapHost = h('div', { class: 'map-visit', id: 'visit-map' });
    this.buttons = {};
    this.element = h('div', { class: 'visit-page', dataset: { visit: visit.id, status: visit.status,
      revision: String(visit.revision) } },
    this.summary(),
    h('div', { class: 'columns visit-columns' }, this.flagsPanel(), this.mapPanel()),
    this.answersSection(),
    this.otherPhotos(),
    h('div', { class: 'columns' }, this.revisionsPanel(), this.reviewsPanel()),
    this.decisionBar());
  }

  header(back) {
    const { visit } = this;
    const subtitle = [visit.agency.name, visit.region.name, visit.wave.name].join(' · ');
    const actions = [];
    if (this.context.previousId) {
      actions.push(h('a', { class: 'button small', href: `#/review/${this.context.previousId}` },
        `← ${t('review.previous_visit')}`));
    }
    if (this.context.nextId) {
      actions.push(h('a', { class: 'button small', href: `#/review/${this.context.nextId}` },
        `${t('review.next_visit')} →`));
    }
    const headerElement = pageHeader(visit.unit.name, { back, subtitle, actions });
    headerElement.querySelector('h1').append(' ', visitStatusBadge(visit.status));
    return headerElement;
  }

  // --- facts --------------------------------------------------------------------------------------------------

  summary() {
    const { visit } = this;
    const outside = visit.nearest_distance_m !== null && visit.positions.length
      && !visit.positions.some((p) => p.is_within_geofence);
    const storedPhotos = this.lightboxItems.filter((item) => item.photo.is_stored).length;
    const fact = (label, value, extra = {}) => h('div', { class: ['fact', extra.bad ? 'fact-bad' : null],
      dataset: extra.dataset }, h('dt', {}, label), h('dd', {}, value));
    return h('section', { class: 'panel visit-summary' },
      visit.evidence ? evidenceLine(visit.evidence) : null,
      h('dl', { class: 'facts' },
        fact(t('review.surveyor'), visit.surveyor.display_name),
        fact(t('review.when'), formatSpanIn(visit.started_at, visit.finished_at, this.timeZone),
          { dataset: { fact: 'when' } }),
        fact(t('review.time_on_site'), formatDuration(visit.time_on_site_s), { dataset: { fact: 'time-on-site' } }),
        fact(t('review.distance'), visit.nearest_distance_m === null ? t('review.no_position')
          : t('review.distance_value', { distance: formatDistance(visit.nearest_distance_m),
            geofence: formatDistance(visit.unit.geofence_m) }), { bad: outside, dataset: { fact: 'distance' } }),
        fact(t('review.photos'),
          t('review.photos_value', { stored: storedPhotos, declared: this.lightboxItems.length })),
        fact(t('review.revision'), String(visit.revision)),
        fact(t('review.client'), visit.client ?? t('review.client_pwa'), { dataset: { fact: 'client' } }),
        fact(t('review.received'), formatDateTimeIn(visit.first_received_at, this.timeZone),
          { dataset: { fact: 'received' } }),
        fact(t('review.window'), formatSpanIn(visit.assignment.window_start, visit.assignment.window_end,
          this.timeZone), { dataset: { fact: 'window' } }),
        visit.unit.opening_hours ? fact(t('units.opening_hours'), openingHours(visit.unit.opening_hours),
          { dataset: { fact: 'opening-hours' } }) : null,
        visit.score ? fact(t('review.score'), h('span', { class: 'score-line' },
          h('strong', {}, formatScore(visit.score.total)), ' ',
          resultBadges({ score: visit.score.total, ...visit.score },
            visit.wave.profile_key === 'panrb-ipp' ? 'ipp' : 'zones')))
          : null));
  }

  // --- flags and map ------------------------------------------------------------------------------------------

  flagsPanel() {
    const { flags } = this.visit;
    const groups = groupFlags(flags);
    return h('section', { class: 'panel flags-panel', id: 'visit-flags' },
      h('div', { class: 'panel-head' }, h('h2', {}, t('review.flags')),
        h('span', { class: 'muted small' }, t('review.flags_count', { n: flags.length }))),
      flags.length ? null : h('p', { class: 'muted' }, t('review.no_flags_on_visit')),
      h('ul', { class: 'flag-list' }, groups.map((group) => this.flagItem(group))),
      h('p', { class: 'muted small' }, t('review.flags_are_hints')));
  }

  /** One flag code with its explanation once, then what was measured each time it was raised (per photo). */
  flagItem({ code, severity, explanation, occurrences }) {
    const measured = occurrences.map((flag) => {
      const photoAt = flag.photo_id ? this.lightboxItems.findIndex((item) => item.photo.id === flag.photo_id) : -1;
      return h('li', {}, flagMeasurement(flag),
        photoAt >= 0 ? [' ', h('button', {
          type: 'button', class: 'link-button small', dataset: { photo: flag.photo_id },
          on: { click: () => this.openPhoto(photoAt) } },
        t('review.flag_photo', { indicator: this.lightboxItems[photoAt].photo.indicator }))] : null);
    });
    return h('li', { class: `flag-item flag-item-${severity}`, dataset: { flag: code } },
      h('div', { class: 'flag-item-head' }, flagChip(code, severity, occurrences.length), severityBadge(severity)),
      h('p', { class: 'flag-explanation' }, explanation[this.language] || explanation.id),
      h('div', { class: 'flag-detail small' }, h('span', { class: 'muted' }, `${t('review.measured')}:`),
        h('ul', { class: 'flag-measured' }, measured)));
  }

  mapPanel() {
    return h('section', { class: 'panel map-panel' },
      h('div', { class: 'panel-head' }, h('h2', {}, t('review.map'))),
      this.mapHost,
      h('ul', { class: 'map-legend small' },
        h('li', {}, h('span', { class: 'legend-dot legend-unit' }), t('review.legend_unit', {
          geofence: formatDistance(this.visit.unit.geofence_m) })),
        h('li', {}, h('span', { class: 'legend-dot legend-position' }), t('review.legend_position')),
        h('li', {}, h('span', { class: 'legend-dot legend-warning' }), t('review.legend_outside')),
        h('li', {}, h('span', { class: 'legend-dot legend-photo' }), t('review.legend_photo'))));
  }

  mapPoints() {
    const { visit } = this;
    const points = [];
    if (visit.unit.lat !== null && visit.unit.lon !== null) {
      points.push({ lat: visit.unit.lat, lon: visit.unit.lon, radius_m: visit.unit.geofence_m, tone: 'unit',
        kind: 'unit', label: `${visit.unit.name} · ${t('review.geofence')} ${formatDistance(visit.unit.geofence_m)}` });
    }
    // Photos first, so the phone's own positions (what geo.outside is about) are drawn on top of them.
    for (const { photo } of this.lightboxItems) {
      const lat = photo.exif_lat ?? photo.lat;
      const lon = photo.exif_lon ?? photo.lon;
      if (lat === null || lat === undefined || lon === null || lon === undefined) continue;
      points.push({ lat, lon, tone: 'photo', kind: 'photo', size: 9,
        label: t('review.photo_label', { indicator: photo.indicator,
          time: formatTimeIn(photo.exif_taken_at || photo.taken_at, this.timeZone) }) });
    }
    for (const position of visit.positions) {
      points.push({
        lat: position.lat, lon: position.lon, tone: position.is_within_geofence === false ? 'warning' : 'position',
        kind: 'position',
        label: t('review.position_label', { n: position.seq + 1, time: formatTimeIn(position.at, this.timeZone),
          accuracy: formatDistance(position.accuracy_m), distance: formatDistance(position.distance_to_unit_m) }),
      });
    }
    return points;
  }

  async drawMap() {
    if (!this.mapHost.isConnected) return null;
    return createMap(this.mapHost, { points: this.mapPoints() });
  }

  // --- answers ------------------------------------------------------------------------------------------------

  collectPhotos() {
    const items = [];
    for (const answer of this.visit.answers) {
      for (const photo of answer.photos) items.push({ photo, answer });
    }
    for (const photo of this.visit.other_photos) items.push({ photo, answer: null });
    return items.map((item) => ({ ...item, caption: this.photoCaption(item), details: this.photoDetails(item) }));
  }

  photoCaption({ photo, answer }) {
    const text = answer ? tx(answer.text, this.language) : t('review.unknown_indicator');
    return answer
      ? `${photo.indicator} — ${text} · ${answerText(answer, this.language)}`
      : `${photo.indicator} — ${text}`;
  }

  photoDetails({ photo }) {
    const takenAt = photo.exif_taken_at || photo.taken_at;
    const parts = [t('review.photo_taken', { time: formatDateTimeIn(takenAt, this.timeZone) })];
    if (photo.exif_make || photo.exif_model) parts.push([photo.exif_make, photo.exif_model].filter(Boolean).join(' '));
    if (photo.width && photo.height) parts.push(`${photo.width}×${photo.height}`);
    if (photo.flags.length) parts.push(photo.flags.map(flagLabel).join(', '));
    return parts.join(' · ');
  }

  openPhoto(index) {
    openLightbox(this.lightboxItems, index, this.loader);
  }

  thumbFor(photo) {
    const index = this.lightboxItems.findIndex((item) => item.photo.id === photo.id);
    const serious = photo.flags.filter((code) => this.flagSeverity(code, photo.id) !== 'info');
    return thumbnail(photo, this.loader, {
      onOpen: () => this.openPhoto(index), label: this.lightboxItems[index].caption, flagLabels: serious.map(flagLabel),
    });
  }

  flagSeverity(code, photoId) {
    return this.visit.flags.find((f) => f.code === code && f.photo_id === photoId)?.severity || 'warning';
  }

  answersSection() {
    const { visit } = this;
    const changed = new Set(visit.revisions.at(-1)?.changed_indicators || []);
    const earlier = earlierIndicatorComments(visit.reviews);
    return h('section', { class: 'answers', id: 'visit-answers' },
      h('div', { class: 'answers-head' }, h('h2', {}, t('review.answers')),
        h('span', { class: 'muted small' }, t('review.answers_hint'))),
      visit.dimensions.map((dimension) => {
        const answers = visit.answers.filter((answer) => answer.dimension === dimension.id);
        const dimensionScore = visit.score?.dimensions?.[dimension.id];
        return h('section', { class: 'dimension answers-dimension', dataset: { dimension: dimension.id } },
          h('div', { class: 'dimension-head' },
            h('h3', {}, `${dimension.id}. ${tx(dimension.title, this.language)}`),
            h('span', { class: 'muted small' }, t('instrument.weight', { w: formatNumber(dimension.weight) }),
              dimensionScore !== undefined && dimensionScore !== null
                ? h('strong', { class: 'dimension-score' }, ` · ${formatScore(dimensionScore)}`) : null)),
          answers.map((answer) => this.answerRow(answer, changed.has(answer.indicator),
            earlier.get(answer.indicator))));
      }));
  }

  answerRow(answer, isChanged, earlierComments = []) {
    const tone = answerTone(answer);
    const box = h('textarea', {
      class: 'comment-box', rows: '1', id: `comment-${answer.indicator}`, dataset: { indicator: answer.indicator },
      'aria-label': t('review.comment_for', { indicator: answer.indicator }),
      placeholder: t('review.comment_placeholder'),
      disabled: !this.visit.allowed_decisions.length,
      on: { input: () => this.updateCommentCount(), keydown: blurOnEscape },
    });
    this.commentBoxes.set(answer.indicator, box);
    const missingPhoto = answer.photo_requirement === 'required' && !answer.photos.length && !answer.not_applicable;
    return h('article', {
      class: ['answer-row', tone ? `answer-${tone}` : null, isChanged ? 'answer-changed' : null],
      id: `answer-${answer.indicator}`, dataset: { indicator: answer.indicator },
    },
    h('div', { class: 'answer-main' },
      h('div', { class: 'answer-title' }, h('span', { class: 'indicator-id' }, answer.indicator), ' ',
        h('span', { class: 'answer-text-label' }, tx(answer.text, this.language)),
        isChanged ? badge(t('review.changed'), 'info') : null),
      h('div', { class: 'answer-value-line' },
        h('span', {
          class: ['answer-value', tone ? `tone-${tone}` : null], dataset: { value: JSON.stringify(answer.value) },
        }, answerText(answer, this.language)),
        answer.score !== null && answer.score !== undefined
          ? h('span', { class: 'muted small' }, t('review.indicator_score', { score: formatScore(answer.score) }))
          : null,
        answer.weight === 0 ? h('span', { class: 'muted small' }, t('review.not_scored')) : null,
        answer.guidance ? h('details', { class: 'answer-guidance small' }, h('summary', {}, t('review.guidance')),
          h('p', {}, tx(answer.guidance, this.language))) : null),
      answer.note
        ? h('p', { class: 'answer-note' }, h('span', { class: 'muted' }, `${t('review.note')}: `), answer.note)
        : null),
    h('div', { class: 'answer-photos' },
      answer.photos.map((photo) => this.thumbFor(photo)),
      missingPhoto ? h('span', { class: 'photo-missing-note small' }, t('review.photo_required_missing')) : null,
      !answer.photos.length && !missingPhoto ? h('span', { class: 'muted small' }, t('review.no_photo')) : null),
    h('div', { class: 'answer-comment' }, box,
      earlierComments.map((comment) => h('p', { class: 'earlier-comment small' },
        h('span', { class: 'muted' }, t('review.earlier_comment', { revision: comment.revision,
          name: comment.reviewer, decision: t(`decision.past.${comment.decision}`) })), ' ', comment.text))));
  }

  otherPhotos() {
    const photos = this.visit.other_photos;
    if (!photos.length) return null;
    return h('section', { class: 'panel' }, h('h2', {}, t('review.other_photos')),
      h('p', { class: 'muted small' }, t('review.other_photos_hint')),
      h('div', { class: 'answer-photos' }, photos.map((photo) => this.thumbFor(photo))));
  }

  // --- history ------------------------------------------------------------------------------------------------

  revisionsPanel() {
    const { revisions } = this.visit;
    return h('section', { class: 'panel', id: 'visit-revisions' }, h('h2', {}, t('review.revisions')),
      h('ol', { class: 'history' }, revisions.map((revision) => h('li',
        { dataset: { revision: String(revision.revision) } },
        h('strong', {}, t('review.revision_n', { n: revision.revision })), ' · ',
        h('span', { class: 'muted' }, formatDateTimeIn(revision.received_at, this.timeZone)),
        revision.changed_indicators === null ? h('span', { class: 'muted small' }, ` · ${t('review.first_revision')}`)
          : h('div', { class: 'small' }, revision.changed_indicators.length
            ? [t('review.changed_indicators'), ' ', revision.changed_indicators.map((indicator) => h('button', {
              type: 'button', class: 'link-button small', on: { click: () => this.scrollToAnswer(indicator) },
            }, indicator))]
            : t('review.nothing_changed'))))));
  }

  reviewsPanel() {
    const { reviews } = this.visit;
    return h('section', { class: 'panel', id: 'visit-reviews' }, h('h2', {}, t('review.earlier_reviews')),
      reviews.length ? null : h('p', { class: 'muted' }, t('review.no_reviews')),
      h('ol', { class: 'history' }, reviews.map((review) => h('li', { dataset: { decision: review.decision } },
        h('div', {}, decisionBadge(review.decision), ' ', h('strong', {}, review.reviewer.display_name), ' · ',
          h('span', { class: 'muted' }, `${formatDateTimeIn(review.decided_at, this.timeZone)} · `
            + t('review.revision_n', { n: review.revision }))),
        review.comment ? h('p', { class: 'review-comment' }, review.comment) : null,
        review.indicator_comments.length ? h('ul', { class: 'indicator-comments small' },
          review.indicator_comments.map((comment) => h('li', {}, h('button', { type: 'button', class: 'link-button',
            on: { click: () => this.scrollToAnswer(comment.indicator) } }, comment.indicator), ': ', comment.text)))
          : null))));
  }

  scrollToAnswer(indicator) {
    const row = document.getElementById(`answer-${indicator}`);
    row?.scrollIntoView({ block: 'center', behavior: 'smooth' });
    this.commentBoxes.get(indicator)?.focus({ preventScroll: true });
  }

  // --- deciding -----------------------------------------------------------------------------------------------

  decisionBar() {
    const { visit } = this;
    this.generalComment = h('textarea', { id: 'decision-comment', class: 'comment-box general-comment', rows: '2',
      'aria-label': t('review.general_comment'), placeholder: t('review.general_comment_placeholder'),
      on: { input: () => this.updateCommentCount(), keydown: blurOnEscape } });
    this.commentCount = h('span', { class: 'muted small comment-count', 'aria-live': 'polite' });
    const allowed = new Set(visit.allowed_decisions);
    const buttons = DECISIONS.map((decision) => {
      const button = h('button', {
        type: 'button', class: decision.kind, id: `decide-${decision.key}`, disabled: !allowed.has(decision.key),
        'aria-keyshortcuts': decision.shortcut, on: { click: () => this.decide(decision.key) },
      }, t(`decision.${decision.key}`), h('kbd', {}, decision.shortcut));
      this.buttons[decision.key] = button;
      return button;
    });
    const closed = !allowed.size;
    this.updateCommentCount();
    if (closed) {
      // Nothing can be decided (published wave, returned or rejected visit): say why, without an idle comment box.
      return h('section', { class: 'decision-bar decision-bar-closed', 'aria-label': t('review.decision') },
        h('p', { class: 'decision-closed' }, visit.wave.status === 'published' ? t('review.decisions_frozen')
          : t('review.no_decision_allowed', { status: t(`visit.status.${visit.status}`) })),
        h('div', { class: 'decision-buttons' }, buttons));
    }
    return h('section', { class: 'decision-bar', 'aria-label': t('review.decision') },
      h('div', { class: 'decision-comment' },
        h('label', { for: 'decision-comment', class: 'field-label' }, t('review.general_comment')),
        this.generalComment, this.commentCount),
      h('div', { class: 'decision-side' },
        h('p', { class: 'muted small' }, t('review.decision_hint', { revision: visit.revision })),
        visit.client ? h('p', { class: 'muted small', dataset: { note: 'collect-return' } },
          t('review.collect_return_note')) : null,
        h('div', { class: 'decision-buttons' }, buttons),
        this.slot.element));
  }

  indicatorComments() {
    return [...this.commentBoxes].map(([indicator, box]) => ({ indicator, text: box.value.trim() }))
      .filter((comment) => comment.text);
  }

  updateCommentCount() {
    const n = this.indicatorComments().length;
    for (const [, box] of this.commentBoxes) {
      box.closest('.answer-row')?.classList.toggle('has-comment', Boolean(box.value.trim()));
    }
    if (this.commentCount) this.commentCount.textContent = n ? t('review.indicator_comment_count', { n }) : '';
  }

  bindKeys() {
    const onKey = (event) => {
      if (isTypingTarget(event)) return;
      const decision = DECISIONS.find((d) => d.shortcut === event.key.toLowerCase());
      if (!decision) return;
      event.preventDefault();
      const button = this.buttons[decision.key];
      if (button.disabled) {
        toast(t('review.decision_not_allowed', { decision: t(`decision.${decision.key}`) }));
        return;
      }
      button.focus();
      this.decide(decision.key);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }

  async decide(decision) {
    if (this.sending) return;
    this.slot.clear();
    const comment = this.generalComment.value.trim();
    const indicatorComments = this.indicatorComments();
    if (decision === 'return' && !comment && !indicatorComments.length) {
      this.slot.showNotice(t('review.return_needs_comment'), 'warning');
      this.generalComment.focus();
      return;
    }
    if (decision === 'reject' && !(await confirmReject(this.visit))) return;
    this.send({ decision, comment, indicatorComments });
  }

  async send({ decision, comment, indicatorComments }) {
    const { visit } = this;
    const wereDisabled = Object.fromEntries(
      Object.entries(this.buttons).map(([key, button]) => [key, button.disabled]));
    this.sending = true;
    Object.values(this.buttons).forEach((button) => { button.disabled = true; });
    try {
      await api.post(`review/visits/${visit.id}/decision`, {
        decision, revision: visit.revision, seen_status: visit.status,
        comment: comment || null, indicator_comments: indicatorComments,
      });
    } catch (error) {
      this.sending = false;
      // After a 409 the page shows a state that no longer holds: only reloading makes sense.
      if (error.status !== 409) {
        Object.entries(this.buttons).forEach(([key, button]) => { button.disabled = wereDisabled[key]; });
      }
      this.showFailure(error);
      return;
    }
    toast(t(`decision.done.${decision}`, { unit: visit.unit.name }));
    navigate(this.context.nextId ? `/review/${this.context.nextId}` : this.context.queueHref.replace(/^#/, ''));
  }

  showFailure(error) {
    if (error.status !== 409) {
      this.slot.showError(error);
      return;
    }
    const { problem } = error;
    let message = t('review.conflict_generic');
    if (error.code === 'wave.state') message = t('review.conflict_published');
    else if (problem.current_revision && problem.current_revision !== this.visit.revision) {
      message = t('review.conflict_revision', { seen: this.visit.revision, now: problem.current_revision });
    } else if (problem.current_status && problem.current_status !== this.visit.status) {
      message = t('review.conflict_status', { status: t(`visit.status.${problem.current_status}`) });
    }
    const reload = h('button', { type: 'button', class: 'primary', id: 'decision-reload',
      on: { click: () => navigate(`/review/${this.visit.id}`) } }, t('review.reload'));
    const box = errorAlert(error, { detail: message });
    box.id = 'decision-conflict';
    box.append(reload);
    this.slot.element.replaceChildren(box);
    reload.focus();
  }
}

// --- pure helpers ----------------------------------------------------------------------------------------------

function blurOnEscape(event) {
  // Escape leaves the comment box, so the decision shortcuts work again without reaching for the mouse.
  if (event.key === 'Escape') event.target.blur();
}

function decisionBadge(decision) {
  return badge(t(`decision.past.${decision}`), { approve: 'success', return: 'warning', reject: 'danger' }[decision]);
}

/** Flags of one code together (the server sorts them most severe first), keeping that order. */
function groupFlags(flags) {
  const groups = new Map();
  for (const flag of flags) {
    if (!groups.has(flag.code)) {
      groups.set(flag.code,
        { code: flag.code, severity: flag.severity, explanation: flag.explanation, occurrences: [] });
    }
    groups.get(flag.code).occurrences.push(flag);
  }
  return [...groups.values()];
}

/** indicator → the comments earlier reviews left on it, newest first. */
function earlierIndicatorComments(reviews) {
  const found = new Map();
  for (const review of [...reviews].reverse()) {
    for (const comment of review.indicator_comments) {
      if (!found.has(comment.indicator)) found.set(comment.indicator, []);
      found.get(comment.indicator).push({ text: comment.text, revision: review.revision,
        reviewer: review.reviewer.display_name, decision: review.decision });
    }
  }
  return found;
}

/** The answer as a person reads it: "Ya", "2 / 3", a choice's label, "12 menit", the text, or why there is none. */
export function answerText(answer, language) {
  if (!answer.is_answered) return t('review.unanswered');
  if (answer.not_applicable) return t('phone.not_applicable');
  const { value } = answer;
  switch (answer.type) {
    case 'yes_no': {
      // A yes/no worded by its form ("Ada" / "Tidak ada") carries its wording as choices scored 1 and 0.
      const worded = (answer.choices || []).find((c) => c.score === (value ? 1 : 0));
      return worded ? tx(worded.label, language) : value ? t('answer.yes') : t('answer.no');
    }
    case 'scale_0_3':
      return t('review.scale_value', { value });
    case 'choice': {
      const choice = (answer.choices || []).find((c) => c.value === value);
      return choice ? tx(choice.label, language) : String(value);
    }
    case 'number': {
      const unit = answer.unit && hasString(`unit.${answer.unit}`) ? t(`unit.${answer.unit}`) : (answer.unit || '');
      return `${formatNumber(value)}${unit ? ` ${unit}` : ''}`;
    }
    default:
      return value === null || value === undefined ? '–' : String(value);
  }
}

/**
 * How compliant an answer looks, for colour only: the stored indicator score once approved, else the same reading
 * of the value the scoring uses (docs/contract.md, "Scoring"). 'good' | 'partial' | 'bad' | null (not scored).
 */
function choiceScore(choices, value) {
  const scored = choices.filter((c) => c.score !== null && c.score !== undefined);
  if (scored.length) {
    const best = Math.max(...scored.map((c) => c.score));
    const chosen = scored.find((c) => c.value === value);
    return chosen && best > 0 ? chosen.score / best : null;
  }
  const values = choices.map((c) => c.value);
  return values.length > 1 ? values.indexOf(value) / (values.length - 1) : null;
}

export function answerTone(answer) {
  if (!answer.is_answered) return answer.required ? 'bad' : null;
  if (answer.not_applicable || answer.type === 'text' || answer.weight === 0) return null;
  let score = answer.score !== null && answer.score !== undefined ? Number(answer.score) : null;
  if (score === null) {
    const { value } = answer;
    if (answer.type === 'yes_no') score = value ? 1 : 0;
    else if (answer.type === 'scale_0_3') score = Number(value) / 3;
    else if (answer.type === 'choice') score = choiceScore(answer.choices || [], value);
    else if (answer.type === 'number') {
      const band = (answer.bands || []).find((b) => b.max === null || b.max === undefined || Number(value) <= b.max);
      score = band ? band.score : null;
    }
    if (score !== null && answer.reverse) score = 1 - score;
  }
  if (score === null || Number.isNaN(score)) return null;
  if (score >= 0.999) return 'good';
  return score <= 0.001 ? 'bad' : 'partial';
}

function confirmReject(visit) {
  return new Promise((resolve) => {
    let confirmed = false;
    const confirm = h('button', { type: 'button', class: 'primary danger', id: 'confirm-reject',
      on: { click: () => { confirmed = true; dialog.close(); } } }, t('decision.reject'));
    const dialog = openDialog({
      title: t('review.reject_title'),
      content: h('div', {}, h('p', {}, t('review.reject_confirm', { unit: visit.unit.name })),
        h('div', { class: 'form-actions' }, confirm, cancelButton())),
      onClose: () => resolve(confirmed),
    });
    confirm.focus();
  });
}
