"""GET /api/admin/instruments/{key}/{version}/xlsform.xlsx: a stored version as an XLSForm that uploads back
unchanged."""

from __future__ import annotations

import pytest

from server.domain.instruments.defaults import default_instrument_json, load_default_instrument
from server.domain.instruments.xlsform import instrument_from_xlsform
from tests.integration.admin.test_places import assert_problem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
URL = "/api/admin/instruments/ombudsman-kepatuhan/1/xlsform.xlsx"


async def stored_default(client, headers) -> dict:
    response = await client.post(
        "/api/admin/instruments",
        content=default_instrument_json(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_admin_downloads_a_version_as_an_xlsform_attachment(client, admin_headers):
    await stored_default(client, admin_headers)

    response = await client.get(URL, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == 'attachment; filename="ombudsman-kepatuhan-v1.xlsx"'
    assert response.content.startswith(b"PK")
    assert instrument_from_xlsform(response.content) == load_default_instrument()


async def test_the_downloaded_workbook_uploads_back_as_a_replay_of_the_same_version(client, admin_headers, row_counts):
    stored = await stored_default(client, admin_headers)
    workbook = (await client.get(URL, headers=admin_headers)).content
    before = await row_counts()

    response = await client.post(
        "/api/admin/instruments", files={"file": ("kepatuhan.xlsx", workbook, XLSX)}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["content_hash"] == stored["content_hash"]
    assert await row_counts() == before


@pytest.mark.parametrize(
    "path",
    [
        "/api/admin/instruments/ombudsman-kepatuhan/2/xlsform.xlsx",
        "/api/admin/instruments/tidak-ada/1/xlsform.xlsx",
    ],
)
async def test_an_unknown_version_is_404(client, admin_headers, path):
    await stored_default(client, admin_headers)

    assert_problem(await client.get(path, headers=admin_headers), 404, "not_found")


@pytest.mark.parametrize(
    "path, field",
    [
        ("/api/admin/instruments/Ombudsman_Kepatuhan/1/xlsform.xlsx", "key"),
        ("/api/admin/instruments/ombudsman-kepatuhan/versi%202/xlsform.xlsx", "version"),
    ],
)
async def test_a_malformed_key_or_version_is_refused_naming_it(client, admin_headers, path, field):
    response = await client.get(path, headers=admin_headers)

    assert_problem(response, 422, "request.invalid", field)


@pytest.mark.parametrize("role", ["surveyor", "supervisor"])
async def test_only_an_admin_downloads_an_xlsform(client, admin_headers, make, role):
    await stored_default(client, admin_headers)
    caller = await make.user(role=role)

    assert_problem(await client.get(URL, headers=make.headers(caller)), 403, "auth.forbidden")
