// One instrument version as the surveyor will see it: each dimension and indicator with its text, guidance and
// answer buttons, in Bahasa Indonesia and English side by side (or one of them), plus what only an admin needs
// (weights, bands, reverse scoring, conditions). A missing English text is pointed out rather than hidden. The version
// downloads as an XLSForm workbook, to edit in a spreadsheet and upload as the next version.

import * as api from '../api.js';
import { alertSlot, noticeAlert, toast } from '../components/alert.js';
import { downloadFile } from '../components/download.js';
import { h, mount } from '../dom.js';
import { LANGUAGES, formatDateTime, formatNumber, t, tIn, tx } from '../i18n.js';
import { badge, button, loading, pageHeader, showLoadError, waveStatusBadge } from './common.js';

const MODES = ['both', ...LANGUAGES];

export async function render(main, { params }) {
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, body);
  let detail;
  try {
    detail = await api.get(`admin/instruments/${encodeURIComponent(params.key)}/${encodeURIComponent(params.version)}`);
  } catch (error) {
    const back = { href: '#/instruments', label: t('instruments.title') };
    mount(main, pageHeader(`${params.key} v${params.version}`, { back }), body);
    showLoadError(body, error);
    return;
  }
  const doc = detail.document;
  const preview = h('div', { class: 'instrument-preview' });
  let mode = 'both';
  const modeButtons = MODES.map((m) => h('button', {
    type: 'button', class: 'segment', 'aria-pressed': String(m === mode), dataset: { mode: m },
    on: { click: () => { mode = m; showPreview(); } },
  }, t(`instrument.mode.${m}`)));

  function showPreview() {
    modeButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === mode)));
    const languages = mode === 'both' ? LANGUAGES : [mode];
    preview.classList.toggle('two-languages', languages.length > 1);
    preview.replaceChildren(...doc.dimensions.map((dimension) => dimensionSection(dimension, languages, doc)));
  }

  const downloadAlerts = alertSlot();
  mount(main,
    pageHeader(tx(doc.title), {
      back: { href: '#/instruments', label: t('instruments.title') },
      subtitle: `${doc.key} · ${t('instruments.version')} ${doc.version}`,
      actions: [button(t('instrument.download_xlsform'),
        (event) => downloadXlsform(event.currentTarget, detail, downloadAlerts), { id: 'instrument-xlsform' })],
    }),
    downloadAlerts.element,
    h('section', { class: 'panel instrument-facts' },
      h('dl', { class: 'facts' },
        fact(t('instruments.indicators'), String(detail.indicator_count)),
        fact(t('instrument.dimensions'), String(doc.dimensions.length)),
        fact(t('instrument.languages'), formLanguages(doc).join(', ')),
        fact(t('instruments.created'), formatDateTime(detail.created_at)),
        fact(t('instrument.hash'), h('span', { class: 'mono small' }, detail.content_hash.slice(0, 16))),
        fact(t('instruments.waves'), detail.waves.length
          ? h('ul', { class: 'inline-list' }, detail.waves.map((wave) => h('li', {},
            h('a', { href: `#/waves/${wave.id}` }, wave.name), ' ', waveStatusBadge(wave.status))))
          : t('instrument.no_waves'))),
      detail.waves.length ? noticeAlert(t('instrument.immutable')) : null,
      doc.description ? h('p', {}, tx(doc.description)) : null),
    h('div', { class: 'preview-toolbar' },
      h('span', { class: 'field-label' }, t('instrument.show')),
      h('div', { class: 'segmented', role: 'group', 'aria-label': t('instrument.show') }, modeButtons)),
    preview);
  showPreview();
}

async function downloadXlsform(trigger, detail, alerts) {
  trigger.disabled = true;
  alerts.clear();
  try {
    const ref = `${encodeURIComponent(detail.key)}/${encodeURIComponent(detail.version)}`;
    const path = `admin/instruments/${ref}/xlsform.xlsx`;
    const name = await downloadFile(path, `${detail.key}-v${detail.version}.xlsx`);
    toast(t('instrument.downloaded', { name }));
  } catch (error) {
    alerts.showError(error);
  } finally {
    trigger.disabled = false;
  }
}

/**
 * The languages the checklist is written in: Bahasa Indonesia, English when any text has it, then the languages its
 * XLSForm had beyond those, kept with its groups, indicators, notes and choices (`label::Français (fr)` →
 * "Français (fr)").
 */
export function formLanguages(doc) {
  const indicators = doc.dimensions.flatMap((d) => d.indicators);
  const texts = [doc.title, ...doc.dimensions.map((d) => d.title), ...indicators.map((i) => i.text)];
  const withColumns = [...doc.dimensions, ...indicators, ...indicators.flatMap((i) => [...(i.notes || []),
    ...(i.choices || [])])];
  const kept = withColumns.flatMap((item) => Object.keys(item.xlsform || {}))
    .map((column) => /^label::(.+)$/.exec(column)?.[1]).filter(Boolean);
  const named = [t('instrument.mode.id'), ...(texts.some((text) => text?.en) ? [t('instrument.mode.en')] : [])];
  return [...named, ...new Set(kept)];
}

function fact(label, value) {
  return h('div', { class: 'fact' }, h('dt', {}, label), h('dd', {}, value));
}

function dimensionSection(dimension, languages, doc) {
  return h('section', { class: 'dimension', dataset: { dimension: dimension.id } },
    h('header', { class: 'dimension-head' },
      h('h2', {}, h('span', { class: 'mono' }, dimension.id), ' ', tx(dimension.title)),
      h('span', { class: 'muted' }, t('instrument.weight', { w: formatNumber(dimension.weight) }))),
    dimension.indicators.map((indicator) => indicatorCard(indicator, languages, doc)));
}

function indicatorCard(indicator, languages, doc) {
  return h('article', { class: 'indicator', dataset: { indicator: indicator.id } },
    h('header', { class: 'indicator-head' },
      h('span', { class: 'mono indicator-id' }, indicator.id),
      adminBadges(indicator, doc)),
    h('div', { class: 'indicator-languages' },
      languages.map((lang) => phoneView(indicator, lang))));
}

function adminBadges(indicator, doc) {
  const items = [badge(t(`indicator.type.${indicator.type}`), 'info')];
  if (indicator.type !== 'text') items.push(badge(t('instrument.weight', { w: formatNumber(indicator.weight) })));
  items.push(badge(t(indicator.required ? 'indicator.required' : 'indicator.optional'), 'neutral'));
  if (indicator.photo !== 'none') {
    items.push(badge(t(`indicator.photo.${indicator.photo}`), indicator.photo === 'required' ? 'warning' : 'neutral'));
  }
  if (indicator.allow_na) items.push(badge(t('indicator.allow_na'), 'neutral'));
  if (indicator.reverse) items.push(badge(t('indicator.reverse'), 'danger'));
  if (indicator.relevant) {
    const source = doc.dimensions.flatMap((d) => d.indicators).find((i) => i.id === indicator.relevant.indicator);
    items.push(badge(t('indicator.relevant', {
      indicator: indicator.relevant.indicator, value: answerLabel(source, indicator.relevant.equals) }), 'neutral'));
  }
  if (indicator.bands?.length) items.push(h('span', { class: 'bands' }, bandsText(indicator)));
  return h('div', { class: 'badges' }, items);
}

function answerLabel(indicator, value) {
  const worded = indicator?.type === 'yes_no' && indicator.choices?.find((c) => c.score === (value ? 1 : 0));
  if (worded) return tx(worded.label);
  if (indicator?.type === 'yes_no') return value ? t('answer.yes') : t('answer.no');
  const choice = indicator?.choices?.find((c) => c.value === value);
  return choice ? tx(choice.label) : String(value);
}

function bandsText(indicator) {
  const unit = indicator.unit ? ` ${indicator.unit}` : '';
  return indicator.bands.map((band) => (band.max === null || band.max === undefined
    ? t('indicator.band_rest', { score: formatNumber(band.score) })
    : t('indicator.band', { max: formatNumber(band.max), unit, score: formatNumber(band.score) }))).join(' · ');
}

/** What the phone shows for one indicator in one language. */
function phoneView(indicator, lang) {
  const text = indicator.text[lang];
  const guidance = indicator.guidance?.[lang];
  const missing = !text;
  return h('div', { class: ['phone-view', missing ? 'untranslated' : null], lang, dataset: { lang } },
    h('p', { class: 'phone-lang muted small' }, t(`language.${lang}`)),
    h('p', { class: 'phone-text' }, text || tx(indicator.text, 'id'),
      indicator.required ? h('span', { class: 'required-mark', 'aria-hidden': 'true' }, ' *') : null),
    missing ? h('p', { class: 'untranslated-note small' }, t('instrument.untranslated')) : null,
    guidance ? h('p', { class: 'phone-guidance small' }, guidance) : null,
    h('div', { class: 'phone-answer' }, answerControls(indicator, lang)),
    indicator.photo !== 'none'
      ? h('p', { class: `phone-photo phone-photo-${indicator.photo} small` },
        tIn(lang, `phone.photo.${indicator.photo}`))
      : null);
}

function answerControls(indicator, lang) {
  const option = (label) => h('span', { class: 'answer-option' }, label);
  const na = indicator.allow_na ? option(tIn(lang, 'phone.not_applicable')) : null;
  switch (indicator.type) {
    case 'yes_no': {
      // A yes/no worded by its form ("Ada" / "Tidak ada") carries its wording as choices scored 1 and 0.
      const worded = (score) => indicator.choices?.find((c) => c.score === score)?.label;
      const label = (score, key) => (worded(score) ? worded(score)[lang] || worded(score).id : tIn(lang, key));
      return [option(label(1, 'phone.yes')), option(label(0, 'phone.no')), na];
    }
    case 'scale_0_3':
      return [...[0, 1, 2, 3].map((n) => option(String(n))), na];
    case 'choice':
      return [h('ol', { class: 'choice-list' }, (indicator.choices || []).map((choice) => h('li', {},
        option(choice.label[lang] || choice.label.id)))), na];
    case 'number':
      return [h('span', { class: 'answer-number' }, '123'), indicator.unit ? ` ${indicator.unit}` : '', na];
    default:
      return h('span', { class: 'answer-text' }, tIn(lang, 'phone.text_placeholder'));
  }
}
