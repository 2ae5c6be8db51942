"""A Collect submission becomes a visit through the PWA's own service: photos, flags, replay, conflict, split
attachments, and every refusal storing nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import xml.etree.ElementTree as ElementTree

from sqlalchemy import func, select, update

from server.db.models import AuditEvent, OpenRosaStagedFile, OpenRosaSubmission, Photo, Visit
from server.domain.instruments.documents import Metadata
from tests.integration.openrosa.helpers import (
    Collect,
    Filled,
    audit_log,
    every_answer,
    issue_key,
    submission_xml,
)
from tests.integration.visits.helpers import (
    PhotoFile,
    execute,
    instrument_with_optional_photos,
    return_for_correction,
    scalars,
    unique_jpeg,
)
from tests.photo_queue import drain

FORM = "uji-foto-opsional-v1"
RESPONSE = "{http://openrosa.org/http/response}"
FORM_LIST = "{http://openrosa.org/xforms/xformsList}"
XFORMS = "{http://www.w3.org/2002/xforms}"


def message(response) -> str:
    return str(ElementTree.fromstring(response.content).findtext(f"{RESPONSE}message"))


async def a_submission(collect: Collect, field, **changes) -> tuple[Filled, bytes, dict]:
    """An honest visit of the field's unit with two photos and Collect's audit log."""
    filled = Filled(
        assignment_id=field.assignment.id, answers=every_answer(), photos={"A01": "a01.jpg", "B01": "b01.jpg"}
    )
    for name, value in changes.items():
        setattr(filled, name, value)
    xml = submission_xml(await collect.xform(FORM), filled)
    files = {"a01.jpg": unique_jpeg(), "b01.jpg": unique_jpeg()}
    return filled, xml, {**files, "audit.csv": audit_log(filled, field.unit.lat, field.unit.lon)}


async def test_a_submission_becomes_a_visit_with_its_photos_flags_and_client(collect: Collect, field, client, app):
    filled, xml, files = await a_submission(collect, field)

    response = await collect.post(xml, files)

    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert message(response) == "Visit received."
    visit = (await client.get(f"/api/visits/{filled.instance_id}", headers=field.headers)).json()
    assert visit["status"] == "submitted" and visit["missing_photos"] == []
    assert visit["assignment_id"] == str(field.assignment.id)
    photos = await scalars(app, select(Photo).where(Photo.visit_id == filled.instance_id))
    assert sorted(photo.indicator for photo in photos) == ["A01", "B01"]
    assert all(photo.stored_at is not None for photo in photos)
    assert {photo.sha256 for photo in photos} == {files["a01.jpg"].sha256, files["b01.jpg"].sha256}
    (client_name,) = await scalars(app, select(OpenRosaSubmission.client))
    assert client_name == "ODK Collect v2024.3.1"
    codes = [flag["code"] for flag in visit["flags"]]
    assert "geo.outside" not in codes


async def test_a_visit_far_from_the_unit_is_flagged_as_the_pwa_would_be(collect: Collect, field, client, app):
    filled, xml, files = await a_submission(collect, field)
    files["audit.csv"] = audit_log(filled, field.unit.lat + 0.05, field.unit.lon)  # ~5.5 km away

    assert (await collect.post(xml, files)).status_code == 201

    visit = (await client.get(f"/api/visits/{filled.instance_id}", headers=field.headers)).json()
    assert "geo.outside" in [flag["code"] for flag in visit["flags"]]


async def test_an_identical_resubmission_answers_the_same_and_doubles_nothing(collect: Collect, field, app):
    filled, xml, files = await a_submission(collect, field)

    first = await collect.post(xml, files)
    again = await collect.post(xml, files)

    assert first.status_code == 201 and again.status_code == 201
    assert message(again) == "Visit already received."
    assert await scalars(app, select(func.count()).select_from(Visit)) == [1]
    assert await scalars(app, select(func.count()).select_from(Photo)) == [2]
    received = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "visit.received")
    assert await scalars(app, received) == [1]


async def test_the_same_instance_with_different_xml_is_a_conflict(collect: Collect, field, app):
    filled, xml, files = await a_submission(collect, field)
    assert (await collect.post(xml, files)).status_code == 201
    changed = {**filled.answers, "A02": "no"}
    filled.answers = changed
    other_xml = submission_xml(await collect.xform(FORM), filled)

    response = await collect.post(other_xml, files)

    assert response.status_code == 409
    assert "already stored" in message(response)
    (visit,) = await scalars(app, select(Visit))
    assert visit.revision == 1


async def test_attachments_split_over_several_posts_assemble_into_one_visit(collect: Collect, field, client, app):
    filled, xml, files = await a_submission(collect, field)
    first_part = {"a01.jpg": files["a01.jpg"], "audit.csv": files["audit.csv"]}

    partial = await collect.post(xml, first_part, is_incomplete=True)
    assert partial.status_code == 201
    assert await scalars(app, select(Visit.id)) == []
    last = await collect.post(xml, {"b01.jpg": files["b01.jpg"]})

    assert last.status_code == 201, last.text
    visit = (await client.get(f"/api/visits/{filled.instance_id}", headers=field.headers)).json()
    assert visit["status"] == "submitted" and visit["missing_photos"] == []
    assert await scalars(app, select(OpenRosaStagedFile.filename)) == []


async def test_a_resent_last_part_of_a_stored_split_submission_is_a_replay(collect: Collect, field, app):
    filled, xml, files = await a_submission(collect, field)
    first_part = {"a01.jpg": files["a01.jpg"], "audit.csv": files["audit.csv"]}
    assert (await collect.post(xml, first_part, is_incomplete=True)).status_code == 201
    assert (await collect.post(xml, {"b01.jpg": files["b01.jpg"]})).status_code == 201

    again = await collect.post(xml, {"b01.jpg": files["b01.jpg"]})

    assert again.status_code == 201 and message(again) == "Visit already received."
    assert await scalars(app, select(func.count()).select_from(Photo)) == [2]


async def test_a_replay_brings_a_photo_the_stored_visit_still_misses(collect: Collect, field, client, app):
    filled, xml, files = await a_submission(collect, field)
    assert (await collect.post(xml, files)).status_code == 201
    stored = await scalars(app, select(Photo).where(Photo.indicator == "B01"))
    await execute(app, update(Photo).where(Photo.id == stored[0].id).values(stored_at=None))  # as if it had failed

    again = await collect.post(xml, {"b01.jpg": files["b01.jpg"]})

    assert again.status_code == 201
    visit = (await client.get(f"/api/visits/{filled.instance_id}", headers=field.headers)).json()
    assert visit["missing_photos"] == [] and visit["status"] == "submitted"


async def test_a_named_photo_that_never_arrives_is_refused_and_nothing_is_stored(collect: Collect, field, app):
    filled, xml, files = await a_submission(collect, field)
    del files["b01.jpg"]

    response = await collect.post(xml, files)

    assert response.status_code == 422
    assert "b01.jpg" in message(response)
    assert await scalars(app, select(Visit.id)) == []


async def test_another_surveyors_assignment_is_refused_and_nothing_is_stored(collect: Collect, field, make, app):
    theirs = await make.assignment(wave=None, unit=field.unit)
    filled, xml, files = await a_submission(collect, field, assignment_id=theirs.id)

    response = await collect.post(xml, files)

    assert response.status_code == 403
    assert "another surveyor" in message(response)
    assert await scalars(app, select(Visit.id)) == []


async def test_a_form_version_that_is_not_the_assignments_is_refused(collect: Collect, field, app):
    filled, xml, files = await a_submission(collect, field)
    old = xml.replace(b'version="1"', b'version="0"', 1)

    response = await collect.post(old, files)

    assert response.status_code == 422
    assert "not this assignment's form" in message(response)
    assert await scalars(app, select(Visit.id)) == []


async def test_bad_xml_is_refused_with_an_openrosa_message(collect: Collect, app):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><data id="x">&b;</data>'
    )

    response = await collect.post(bomb)

    assert response.status_code == 400
    assert "DTD" in message(response)
    assert await scalars(app, select(Visit.id)) == []


async def test_a_submission_with_a_revoked_key_is_refused(collect: Collect, field, make, client, app):
    filled, xml, files = await a_submission(collect, field)
    admin = await make.user(role="admin")
    await client.delete(f"/api/collect-keys/{field.surveyor.id}", headers=make.headers(admin))

    response = await collect.post(xml, files)

    assert response.status_code == 403
    assert await scalars(app, select(Visit.id)) == []


async def test_a_returned_collect_visit_is_corrected_in_the_pwa(collect: Collect, field, client, app, make):
    """Collect cannot receive a correction request: the PWA lists the returned visit with its document and sends the
    next revision through the same contract."""
    filled, xml, files = await a_submission(collect, field)
    assert (await collect.post(xml, files)).status_code == 201
    await return_for_correction(app, make, filled.instance_id)

    (returned,) = (await client.get("/api/me/visits", headers=field.headers)).json()
    corrected = {**returned["document"], "revision": 2}
    response = await client.put(f"/api/visits/{filled.instance_id}", json=corrected, headers=field.headers)

    assert response.status_code == 200, response.text
    assert response.json()["revision"] == 2
    resent = await collect.post(xml, files)  # Collect's copy, sent again: received already, changes nothing
    assert resent.status_code == 201 and message(resent) == "Visit already received."
    (visit,) = await scalars(app, select(Visit))
    assert visit.revision == 2


async def test_the_review_page_names_the_client_that_sent_each_visit(collect: Collect, field, client, make):
    filled, xml, files = await a_submission(collect, field)
    assert (await collect.post(xml, files)).status_code == 201
    admin = make.headers(await make.user(role="admin"))

    detail = (await client.get(f"/api/review/visits/{filled.instance_id}", headers=admin)).json()

    assert detail["client"] == "ODK Collect v2024.3.1"


async def test_a_returned_visit_says_so_in_collects_assignment_list(collect: Collect, field, app, make):
    filled, xml, files = await a_submission(collect, field)
    assert (await collect.post(xml, files)).status_code == 201
    before = (await collect.get(f"/forms/{FORM}/manifest")).text
    await return_for_correction(app, make, filled.instance_id, comment="Foto loket buram,\nambil ulang")

    listed = (await collect.get(f"/forms/{FORM}/assignments.csv")).text
    after = (await collect.get(f"/forms/{FORM}/manifest")).text

    (row,) = list(csv.DictReader(io.StringIO(listed)))
    assert row["label"].endswith("DIKEMBALIKAN, perbaiki di aplikasi Sidak: Foto loket buram, ambil ulang")
    assert before != after  # a new hash: Collect fetches the list again at its next form update


async def test_a_photo_that_cannot_be_decoded_is_received_then_flagged_unreadable_as_in_the_pwa(
    collect: Collect, field, client, app
):
    filled, xml, files = await a_submission(collect, field)
    broken = files["b01.jpg"].data[:2000]  # a JPEG cut short after its header: only decoding meets the cut
    files["b01.jpg"] = PhotoFile(files["b01.jpg"].path, broken, hashlib.sha256(broken).hexdigest(), "image/jpeg")

    response = await collect.post(xml, files)
    await drain(app)

    assert response.status_code == 201, response.text
    visit = (await client.get(f"/api/visits/{filled.instance_id}", headers=field.headers)).json()
    assert visit["missing_photos"] == []
    assert "photo.unreadable" in {flag["code"] for flag in visit["flags"]}


async def test_a_version_written_as_text_names_the_collect_form_and_its_submissions_are_accepted(client, make, app):
    document = instrument_with_optional_photos()
    document.version = "1.2.0"
    document.metadata = [Metadata(type="start", name="mulai"), Metadata(type="username", name="petugas")]
    unit = await make.unit()
    surveyor = await make.user(role="surveyor")
    wave = await make.wave(instrument=await make.instrument(document))
    assignment = await make.assignment(wave=wave, unit=unit, surveyor=surveyor)
    collect = await issue_key(client, make, surveyor)

    entry = (await collect.form_list()).find(f"{FORM_LIST}xform")
    xform = await collect.xform("uji-foto-opsional-v1.2.0")
    filled = Filled(assignment_id=assignment.id, answers=every_answer(), audit=None)
    response = await collect.post(submission_xml(xform, filled), {})

    assert entry is not None and entry.findtext(f"{FORM_LIST}formID") == "uji-foto-opsional-v1.2.0"
    assert entry.findtext(f"{FORM_LIST}version") == "1.2.0"
    data = next(iter(next(ElementTree.fromstring(xform).iter(f"{XFORMS}instance"))))
    assert data.get("version") == "1.2.0"
    assert {"mulai", "petugas"} <= {element.tag.removeprefix(XFORMS) for element in data.iter()}
    assert response.status_code == 201, response.text
    assert await scalars(app, select(Visit.id)) == [filled.instance_id]
