"""Collect configured by a key: the form list, the XForm, the manifest and its assignment list, and the key itself."""

from __future__ import annotations

import csv
import hashlib
import io
import xml.etree.ElementTree as ElementTree

import httpx
from sqlalchemy import select

from server.db.models import CollectToken, Visit
from tests.integration.openrosa.helpers import (
    Collect,
    Filled,
    collect_headers,
    issue_key,
    submission_xml,
)
from tests.integration.visits.helpers import scalars

FORM_LIST = "{http://openrosa.org/xforms/xformsList}"
MANIFEST = "{http://openrosa.org/xforms/xformsManifest}"
XFORMS = "{http://www.w3.org/2002/xforms}"


async def test_form_list_has_the_openrosa_shape_and_one_form_for_the_assignments_instrument(collect: Collect, field):
    response = await collect.get("/formList")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.headers["x-openrosa-version"] == "1.0"
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{FORM_LIST}xforms"
    (entry,) = root.findall(f"{FORM_LIST}xform")
    assert [child.tag.removeprefix(FORM_LIST) for child in entry] == [
        "formID",
        "name",
        "version",
        "hash",
        "downloadUrl",
        "manifestUrl",
    ]
    assert entry.findtext(f"{FORM_LIST}formID") == "uji-foto-opsional-v1"
    assert entry.findtext(f"{FORM_LIST}version") == "1"
    xform = await collect.xform("uji-foto-opsional-v1")
    assert entry.findtext(f"{FORM_LIST}hash") == f"md5:{hashlib.md5(xform).hexdigest()}"
    assert str(entry.findtext(f"{FORM_LIST}downloadUrl")).endswith(
        f"{collect.base}/forms/uji-foto-opsional-v1/form.xml"
    )


async def test_the_xform_is_valid_xml_with_the_assignment_question_audit_and_every_indicator(collect: Collect):
    xform = ElementTree.fromstring(await collect.xform("uji-foto-opsional-v1"))

    data = next(iter(next(xform.iter(f"{XFORMS}instance"))))
    assert data.get("id") == "uji-foto-opsional-v1" and data.get("version") == "1"
    names = {element.tag.removeprefix(XFORMS) for element in data.iter()}
    assert {"sidak_start", "sidak_end", "audit", "sidak_assignment", "A01", "A01_photo", "D06", "instanceID"} <= names
    binds = {bind.get("nodeset"): bind for bind in xform.iter(f"{XFORMS}bind")}
    audit = next(bind for nodeset, bind in binds.items() if nodeset.endswith("/meta/audit"))
    assert "location-min-interval" in str(audit.attrib)
    assert any(element.get("src") == "jr://file-csv/assignments.csv" for element in xform.iter(f"{XFORMS}instance"))


async def test_the_manifest_serves_the_surveyors_own_open_assignments(collect: Collect, field, make):
    others = await make.assignment(wave=None, unit=field.unit)  # another surveyor's, in another wave
    response = await collect.get("/forms/uji-foto-opsional-v1/manifest")

    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{MANIFEST}manifest"
    (media,) = root.findall(f"{MANIFEST}mediaFile")
    assert media.findtext(f"{MANIFEST}filename") == "assignments.csv"
    listed = await collect.client.get(httpx_path(media.findtext(f"{MANIFEST}downloadUrl")), headers=collect_headers())
    assert media.findtext(f"{MANIFEST}hash") == f"md5:{hashlib.md5(listed.content).hexdigest()}"
    rows = list(csv.DictReader(io.StringIO(listed.text)))
    assert [row["name"] for row in rows] == [str(field.assignment.id)]
    assert str(others.id) not in listed.text
    assert rows[0]["label"].startswith(field.unit.name)
    assert float(rows[0]["lat"]) == field.unit.lat


def httpx_path(url: str | None) -> str:
    return httpx.URL(str(url)).path


async def test_an_unknown_key_is_refused_and_writes_nothing(collect: Collect, field, app):
    stranger = Collect(collect.client, collect.base.replace(collect.key, "x" * 43), "x" * 43, collect.surveyor)
    xform = await collect.xform("uji-foto-opsional-v1")

    listed = await stranger.get("/formList")
    posted = await stranger.post(submission_xml(xform, Filled(assignment_id=field.assignment.id)))

    assert listed.status_code == 403 and posted.status_code == 403
    assert b"not known" in posted.content and posted.headers["content-type"].startswith("text/xml")
    assert await scalars(app, select(Visit.id)) == []


async def test_a_revoked_key_is_refused_and_a_reissued_key_replaces_it(collect: Collect, field, make, client):
    admin = await make.user(role="admin")
    revoked = await client.delete(f"/api/collect-keys/{field.surveyor.id}", headers=make.headers(admin))
    assert revoked.status_code == 204

    refused = await collect.get("/formList")
    assert refused.status_code == 403 and b"revoked" in refused.content

    again = await issue_key(client, make, field.surveyor)
    assert (await again.get("/formList")).status_code == 200
    assert (await collect.get("/formList")).status_code == 403


async def test_keys_are_stored_hashed(collect: Collect, app):
    hashes = await scalars(app, select(CollectToken.token_hash))
    assert hashes == [hashlib.sha256(collect.key.encode()).hexdigest()]


async def test_head_submission_answers_204_with_the_accepted_content_length(collect: Collect):
    response = await collect.client.head(f"{collect.base}/submission", headers=collect_headers())

    assert response.status_code == 204
    assert int(response.headers["x-openrosa-accept-content-length"]) >= 10_000_000


async def test_form_list_without_the_openrosa_header_is_refused(collect: Collect):
    response = await collect.client.get(f"{collect.base}/formList")
    assert response.status_code == 400


async def test_a_supervisor_issues_keys_only_for_surveyors_of_their_regions(client, make, field):
    own = await make.user(role="supervisor", regions=[field.region])
    other = await make.user(role="supervisor", regions=[await make.region()])

    issued = await client.post(f"/api/collect-keys/{field.surveyor.id}", headers=make.headers(own))
    refused = await client.post(f"/api/collect-keys/{field.surveyor.id}", headers=make.headers(other))
    listed = await client.get("/api/collect-keys", headers=make.headers(own))

    assert issued.status_code == 201 and issued.json()["qr_svg"].startswith("<svg")
    assert refused.status_code == 403
    assert [row["surveyor_id"] for row in listed.json()] == [str(field.surveyor.id)]
    assert listed.json()[0]["key_issued_at"] is not None


async def test_head_submission_with_an_unknown_key_is_refused(collect: Collect):
    response = await collect.client.head(f"{collect.base.replace(collect.key, 'y' * 43)}/submission")
    assert response.status_code == 403


async def test_collects_device_id_query_is_accepted(collect: Collect, field):
    filled = Filled(assignment_id=field.assignment.id, audit=None)
    xml = submission_xml(await collect.xform("uji-foto-opsional-v1"), filled)
    response = await collect.client.post(
        f"{collect.base}/submission?deviceID=collect%3Aa1b2c3",
        files=[("xml_submission_file", ("submission.xml", xml, "text/xml"))],
        headers=collect_headers(),
    )
    assert response.status_code == 201, response.text
