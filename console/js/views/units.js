// Units (unit layanan): the table, create and edit (PATCH with only what changed), regions and agencies to hang
// them on, and a map of every unit with its geofence circle. CSV import has its own page (unit-import.js).

import * as api from '../api.js';
import { noticeAlert, toast } from '../components/alert.js';
import { cancelButton, openDialog } from '../components/dialog.js';
import { createForm } from '../components/form.js';
import { createMap } from '../components/map.js';
import { openingHours, openingHoursText } from '../components/opening-hours.js';
import { createTable } from '../components/table.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { badge, button, enableActions, linkButton, loading, pageHeader, showLoadError, tabs } from './common.js';

const TIMEZONES = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'];

export function hasCoordinates(unit) {
  return Number.isFinite(unit.lat) && Number.isFinite(unit.lon);
}

/** Coordinates the way GPS apps and spreadsheets write them (decimal point), whatever the console's language. */
export function formatCoordinates(unit) {
  return `${unit.lat.toFixed(5)}, ${unit.lon.toFixed(5)}`;
}

export function unitMapPoints(units) {
  return units.filter(hasCoordinates).map((unit) => ({
    id: unit.id, lat: unit.lat, lon: unit.lon, radius_m: unit.geofence_m, tone: 'unit',
    label: `${unit.name} — ${unit.agency.name}`,
  }));
}

export async function render(main) {
  const body = h('div', { class: 'page-body' }, loading());
  mount(main, pageHeader(t('units.title'), {
    subtitle: t('units.subtitle'),
    actions: [
      button(t('units.add_region'), () => regionDialog(reload)),
      button(t('units.add_agency'), () => agencyDialog(data, reload), { waiting: true }),
      linkButton(t('units.import'), '#/units/import'),
      button(t('units.add'), () => unitDialog(null, data, reload), { kind: 'primary', waiting: true }),
    ],
  }), body);

  const data = { units: [], agencies: [], regions: [] };
  let table = null;
  let map = null;
  const missing = h('div', { class: 'map-missing' });

  async function reload() {
    const [units, agencies, regions] = await Promise.all([
      api.get('admin/units'), api.get('admin/agencies'), api.get('admin/regions')]);
    Object.assign(data, { units, agencies, regions });
    if (!table) return;
    table.setRows(units);
    map?.setPoints(unitMapPoints(units));
    showMissing();
  }

  function showMissing() {
    const without = data.units.filter((unit) => !hasCoordinates(unit));
    mount(missing, without.length
      ? noticeAlert(t('units.without_coordinates', { n: without.length, names: without.map((u) => u.name).join(', ') }),
        'warning')
      : []);
  }

  try {
    await reload();
  } catch (error) {
    showLoadError(body, error);
    return undefined;
  }
  table = createTable({
    caption: t('units.title'),
    rows: data.units,
    empty: t('units.empty'),
    initialSort: { key: 'region' },
    rowData: (u) => ({ name: u.name }),
    columns: [
      { key: 'name', label: t('units.name') },
      { key: 'agency', label: t('units.agency'), value: (u) => u.agency.name },
      { key: 'region', label: t('units.region'), value: (u) => `${u.region.code} ${u.region.name}`,
        cell: (u) => h('span', {}, u.region.name, h('span', { class: 'muted small' }, ` ${u.region.code}`)) },
      { key: 'address', label: t('units.address') },
      { key: 'coordinates', label: t('units.coordinates'),
        value: (u) => (hasCoordinates(u) ? `${u.lat}, ${u.lon}` : ''),
        cell: (u) => (hasCoordinates(u)
          ? h('span', { class: 'mono' }, formatCoordinates(u))
          : badge(t('units.no_coordinates'), 'warning')) },
      { key: 'geofence_m', label: t('units.geofence_m'), numeric: true },
      // Filtering finds the hours as shown ("Jum") and as stored ("Fr").
      { key: 'opening_hours', label: t('units.opening_hours'),
        value: (u) => `${openingHoursText(u.opening_hours) ?? ''} ${u.opening_hours}`.trim(),
        cell: (u) => openingHours(u.opening_hours) },
      { key: 'actions', label: t('table.actions'), sortable: false, filterable: false,
        cell: (u) => button(t('form.edit'), () => unitDialog(u, data, reload),
          { kind: 'small', 'aria-label': `${t('form.edit')} ${u.name}` }) },
    ],
  });
  const mapHost = h('div', { class: 'map-large' });
  const view = tabs([
    { key: 'unit-list', label: t('units.tab_list'), panel: table.element },
    { key: 'unit-map', label: t('units.tab_map'), panel: [mapHost, missing] },
  ], {
    onShow: async (key) => {
      if (key !== 'unit-map') return;
      if (!map) map = await createMap(mapHost, { points: unitMapPoints(data.units) });
      else map.refresh();
    },
  });
  showMissing();
  mount(body, view.element);
  enableActions(main);
  return () => map?.destroy();
}

// --- dialogs -----------------------------------------------------------------------------------------------------

function agencyOptions(agencies) {
  return agencies.map((agency) => ({ value: agency.id, label: `${agency.name} — ${agency.region.name}` }));
}

function unitFields(unit, agencies) {
  return [
    { name: 'agency_id', label: t('units.agency'), type: 'select', required: true, value: unit?.agency.id,
      options: agencyOptions(agencies) },
    { name: 'name', label: t('units.name'), required: true, value: unit?.name, wide: true },
    { name: 'address', label: t('units.address'), value: unit?.address, wide: true },
    { name: 'lat', label: t('units.lat'), type: 'number', step: 'any', min: -90, max: 90, value: unit?.lat,
      hint: t('units.lat_hint') },
    { name: 'lon', label: t('units.lon'), type: 'number', step: 'any', min: -180, max: 180, value: unit?.lon },
    { name: 'geofence_m', label: t('units.geofence_m'), type: 'number', min: 1, step: 1, required: true,
      value: unit?.geofence_m ?? 100, hint: t('units.geofence_hint') },
    { name: 'opening_hours', label: t('units.opening_hours'), value: unit?.opening_hours,
      hint: t('units.opening_hours_hint'), wide: true },
  ];
}

/** The fields of `values` that differ from `unit` (lat/lon travel together, so both are sent if one changed). */
export function unitChanges(unit, values) {
  const changes = {};
  for (const name of ['agency_id', 'name', 'address', 'geofence_m', 'opening_hours']) {
    const before = name === 'agency_id' ? unit.agency.id : unit[name];
    if (values[name] !== before) changes[name] = values[name];
  }
  if (values.lat !== unit.lat || values.lon !== unit.lon) {
    changes.lat = values.lat;
    changes.lon = values.lon;
  }
  return changes;
}

function unitDialog(unit, data, reload) {
  if (!unit && !data.agencies.length) {
    openDialog({ title: t('units.add'), content: noticeAlert(t('units.need_agency'), 'warning') });
    return;
  }
  const form = createForm({
    className: 'form-grid',
    fields: unitFields(unit, data.agencies),
    submitLabel: unit ? t('form.save') : t('units.add'),
    cancel: cancelButton(),
    async onSubmit(values) {
      if (unit) {
        const changes = unitChanges(unit, values);
        return Object.keys(changes).length ? api.patch(`admin/units/${unit.id}`, changes) : unit;
      }
      return api.post('admin/units', { ...values, lat: values.lat, lon: values.lon });
    },
    async onSuccess(saved) {
      dialog.close();
      toast(t(unit ? 'units.saved' : 'units.created', { name: saved.name }));
      await reload();
    },
  });
  const dialog = openDialog({
    title: unit ? t('units.edit', { name: unit.name }) : t('units.add'), content: form.element, wide: true,
  });
}

function regionDialog(reload) {
  const form = createForm({
    fields: [
      { name: 'code', label: t('regions.code'), required: true, hint: t('regions.code_hint') },
      { name: 'name', label: t('regions.name'), required: true, hint: t('regions.name_hint') },
      { name: 'kind', label: t('regions.kind'), type: 'select', value: '',
        options: [{ value: '', label: t('regions.kind_auto') },
          ...['province', 'regency', 'city'].map((kind) => ({ value: kind, label: t(`regions.kind.${kind}`) }))] },
      { name: 'timezone', label: t('regions.timezone'), type: 'select', value: TIMEZONES[0],
        options: TIMEZONES.map((zone) => ({ value: zone, label: t(`timezone.${zone}`) })) },
    ],
    submitLabel: t('units.add_region'),
    cancel: cancelButton(),
    onSubmit: (values) => api.post('admin/regions', { ...values, kind: values.kind || null }),
    async onSuccess(region) {
      dialog.close();
      toast(t('regions.created', { name: region.name }));
      await reload();
    },
  });
  const dialog = openDialog({ title: t('units.add_region'), content: form.element });
}

function agencyDialog(data, reload) {
  if (!data.regions.length) {
    openDialog({ title: t('units.add_agency'), content: noticeAlert(t('agencies.need_region'), 'warning') });
    return;
  }
  const form = createForm({
    fields: [
      { name: 'region_id', label: t('units.region'), type: 'select', required: true,
        options: data.regions.map((region) => ({ value: region.id, label: `${region.name} (${region.code})` })) },
      { name: 'name', label: t('agencies.name'), required: true },
      { name: 'kind', label: t('agencies.kind'), hint: t('agencies.kind_hint') },
    ],
    submitLabel: t('units.add_agency'),
    cancel: cancelButton(),
    onSubmit: (values) => api.post('admin/agencies', { ...values, kind: values.kind.trim() || null }),
    async onSuccess(agency) {
      dialog.close();
      toast(t('agencies.created', { name: agency.name }));
      await reload();
    },
  });
  const dialog = openDialog({ title: t('units.add_agency'), content: form.element });
}
