"""Instrument versions: stored from JSON or XLSForm, immutable, and readable by those who need them."""

from __future__ import annotations

import json

import msgspec

from server.domain.instruments.defaults import default_instrument_json, load_default_instrument
from server.domain.instruments.xlsform import instrument_to_xlsform
from tests.integration.admin.test_places import assert_problem
from tests.xlsforms import a_legacy_workbook, rows_bomb, with_member

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def default_document() -> dict:
    return json.loads(default_instrument_json())


async def post_json(client, headers, document):
    return await client.post("/api/admin/instruments", json=document, headers=headers)


async def test_an_admin_stores_an_instrument_version_and_reads_it_back(client, admin_headers):
    response = await post_json(client, admin_headers, default_document())

    assert response.status_code == 201, response.text
    stored = response.json()
    assert (stored["key"], stored["version"], stored["waves"]) == ("ombudsman-kepatuhan", "1", [])
    assert stored["indicator_count"] == len(load_default_instrument().indicators())
    assert stored["document"] == msgspec.to_builtins(load_default_instrument())
    listed = (await client.get("/api/admin/instruments", headers=admin_headers)).json()
    assert [(i["key"], i["version"], i["wave_count"]) for i in listed] == [("ombudsman-kepatuhan", "1", 0)]
    detail = await client.get("/api/admin/instruments/ombudsman-kepatuhan/1", headers=admin_headers)
    assert stored.pop("warnings") == []  # of the upload only
    assert detail.json() == stored


async def test_sending_the_same_version_again_is_a_harmless_replay(client, admin_headers, row_counts):
    first = await post_json(client, admin_headers, default_document())
    before = await row_counts()

    again = await post_json(client, admin_headers, default_document())

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert await row_counts() == before


async def test_other_content_under_a_stored_version_is_refused_as_immutable(client, admin_headers, row_counts):
    await post_json(client, admin_headers, default_document())
    edited = default_document()
    edited["dimensions"][0]["weight"] += 1
    before = await row_counts()

    response = await post_json(client, admin_headers, edited)

    body = assert_problem(response, 409, "instrument.immutable", "version")
    assert body["next_version"] == "2"
    assert await row_counts() == before
    edited["version"] = "2"
    assert (await post_json(client, admin_headers, edited)).status_code == 201


async def test_an_xlsform_upload_stores_the_same_instrument_as_its_json(client, admin_headers):
    workbook = instrument_to_xlsform(load_default_instrument())

    from_xlsx = await client.post(
        "/api/admin/instruments", content=workbook, headers={**admin_headers, "content-type": XLSX}
    )
    from_json = await post_json(client, admin_headers, default_document())

    assert from_xlsx.status_code == 201, from_xlsx.text
    assert from_json.status_code == 200  # the same content: a replay, not a second version
    assert from_json.json()["content_hash"] == from_xlsx.json()["content_hash"]


async def test_an_xlsform_can_come_as_a_multipart_upload(client, admin_headers):
    workbook = instrument_to_xlsform(load_default_instrument())

    response = await client.post(
        "/api/admin/instruments",
        files={"file": ("kepatuhan.xlsx", workbook, "application/octet-stream")},
        headers=admin_headers,
    )

    assert response.status_code == 201, response.text
    assert response.json()["warnings"] == []


async def test_a_zip_bomb_workbook_is_refused_with_413_and_nothing_stored(client, admin_headers, row_counts):
    bomb = with_member(
        instrument_to_xlsform(load_default_instrument()), "xl/worksheets/sheet1.xml", rows_bomb(128 * 1024 * 1024)
    )
    before = await row_counts()

    response = await client.post(
        "/api/admin/instruments", content=bomb, headers={**admin_headers, "content-type": XLSX}
    )

    body = assert_problem(response, 413, "instrument.workbook_too_large", "file")
    assert body["errors"] == [
        {"field": "file", "message": "the workbook's part xl/worksheets/sheet1.xml inflates to more than 32 MiB"}
    ]
    assert await row_counts() == before


async def test_an_instrument_breaking_the_rules_is_refused_with_every_problem(client, admin_headers, row_counts):
    broken = default_document()
    first_dimension = broken["dimensions"][0]["indicators"]
    first_dimension[1]["id"] = first_dimension[0]["id"]
    before = await row_counts()

    response = await post_json(client, admin_headers, broken)

    body = assert_problem(response, 422, "instrument.invalid", "dimensions[0].indicators[1].id")
    assert body["errors"]
    assert await row_counts() == before


async def test_a_wrong_type_in_the_document_names_the_field(client, admin_headers, row_counts):
    broken = default_document()
    broken["dimensions"][0]["weight"] = "heavy"
    before = await row_counts()

    response = await post_json(client, admin_headers, broken)

    assert_problem(response, 422, "instrument.invalid", "dimensions[0].weight")
    assert await row_counts() == before


async def test_malformed_json_and_other_media_types_are_refused(client, admin_headers, row_counts):
    before = await row_counts()

    malformed = await client.post(
        "/api/admin/instruments", content=b'{"key": ', headers={**admin_headers, "content-type": "application/json"}
    )
    as_text = await client.post(
        "/api/admin/instruments", content=b"key=x", headers={**admin_headers, "content-type": "text/plain"}
    )
    not_a_workbook = await client.post(
        "/api/admin/instruments", content=b"PK\x03\x04 not really", headers={**admin_headers, "content-type": XLSX}
    )

    assert_problem(malformed, 400, "request.malformed")
    refused_type = assert_problem(as_text, 415, "request.unsupported_media_type")
    assert "multipart form with a .xls file" in refused_type["errors"][0]["message"]
    assert_problem(not_a_workbook, 422, "instrument.workbook_unreadable")
    assert await row_counts() == before


async def test_an_unknown_version_is_404(client, admin_headers):
    response = await client.get("/api/admin/instruments/ombudsman-kepatuhan/9", headers=admin_headers)

    assert_problem(response, 404, "not_found")


# --- GET /api/instruments/{key}/{version} -------------------------------------------------------------------------


async def test_an_assigned_surveyor_gets_the_document_of_their_wave(client, make):
    assignment_wave = await make.wave()
    surveyor = await make.user(role="surveyor")
    await make.assignment(wave=assignment_wave, surveyor=surveyor)

    response = await client.get("/api/instruments/ombudsman-kepatuhan/1", headers=make.headers(surveyor))

    assert response.status_code == 200
    assert response.json() == msgspec.to_builtins(load_default_instrument())


async def test_a_surveyor_without_an_assignment_on_the_instrument_is_refused(client, make):
    await make.instrument()
    surveyor = await make.user(role="surveyor")

    response = await client.get("/api/instruments/ombudsman-kepatuhan/1", headers=make.headers(surveyor))

    assert_problem(response, 403, "auth.forbidden")


async def test_a_supervisor_reads_any_instrument_and_an_unknown_one_is_404(client, make):
    await make.instrument()
    supervisor = await make.user(role="supervisor")

    known = await client.get("/api/instruments/ombudsman-kepatuhan/1", headers=make.headers(supervisor))
    unknown = await client.get("/api/instruments/ombudsman-kepatuhan/2", headers=make.headers(supervisor))

    assert known.status_code == 200
    assert_problem(unknown, 404, "not_found")


async def test_a_workbook_is_read_before_the_request_takes_a_database_connection(
    client, admin_headers, app, monkeypatch
):
    from server.domain.instruments import services

    held_while_reading = []
    read = services._read_upload

    def reading(body, source):
        held_while_reading.append(app.state.engine.pool.checkedout())
        return read(body, source)

    monkeypatch.setattr(services, "_read_upload", reading)
    workbook = instrument_to_xlsform(load_default_instrument())

    response = await client.post(
        "/api/admin/instruments", content=workbook, headers={**admin_headers, "content-type": XLSX}
    )

    assert response.status_code == 201, response.text
    assert held_while_reading == [0]


async def test_a_legacy_xls_form_is_stored_from_its_content_type_or_its_file_name(client, admin_headers):
    sheets = {
        "survey": [["type", "name", "label"], ["begin group", "A", "Sarana"], ["select_one yn", "A01", "Toilet"]],
        "choices": [["list_name", "name", "label"], ["yn", "y", "Ya"], ["yn", "n", "Tidak"]],
        "settings": [["form_id", "version"], ["cek_lama", 1]],
    }
    sheets["survey"].append(["end group"])
    legacy = a_legacy_workbook(sheets)

    as_body = await client.post(
        "/api/admin/instruments", content=legacy, headers={**admin_headers, "content-type": "application/vnd.ms-excel"}
    )
    as_file = await client.post(
        "/api/admin/instruments", files={"file": ("cek.xls", legacy, "application/octet-stream")}, headers=admin_headers
    )

    assert as_body.status_code == 201, as_body.text
    assert as_file.status_code == 200  # the same form again: a replay
