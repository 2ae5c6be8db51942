"""Scoring of uploaded XLSForms, end to end: upload the form, a visit answers it, a supervisor approves it, and the
unit's score is what the form's author meant — never a guess from a list's name or order."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import msgspec
import pytest
from openpyxl import load_workbook

from server.domain.instruments.documents import Instrument
from tests.integration.admin.test_places import assert_problem
from tests.integration.results.helpers import by_id, decide, results_of
from tests.integration.review.factories import a_submitted_visit
from tests.xlsforms import a_checklist

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def upload(client, headers, workbook: bytes):
    return await client.post("/api/admin/instruments", content=workbook, headers={**headers, "content-type": XLSX})


async def unit_score_after_one_visit(client, make, form: bytes, answers: dict[str, Any]) -> str:
    admin = await make.user(role="admin")
    stored = await upload(client, make.headers(admin), form)
    assert stored.status_code in (200, 201), stored.text  # 200: the same version stored before
    wave = await make.wave(instrument=SimpleNamespace(id=uuid.UUID(stored.json()["id"])))
    unit = await make.unit()
    surveyor = await make.user(role="surveyor")
    visit = await a_submitted_visit(
        make, await make.assignment(wave=wave, unit=unit, surveyor=surveyor), answers=answers
    )
    await decide(client, make, admin, visit, "approve")
    return by_id((await results_of(client, make, admin, wave))["units"])[str(unit.id)]["score"]


def ya_tidak(list_name: str = "ya_tidak", yes: str = "ya", no: str = "tidak") -> list[list[object]]:
    return [[list_name, no, "Tidak"], [list_name, yes, "Ya"]]  # listed no first, as many teams do


async def test_an_office_answering_ya_everywhere_scores_100_whatever_the_list_is_called(client, make):
    for list_name, yes, no in (("ya_tidak", "ya", "tidak"), ("yesno", "Yes", "No"), ("ada", "1", "0")):
        form = a_checklist(
            [[f"select_one {list_name}", "A01", "Ruang tunggu"], [f"select_one {list_name}", "A02", "Toilet"]],
            ya_tidak(list_name, yes, no),
            form_id=f"cek-{list_name}",
        )
        score = await unit_score_after_one_visit(client, make, form, {"A01": True, "A02": True})
        assert score == "100.00", list_name


async def test_a_best_first_list_with_a_score_column_scores_its_best_answer_100(client, make):
    form = a_checklist(
        [["select_one kondisi", "A01", "Kondisi ruang tunggu"], ["select_one kondisi", "A02", "Kondisi toilet"]],
        [["kondisi", "baik", "Baik", 2], ["kondisi", "sedang", "Sedang", 1], ["kondisi", "buruk", "Buruk", 0]],
        choices_header=("list_name", "name", "label", "score"),
    )
    assert await unit_score_after_one_visit(client, make, form, {"A01": "baik", "A02": "baik"}) == "100.00"


async def test_scores_give_partial_credit_in_proportion_to_the_best_choice(client, make):
    form = a_checklist(
        [["select_one kondisi", "A01", "Kondisi ruang tunggu"]],
        [["kondisi", "baik", "Baik", 4], ["kondisi", "sedang", "Sedang", 1], ["kondisi", "buruk", "Buruk", 0]],
        choices_header=("list_name", "name", "label", "score"),
    )
    assert await unit_score_after_one_visit(client, make, form, {"A01": "sedang"}) == "25.00"


async def test_a_scored_list_without_scores_is_refused_saying_how_to_fix_it(client, make, row_counts):
    admin = await make.user(role="admin")
    form = a_checklist(
        [["select_one kondisi", "A01", "Kondisi ruang tunggu"]],
        [["kondisi", "baik", "Baik"], ["kondisi", "sedang", "Sedang"], ["kondisi", "buruk", "Buruk"]],
    )
    before = await row_counts()

    response = await upload(client, make.headers(admin), form)

    body = assert_problem(response, 422, "instrument.invalid", "survey row 3")
    assert body["errors"] == [
        {
            "field": "survey row 3",
            "sheet": "survey",
            "row": 3,
            "message": "indicator 'A01' is scored, but its list 'kondisi' says nothing of which answer is better: add"
            " a 'score' column to the choices sheet giving each choice its points (for example baik 2, sedang 1,"
            " buruk 0), or give the indicator weight 0",
        }
    ]
    assert await row_counts() == before


async def test_a_yes_no_list_keeps_its_own_values_and_wording_in_the_instrument_and_the_export(client, make):
    admin = await make.user(role="admin")
    form = a_checklist(
        [["select_one ada", "A01", "Papan informasi"], ["select_one ada", "A02", "Kotak saran", "${A01} = 'ada'"]],
        [["ada", "ada", "Ada"], ["ada", "tidak_ada", "Tidak ada"]],
        header=("type", "name", "label", "relevant"),
    )
    # 'ada'/'tidak_ada' is no yes/no spelling Sidak knows, so it needs its scores: here 1 and 0.
    refused = await upload(client, make.headers(admin), form)
    assert refused.status_code == 422
    form = a_checklist(
        [["select_one ya_tidak", "A01", "Papan informasi"], ["select_one ya_tidak", "A02", "Kotak saran"]],
        [["ya_tidak", "ya", "Ada"], ["ya_tidak", "tidak", "Tidak ada"]],
    )

    stored = await upload(client, make.headers(admin), form)

    assert stored.status_code == 201, stored.text
    indicator = msgspec.convert(stored.json()["document"], type=Instrument).indicators()["A01"]
    assert indicator.type == "yes_no"
    assert [(c.value, c.label.id, c.score) for c in indicator.choices or []] == [
        ("ya", "Ada", 1),
        ("tidak", "Tidak ada", 0),
    ]
    exported = await client.get("/api/admin/instruments/cek-layanan/1/xlsform.xlsx", headers=make.headers(admin))
    again = await upload(client, make.headers(admin), exported.content)
    assert again.status_code == 200  # the export reads back to the same content: a replay


@pytest.mark.parametrize("version", ["1.2.0", "v3", "2025-12-07", "202512071530", "1.0-beta+2"])
async def test_a_version_as_odk_authors_write_it_works_from_upload_to_score(client, make, version):
    admin = await make.user(role="admin")
    form = a_checklist(
        [["select_one ya_tidak", "A01", "Ruang tunggu"]], ya_tidak(), form_id="cek_layanan", version=version
    )

    stored = await upload(client, make.headers(admin), form)
    path = f"cek_layanan/{quote(version, safe='')}"
    fetched = await client.get(f"/api/admin/instruments/{path}", headers=make.headers(admin))
    exported = await client.get(f"/api/admin/instruments/{path}/xlsform.xlsx", headers=make.headers(admin))
    listed = await client.get("/api/admin/instruments", headers=make.headers(admin))

    assert stored.status_code == 201, stored.text
    assert fetched.status_code == 200 and fetched.json()["version"] == version
    assert fetched.json()["document"]["version"] == version
    assert exported.status_code == 200
    assert [(i["key"], i["version"]) for i in listed.json()] == [("cek_layanan", version)]
    assert (await upload(client, make.headers(admin), exported.content)).status_code == 200
    score = await unit_score_after_one_visit(client, make, exported.content, {"A01": True})
    assert score == "100.00"


async def test_a_version_typed_as_a_date_is_kept_as_the_date_the_author_typed(client, make):
    admin = await make.user(role="admin")
    form = a_checklist([["select_one ya_tidak", "A01", "Ruang tunggu"]], ya_tidak(), version=datetime(2025, 12, 7))

    response = await upload(client, make.headers(admin), form)

    assert response.status_code == 201, response.text
    assert response.json()["version"] == "2025-12-07"


@pytest.mark.parametrize("version", ["versi 2", "1/2", "..", "x" * 65])
async def test_a_version_that_cannot_name_a_path_or_a_collect_form_is_refused_on_the_settings_row(
    client, make, row_counts, version
):
    admin = await make.user(role="admin")
    before = await row_counts()

    response = await upload(
        client,
        make.headers(admin),
        a_checklist([["select_one ya_tidak", "A01", "Ruang tunggu"]], ya_tidak(), version=version),
    )

    assert_problem(response, 422, "instrument.invalid", "settings row 2")
    assert await row_counts() == before


async def test_metadata_rows_the_visit_fills_are_recorded_with_it_and_written_back(client, make):
    admin = await make.user(role="admin")
    form = a_checklist(
        [
            ["start", "mulai", None],
            ["end", "selesai", None],
            ["today", "hari_ini", None],
            ["username", "petugas", None],
            ["deviceid", "perangkat", None],
            ["select_one ya_tidak", "A01", "Ruang tunggu"],
        ],
        ya_tidak(),
        form_id="cek_meta",
    )

    stored = await upload(client, make.headers(admin), form)
    exported = await client.get("/api/admin/instruments/cek_meta/1/xlsform.xlsx", headers=make.headers(admin))
    wave = await make.wave(instrument=SimpleNamespace(id=uuid.UUID(stored.json()["id"])))
    surveyor = await make.user(role="surveyor")
    finished_at = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)  # started 40 min before: 00:20 on the 8th in WIB
    visit = await a_submitted_visit(
        make, await make.assignment(wave=wave, surveyor=surveyor), answers={"A01": True}, finished_at=finished_at
    )
    detail = (await client.get(f"/api/review/visits/{visit.id}", headers=make.headers(admin))).json()

    assert stored.status_code == 201, stored.text
    warnings = {w["row"]: w["message"] for w in stored.json()["warnings"] if w.get("sheet") == "survey"}
    assert warnings[3] == "'start' row kept as 'mulai': recorded with every visit as the visit's start time"
    assert warnings[6] == "'username' row kept as 'petugas': recorded with every visit as the surveyor's username"
    assert warnings[7].startswith("'deviceid' row ignored (not kept): the phone has no stable device identifier")
    assert [(m["type"], m["name"]) for m in stored.json()["document"]["metadata"]] == [
        ("start", "mulai"),
        ("end", "selesai"),
        ("today", "hari_ini"),
        ("username", "petugas"),
    ]
    survey = load_workbook(io.BytesIO(exported.content))["survey"]
    assert [row[:2] for row in survey.iter_rows(min_row=2, max_row=5, values_only=True)] == [
        ("start", "mulai"),
        ("end", "selesai"),
        ("today", "hari_ini"),
        ("username", "petugas"),
    ]
    assert (await upload(client, make.headers(admin), exported.content)).status_code == 200  # a replay
    assert detail["form_metadata"] == {
        "mulai": (finished_at - timedelta(minutes=40)).isoformat(),
        "selesai": finished_at.isoformat(),
        "hari_ini": "2026-12-08",
        "petugas": surveyor.username,
    }


async def test_the_export_writes_back_the_forms_own_list_names_and_its_notes_in_their_place(client, make):
    admin = await make.user(role="admin")
    form = a_checklist(
        [
            ["note", "pengantar", "Amati ruang tunggu dari pintu masuk"],
            ["select_one kondisi", "A01", "Kondisi ruang tunggu"],
            ["select_one kondisi", "A02", "Kondisi toilet"],
            ["select_one ya_tidak", "A03", "Ada kursi roda"],
        ],
        [
            ["kondisi", "baik", "Baik", 2],
            ["kondisi", "sedang", "Sedang", 1],
            ["kondisi", "buruk", "Buruk", 0],
            *[[*row, None] for row in ya_tidak()],
        ],
        choices_header=("list_name", "name", "label", "score"),
        form_id="cek_daftar",
    )

    stored = await upload(client, make.headers(admin), form)
    exported = await client.get("/api/admin/instruments/cek_daftar/1/xlsform.xlsx", headers=make.headers(admin))

    assert stored.status_code == 201, stored.text
    workbook = load_workbook(io.BytesIO(exported.content))
    survey = [row[:3] for row in workbook["survey"].iter_rows(min_row=2, values_only=True)]
    assert survey[:5] == [
        ("begin group", "A", "Layanan"),
        ("note", "pengantar", "Amati ruang tunggu dari pintu masuk"),
        ("select_one kondisi", "A01", "Kondisi ruang tunggu"),
        ("select_one kondisi", "A02", "Kondisi toilet"),
        ("select_one ya_tidak", "A03", "Ada kursi roda"),
    ]
    lists = [row[0] for row in workbook["choices"].iter_rows(min_row=2, values_only=True)]
    assert lists == ["kondisi"] * 3 + ["ya_tidak"] * 2  # each list once, under its own name
    assert (await upload(client, make.headers(admin), exported.content)).status_code == 200  # a replay
    a01 = stored.json()["document"]["dimensions"][0]["indicators"][0]
    assert a01["notes"] == [{"name": "pengantar", "text": {"id": "Amati ruang tunggu dari pintu masuk", "en": None}}]
