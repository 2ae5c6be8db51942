"""The console's pure helpers, run as the real ES modules in the browser (the console has no build step and no Node
test runner): where a server problem's field lands in a form, how the table filters and sorts, how a typed local
time becomes RFC 3339, and how the wave form's units become the server's integrity settings."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_a_problem_field_lands_on_the_form_field_it_names_or_its_nearest_prefix(run_module):
    found = run_module(
        "components/form.js",
        """
        const names = ['region_ids', 'name', 'period_end', 'max_accuracy_m'];
        const aliases = {'period.end': 'period_end', 'integrity_settings.max_accuracy_m': 'max_accuracy_m'};
        return ['region_ids[1]', 'name', 'period.end', 'integrity_settings.max_accuracy_m', 'draw.seed', null]
            .map((path) => m.matchField(path, names, aliases));""",
    )
    assert found == ["region_ids", "name", "period_end", "max_accuracy_m", None, None]


def test_the_table_filter_ignores_case_and_accents_and_sorting_puts_empty_values_last(run_module):
    found = run_module(
        "components/table.js",
        """
        const columns = [{key: 'name'}, {key: 'lat'}];
        const rows = [{name: 'Kantor Camat', lat: null}, {name: 'Puskésmas Weru', lat: -6.7},
                      {name: 'Puskesmas Sumber', lat: -6.8}];
        return {
          filtered: m.visibleRows(rows, columns, {query: 'PUSKESMAS'}).map((r) => r.name),
          ascending: m.visibleRows(rows, columns, {sortKey: 'lat', direction: 1}).map((r) => r.name),
          descending: m.visibleRows(rows, columns, {sortKey: 'lat', direction: -1}).map((r) => r.name),
        };""",
    )
    assert found["filtered"] == ["Puskésmas Weru", "Puskesmas Sumber"]
    assert found["ascending"] == ["Puskesmas Sumber", "Puskésmas Weru", "Kantor Camat"]
    assert found["descending"] == ["Puskésmas Weru", "Puskesmas Sumber", "Kantor Camat"]


def test_a_time_typed_for_a_unit_is_sent_with_its_zones_offset_and_without_a_zone_with_the_browsers(run_module):
    # new_page runs the browser in Asia/Jakarta, where the offset is +07:00 all year.
    found = run_module(
        "times.js",
        """
        const typed = (value, zone) => m.zonedInputToIso(value, zone);
        return [typed('2025-05-01T08:00', 'Asia/Jayapura'), typed('2025-05-01T08:00', 'Asia/Makassar'),
                typed('2025-05-01T08:00', undefined), typed('2025-05-01T23:30', 'Asia/Kolkata'),
                typed('', 'Asia/Jakarta')];""",
    )
    assert found == [
        "2025-05-01T08:00:00+09:00",
        "2025-05-01T08:00:00+08:00",
        "2025-05-01T08:00:00+07:00",
        "2025-05-01T23:30:00+05:30",
        None,
    ]


def test_the_wave_forms_minutes_and_hours_become_the_servers_seconds(run_module):
    found = run_module(
        "views/waves.js",
        """
        return m.integritySettingsFromForm({geofence_default_m: 150, photo_time_tolerance_min: 20,
          late_sync_after_h: 48, min_seconds_per_indicator: 4.5, max_accuracy_m: null, phash_max_distance: 6});""",
    )
    assert found == {
        "geofence_default_m": 150,
        "photo_time_tolerance_s": 1200,
        "late_sync_after_s": 172800,
        "min_seconds_per_indicator": 4.5,
        "phash_max_distance": 6,
    }


def test_a_seed_of_digits_travels_as_a_number_and_any_other_seed_as_text(run_module):
    found = run_module(
        "views/assignments.js", "return [m.seedValue(' 42 '), m.seedValue('gelombang-2025'), m.seedValue('')];"
    )
    assert found == [42, "gelombang-2025", ""]


def test_an_instrument_shows_the_languages_its_form_was_written_in(run_module):
    found = run_module(
        "views/instrument.js",
        """
        const indicator = (text, xlsform) => ({id: 'A01', text, xlsform});
        const both = {title: {id: 'Cek', en: 'Check'}, dimensions: [{title: {id: 'A'}, indicators: [
          indicator({id: 'Toilet'}, {'label::Français (fr)': 'Toilettes', constraint: '. > 0'}),
          indicator({id: 'Kursi'}, {'label::Français (fr)': 'Sièges', 'label::Basa Jawa (jv)': 'Kursi'}),
        ]}]};
        const indonesian = {title: {id: 'Cek'}, dimensions: [{title: {id: 'A'}, indicators: [indicator({id: 'X'})]}]};
        return [m.formLanguages(both), m.formLanguages(indonesian)];""",
    )
    assert found[0][1:] == ["English", "Français (fr)", "Basa Jawa (jv)"]
    assert len(found[0]) == 4 and len(found[1]) == 1
