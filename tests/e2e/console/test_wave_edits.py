"""Changing a wave after it was created, in the console: its name, period and integrity settings (and in draft its
instrument and scoring profile, with cut-offs corrected for this wave), taking back an assignment nobody visited, and
downloading an instrument version as an XLSForm. Every outcome is checked through the API, not only on screen."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from server.domain.instruments.defaults import load_default_instrument
from server.domain.instruments.xlsform import instrument_from_xlsform
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e


def _a_draft_wave(live_server: LiveServer, name: str, **changes: Any) -> dict[str, Any]:
    today = date.today()
    answer = live_server.api("POST", "/api/admin/waves", json={
        "name": name, "instrument": {"key": "ombudsman-kepatuhan", "version": "1"},
        "period": {"start": today.isoformat(), "end": (today + timedelta(days=30)).isoformat()}, **changes})
    answer.raise_for_status()
    return dict(answer.json())


def _wave(live_server: LiveServer, wave_id: str) -> dict[str, Any]:
    return dict(live_server.api("GET", f"/api/admin/waves/{wave_id}").json())


def _open_edit(page: Any, live_server: LiveServer, wave_id: str) -> None:
    page.goto(live_server.url(f"/console/#/waves/{wave_id}"))
    page.click("#wave-edit")
    page.wait_for_selector("dialog[open] form")


def test_a_draft_wave_takes_a_new_name_period_settings_and_a_corrected_cut_off(console_as, live_server, shoot):
    wave = _a_draft_wave(live_server, f"Gelombang Ubah {uuid.uuid4().hex[:6]}")
    new_name = f"{wave['name']} (revisi)"
    page, problems = console_as("admin")
    _open_edit(page, live_server, wave["id"])
    assert page.locator("dialog select[name=instrument]").is_visible()
    assert page.locator("dialog .cutoff-table tbody tr").count() == 3

    page.fill("dialog input[name=name]", new_name)
    page.fill("dialog input[name=period_end]", "2031-12-31")
    page.fill("dialog input[name=max_accuracy_m]", "40")
    page.fill("dialog input[name=cutoff_min_1]", "95")  # above the first cut-off: refused, and that cut-off marked
    page.click("dialog button[type=submit]")
    page.wait_for_selector("dialog tr[data-cutoff='1'].has-error")
    shoot(page, "wave-edit-refused-cut-off", full_page=False)
    assert _wave(live_server, wave["id"])["name"] == wave["name"], "a refused edit changed the wave"

    page.fill("dialog input[name=cutoff_min_1]", "55.5")
    page.click("dialog button[type=submit]")
    page.wait_for_selector("dialog", state="detached")
    page.wait_for_selector(f"h1:has-text('{new_name}')")
    shoot(page, "wave-edited")

    stored = _wave(live_server, wave["id"])
    assert stored["name"] == new_name
    assert stored["period"]["end"] == "2031-12-31"
    assert stored["integrity_settings"]["max_accuracy_m"] == 40
    assert [cutoff["min"] for cutoff in stored["profile"]["cutoffs"]] == ["81.00", "55.5", "0"]
    assert stored["profile_key"] == "ombudsman-2021"
    problems.expect_none()


def test_an_edit_that_keeps_the_profile_sends_no_profile(console_as, live_server):
    edited = live_server.api("GET", "/api/admin/profiles").json()
    profile = next(p for p in edited if p["key"] == "ombudsman-2022")
    del profile["scale_max"]
    profile["cutoffs"][0]["min"] = "90.00"
    wave = _a_draft_wave(live_server, f"Gelombang Profil {uuid.uuid4().hex[:6]}", profile_key="ombudsman-2022",
                         profile=profile)
    page, problems = console_as("admin")
    _open_edit(page, live_server, wave["id"])
    # The wave's own (edited) cut-offs are the ones shown, not the published ones.
    assert page.input_value("dialog input[name=cutoff_min_0]") == "90.00"

    page.fill("dialog input[name=name]", f"{wave['name']} 2")
    page.click("dialog button[type=submit]")
    page.wait_for_selector("dialog", state="detached")

    stored = _wave(live_server, wave["id"])
    assert stored["name"] == f"{wave['name']} 2"
    assert stored["profile"] == wave["profile"]
    problems.expect_none()


def test_a_wave_in_fieldwork_offers_only_name_period_and_settings(console_as, live_server, shoot):
    wave = _a_draft_wave(live_server, f"Gelombang Lapangan {uuid.uuid4().hex[:6]}")
    live_server.api("POST", f"/api/admin/waves/{wave['id']}/status", json={"status": "fieldwork"}).raise_for_status()
    page, problems = console_as("admin")
    _open_edit(page, live_server, wave["id"])

    assert page.locator("dialog select[name=instrument]").count() == 0
    assert page.locator("dialog select[name=profile_key]").count() == 0
    assert page.locator("dialog .cutoff-editor").count() == 0
    shoot(page, "wave-edit-fieldwork", full_page=False)
    page.fill("dialog input[name=photo_time_tolerance_min]", "30")
    page.click("dialog button[type=submit]")
    page.wait_for_selector("dialog", state="detached")

    assert _wave(live_server, wave["id"])["integrity_settings"]["photo_time_tolerance_s"] == 30 * 60
    problems.expect_none()


def test_a_wave_in_review_cannot_be_edited_from_its_page(console_as, live_server):
    wave = _a_draft_wave(live_server, f"Gelombang Tinjauan {uuid.uuid4().hex[:6]}")
    for status in ("fieldwork", "review"):
        live_server.api("POST", f"/api/admin/waves/{wave['id']}/status", json={"status": status}).raise_for_status()
    page, problems = console_as("admin")
    page.goto(live_server.url(f"/console/#/waves/{wave['id']}"))
    page.wait_for_selector(".stepper")

    assert page.locator("#wave-edit").count() == 0
    problems.expect_none()


def test_the_create_dialog_shows_the_chosen_profiles_cut_offs_and_stores_a_corrected_one(console_as, live_server,
                                                                                         shoot):
    name = f"Gelombang Batas {uuid.uuid4().hex[:6]}"
    page, problems = console_as("admin")
    page.goto(live_server.url("/console/#/waves"))
    page.click(".page-actions button.primary")
    page.wait_for_selector("dialog form .cutoff-table", timeout=30_000)  # the profiles load before it shows
    assert page.locator("dialog .cutoff-table tbody tr").count() == 3

    page.select_option("dialog select[name=profile_key]", "ombudsman-2022")
    assert page.locator("dialog .cutoff-table tbody tr").count() == 5
    assert page.locator("dialog input[name=cutoff_min_4]").is_disabled()
    page.fill("dialog input[name=name]", name)
    page.fill("dialog input[name=cutoff_min_0]", "90")
    shoot(page, "wave-create-cut-offs", full_page=False)
    page.click("dialog button[type=submit]")
    page.wait_for_selector(".stepper")

    wave = _wave(live_server, page.url.rsplit("/", 1)[-1])
    assert wave["name"] == name
    assert wave["profile_key"] == "ombudsman-2022"
    assert [cutoff["min"] for cutoff in wave["profile"]["cutoffs"]] == ["90", "78.00", "57.00", "37.00", "0"]
    problems.expect_none()


def test_an_assignment_nobody_visited_is_taken_back_from_the_list(console_as, live_server, shoot):
    wave = _a_draft_wave(live_server, f"Gelombang Tarik {uuid.uuid4().hex[:6]}")
    units = live_server.api("GET", "/api/admin/units").json()[:2]
    surveyor = next(u for u in live_server.api("GET", "/api/admin/users", params={"role": "surveyor"}).json()
                    if u["is_active"])
    window = {"window_start": f"{wave['period']['start']}T08:00:00+07:00",
              "window_end": f"{wave['period']['end']}T16:00:00+07:00"}
    stored = live_server.api("POST", f"/api/admin/waves/{wave['id']}/assignments", json={"assignments": [
        {"unit_id": unit["id"], "surveyor_id": surveyor["id"], **window} for unit in units]})
    stored.raise_for_status()
    taken_back, kept = stored.json()["assignments"]
    page, problems = console_as("admin")
    page.goto(live_server.url(f"/console/#/waves/{wave['id']}/assignments"))
    page.wait_for_selector(f"button[data-delete='{taken_back['id']}']")
    shoot(page, "assignments-with-remove")

    page.click(f"button[data-delete='{taken_back['id']}']")
    page.wait_for_selector("dialog[open] form")
    shoot(page, "assignment-remove-confirm", full_page=False)
    page.click("dialog button[type=submit]")
    page.wait_for_selector("dialog", state="detached")
    page.wait_for_selector(f"button[data-delete='{taken_back['id']}']", state="detached")

    listed = live_server.api("GET", f"/api/admin/waves/{wave['id']}/assignments").json()["assignments"]
    assert [a["id"] for a in listed] == [kept["id"]]
    assert page.locator("#assignment-list tbody tr[data-unit]").count() == 1
    problems.expect_none()


def test_an_instrument_version_downloads_as_an_xlsform_that_reads_back_the_same(console_as, live_server, shoot,
                                                                                tmp_path):
    page, problems = console_as("admin")
    page.goto(live_server.url("/console/#/instruments/ombudsman-kepatuhan/1"))
    page.wait_for_selector(".indicator")

    with page.expect_download() as download_info:
        page.click("#instrument-xlsform")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    page.wait_for_selector(".toast")
    shoot(page, "instrument-xlsform-downloaded", full_page=False)

    assert download.suggested_filename == "ombudsman-kepatuhan-v1.xlsx"
    assert instrument_from_xlsform(saved.read_bytes()) == load_default_instrument()
    problems.expect_none()


def test_an_edited_profile_is_sent_only_when_a_minimum_changed(new_page, live_server):
    page, problems = new_page()
    page.goto(live_server.url("/console/#/login"))
    page.wait_for_selector("input[name=username]")

    found = page.evaluate("""async () => {
      const m = await import('/console/js/components/cutoffs.js');
      const profile = {key: 'ombudsman-2021', kind: 'zones', cutoffs: [
        {min: '81.00', zone: 'green', grade: null, label: {id: 'Tinggi', en: 'High'}},
        {min: '51.00', zone: 'yellow', grade: null, label: {id: 'Sedang', en: 'Moderate'}},
        {min: '0', zone: 'red', grade: null, label: {id: 'Rendah', en: 'Low'}}]};
      return [m.editedProfile(profile, ['81', '51.0', '0']), m.editedProfile(profile, ['81', ' 55.5 ', '0']),
              m.editedProfile(profile, ['81', '', '0'])?.cutoffs[1].min, m.scaleMax({kind: 'ipp'})];
    }""")

    assert found[0] is None
    assert found[1] == {"key": "ombudsman-2021", "kind": "zones", "cutoffs": [
        {"min": "81", "zone": "green", "grade": None, "label": {"id": "Tinggi", "en": "High"}},
        {"min": "55.5", "zone": "yellow", "grade": None, "label": {"id": "Sedang", "en": "Moderate"}},
        {"min": "0", "zone": "red", "grade": None, "label": {"id": "Rendah", "en": "Low"}}]}
    assert found[2] == ""  # a blank minimum goes to the server, which names it
    assert found[3] == "5"
    problems.expect_none()
