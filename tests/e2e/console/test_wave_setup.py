"""Setting up a wave in the console (issue 6, "done means"): units from CSV with a preview that shows every bad row
before anything is written, a wave created in the browser, the seeded draw that repeats itself, and a surveyor who
then sees exactly what was drawn for them. Every outcome is checked through the API, not only on screen."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

HEADER = "region_code,region_name,agency,unit,address,lat,lon,geofence_m,opening_hours"


def _csv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "units.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _stored_unit_names(live_server: LiveServer) -> set[str]:
    answer = live_server.api("GET", "/api/admin/units")
    answer.raise_for_status()
    return {unit["name"] for unit in answer.json()}


def _a_wave(live_server: LiveServer, name: str) -> dict[str, Any]:
    today = date.today()
    answer = live_server.api("POST", "/api/admin/waves", json={
        "name": name, "instrument": {"key": "ombudsman-kepatuhan", "version": "1"},
        "period": {"start": today.isoformat(), "end": (today + timedelta(days=30)).isoformat()}})
    answer.raise_for_status()
    return dict(answer.json())


def _drawn_pairs(page: Any, table_id: str) -> list[tuple[str, str]]:
    rows = page.eval_on_selector_all(f"#{table_id} tbody tr[data-unit]",
                                     "rows => rows.map(r => [r.dataset.surveyor, r.dataset.unit])")
    return sorted((surveyor, unit) for surveyor, unit in rows)


def _preview_draw(page: Any, seed: str) -> list[tuple[str, str]]:
    page.fill("input[name=seed]", seed)
    page.click("#panel-draw form button[type=submit]")
    page.wait_for_selector(f"#draw-result h3:has-text('{seed}')")
    page.wait_for_selector("#draw-save:not([disabled])")
    return _drawn_pairs(page, "draw-preview-table")


def test_a_csv_with_one_bad_row_is_previewed_and_nothing_is_written(console_as, live_server, shoot, tmp_path):
    suffix = uuid.uuid4().hex[:6]
    good = [f"Terminal Uji {suffix}", f"Pos Uji {suffix}"]
    path = _csv(tmp_path, [
        f"32.09,Kabupaten Cirebon,Dinas Perhubungan,{good[0]},Jl. Terminal No. 1,-6.7601,108.4801,120,Mo-Fr 08:00-15:00",
        f"32.09,Kabupaten Cirebon,Dinas Perhubungan,Bengkel Uji {suffix},Jl. Raya Sumber,-95.5,108.48,100,",
        f"32.09,Kabupaten Cirebon,Dinas Perhubungan,{good[1]},Jl. Desa,-6.75,108.47,100,",
    ])
    page, problems = console_as("admin")

    page.goto(live_server.url("/console/#/units/import"))
    page.set_input_files("#csv-file", str(path))
    page.click("#import-preview-button")
    page.wait_for_selector(".figures")
    shoot(page, "import-preview-bad-row")

    bad_rows = page.locator("tr.row-bad")
    assert bad_rows.count() == 1
    assert bad_rows.first.get_attribute("data-key") == "3"  # the header is line 1
    assert "lat" in bad_rows.first.inner_text()
    assert page.locator("[data-figure=rows_with_problems] dd").inner_text() == "1"
    assert page.locator("#import-run-button").is_disabled()
    stored = _stored_unit_names(live_server)
    assert not {*good, f"Bengkel Uji {suffix}"} & stored
    problems.expect_none()


def test_a_corrected_csv_is_imported_after_its_preview(console_as, live_server, shoot, tmp_path):
    suffix = uuid.uuid4().hex[:6]
    names = [f"Terminal Benar {suffix}", f"Pos Tanpa Koordinat {suffix}"]
    path = _csv(tmp_path, [
        f"32.09,Kabupaten Cirebon,Dinas Perhubungan,{names[0]},Jl. Terminal No. 2,-6.7602,108.4802,120,",
        f"32.09,Kabupaten Cirebon,Dinas Perhubungan,{names[1]},Jl. Desa,,,100,",
    ])
    page, problems = console_as("admin")
    page.goto(live_server.url("/console/#/units/import"))
    page.set_input_files("#csv-file", str(path))
    page.click("#import-preview-button")
    page.wait_for_selector("#import-run-button:not([disabled])")
    assert not set(names) & _stored_unit_names(live_server), "the preview wrote something"

    page.click("#import-run-button")
    page.wait_for_selector(".alert-success:has-text('2')")
    shoot(page, "import-done")

    assert set(names) <= _stored_unit_names(live_server)
    problems.expect_none()


def test_creating_a_wave_stores_its_instrument_profile_and_integrity_settings(console_as, live_server, shoot):
    name = f"Gelombang Konsol {uuid.uuid4().hex[:6]}"
    page, problems = console_as("admin")
    page.goto(live_server.url("/console/#/waves"))
    page.click(".page-actions button.primary")
    page.wait_for_selector("dialog form")
    page.fill("dialog input[name=name]", name)
    page.select_option("dialog select[name=profile_key]", "ombudsman-2022")
    page.fill("dialog input[name=photo_time_tolerance_min]", "20")
    page.fill("dialog input[name=min_seconds_per_indicator]", "-1")
    page.click("dialog button[type=submit]")
    page.wait_for_selector("dialog [data-field=min_seconds_per_indicator].has-error")
    shoot(page, "wave-create-refused", full_page=False)

    page.fill("dialog input[name=min_seconds_per_indicator]", "4")
    page.click("dialog button[type=submit]")
    page.wait_for_selector(".stepper")
    shoot(page, "wave-created")

    wave_id = page.url.rsplit("/", 1)[-1]
    wave = live_server.api("GET", f"/api/admin/waves/{wave_id}").json()
    assert wave["name"] == name
    assert wave["status"] == "draft"
    assert (wave["instrument"]["key"], wave["instrument"]["version"]) == ("ombudsman-kepatuhan", "1")
    assert wave["profile_key"] == "ombudsman-2022"
    assert wave["integrity_settings"]["photo_time_tolerance_s"] == 20 * 60
    assert wave["integrity_settings"]["min_seconds_per_indicator"] == 4
    assert page.locator(".step-current").inner_text().lower().startswith("1")
    problems.expect_none()


def test_the_same_seed_draws_the_same_assignments_twice_and_saving_stores_the_preview(console_as, live_server,
                                                                                      shoot):
    wave = _a_wave(live_server, f"Undian Ulang {uuid.uuid4().hex[:6]}")
    page, problems = console_as("admin")
    page.goto(live_server.url(f"/console/#/waves/{wave['id']}/assignments"))
    page.wait_for_selector("#draw-save")

    first = _preview_draw(page, "424242")
    page.fill("input[name=seed]", "7")  # another seed between the two runs changes nothing for the same seed
    page.click("#panel-draw form button[type=submit]")
    page.wait_for_selector("#draw-result h3:has-text('7')")
    second = _preview_draw(page, "424242")
    shoot(page, "draw-preview")

    assert first and first == second
    assert len({unit for _, unit in first}) == len(first), "a unit was drawn twice"
    assert not live_server.api("GET", f"/api/admin/waves/{wave['id']}/assignments").json()["assignments"]

    page.click("#draw-save")
    page.wait_for_selector("#assignment-list tbody tr[data-unit]")
    shoot(page, "draw-saved")
    stored = live_server.api("GET", f"/api/admin/waves/{wave['id']}/assignments").json()["assignments"]
    assert sorted((a["surveyor"]["username"], a["unit"]["id"]) for a in stored) == first
    assert _drawn_pairs(page, "assignment-list") == first
    problems.expect_none()


def test_the_draw_preview_warns_about_a_unit_without_coordinates(console_as, live_server):
    agency = live_server.api("GET", "/api/admin/agencies").json()[0]
    unit_name = f"Unit Tanpa Titik {uuid.uuid4().hex[:6]}"
    live_server.api("POST", "/api/admin/units", json={"agency_id": agency["id"], "name": unit_name}).raise_for_status()
    wave = _a_wave(live_server, f"Undian Peringatan {uuid.uuid4().hex[:6]}")
    page, problems = console_as("admin")
    page.goto(live_server.url(f"/console/#/waves/{wave['id']}/assignments"))
    page.wait_for_selector("#draw-save")

    _preview_draw(page, "99")

    warning = page.locator("#draw-result [data-code='unit.no_coordinates']", has_text=unit_name)
    assert warning.count() == 1
    problems.expect_none()


def test_a_surveyor_sees_exactly_the_assignments_drawn_for_them(console_as, live_server, shoot):
    wave = _a_wave(live_server, f"Undian Petugas {uuid.uuid4().hex[:6]}")
    page, problems = console_as("admin")
    page.goto(live_server.url(f"/console/#/waves/{wave['id']}/assignments"))
    page.wait_for_selector("#draw-save")
    _preview_draw(page, "20250501")
    page.click("#draw-save")
    page.wait_for_selector("#assignment-list tbody tr[data-unit]")
    drawn = _drawn_pairs(page, "assignment-list")

    page.goto(live_server.url(f"/console/#/waves/{wave['id']}"))
    page.click("#wave-next-step")
    page.click("dialog button[type=submit]")
    page.wait_for_selector(".step-current:has-text('2')")
    shoot(page, "wave-in-fieldwork")

    for surveyor in ("surveyor1", "surveyor2", "surveyor3", "surveyor4"):
        mine = live_server.api("GET", "/api/me/assignments", username=surveyor).json()
        seen = sorted(a["unit"]["id"] for a in mine if a["wave"]["id"] == wave["id"])
        assert seen == sorted(unit for who, unit in drawn if who == surveyor), surveyor
        assert seen, f"{surveyor} was given nothing"
    problems.expect_none()
