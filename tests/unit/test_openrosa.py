"""The pure half of ODK Collect support: reading hostile submission XML, the OpenRosa documents, a submission as a
visit document, Collect's audit log, and the settings QR code."""

from __future__ import annotations

import base64
import json
import uuid
import xml.etree.ElementTree as ElementTree
import zlib
from datetime import UTC, datetime

import pytest

from server.domain.instruments.defaults import load_default_instrument
from server.domain.instruments.documents import Choice, Text
from server.domain.openrosa.collect_settings import client_name, is_well_formed_key, new_key, settings_payload
from server.domain.openrosa.documents import FormEntry, form_list_xml, parse_submission, response_xml
from server.domain.openrosa.mapping import AttachedFile, parse_audit_log, photo_id, visit_document
from server.domain.openrosa.xform import collect_xform
from server.lib.errors import OpenRosaAttachmentMissing, OpenRosaXmlInvalid

INSTANCE = uuid.UUID("7b0c6b2e-1d4c-4e8e-9a51-0f7c1d2e3a4b")
ASSIGNMENT = uuid.UUID("11111111-2222-4333-8444-555555555555")


def submission(body: str, *, instance: str = f"uuid:{INSTANCE}", version: str = "1") -> bytes:
    return (
        f'<?xml version="1.0"?><data xmlns:orx="http://openrosa.org/xforms" id="ombudsman-kepatuhan-v1" '
        f'version="{version}"><sidak_start>2026-12-07T09:00:00.000+07:00</sidak_start>'
        "<sidak_end>2026-12-07T09:30:00.000+07:00</sidak_end>"
        f"<sidak_assignment>{ASSIGNMENT}</sidak_assignment>{body}"
        f"<orx:meta><orx:audit>audit.csv</orx:audit><orx:instanceID>{instance}</orx:instanceID></orx:meta></data>"
    ).encode()


def test_a_submission_is_read_by_local_names_with_its_form_and_instance():
    parsed = parse_submission(submission("<A><A01>yes</A01><A01_photo>a.jpg</A01_photo></A>"))

    assert parsed.form_id == "ombudsman-kepatuhan-v1" and parsed.form_version == "1"
    assert parsed.instance_id == INSTANCE
    assert [(leaf.path, leaf.text) for leaf in parsed.leaves if leaf.name.startswith("A0")] == [
        ("A/A01", "yes"),
        ("A/A01_photo", "a.jpg"),
    ]


@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><data id="f">&b;</data>',
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><data id="f">&x;</data>',
        b"<data id='f'><unclosed></data>",
        b"not xml at all",
    ],
)
def test_entity_bombs_external_entities_and_broken_xml_are_refused(xml):
    with pytest.raises(OpenRosaXmlInvalid):
        parse_submission(xml)


def test_a_deeply_nested_submission_is_refused_without_exhausting_the_stack():
    deep = b'<data id="f">' + b"<g>" * 30_000 + b"</g>" * 30_000 + b"</data>"
    with pytest.raises(OpenRosaXmlInvalid):
        parse_submission(deep)


def test_an_instance_id_that_is_not_a_uuid_is_refused():
    with pytest.raises(OpenRosaXmlInvalid, match="instanceID"):
        parse_submission(submission("", instance="uuid:not-a-uuid"))


def test_the_form_list_and_response_have_the_openrosa_namespaces():
    entry = FormEntry("k-v1", "Nama", "1", "ab" * 16, "http://h/f.xml", "http://h/m")
    form_list = ElementTree.fromstring(form_list_xml([entry]))
    response = ElementTree.fromstring(response_xml("Ditolak", is_error=True))

    assert form_list.tag == "{http://openrosa.org/xforms/xformsList}xforms"
    assert form_list.findtext(".//{http://openrosa.org/xforms/xformsList}hash") == f"md5:{'ab' * 16}"
    assert response.tag == "{http://openrosa.org/http/response}OpenRosaResponse"
    assert response.find("{http://openrosa.org/http/response}message").get("nature") == "error"


AUDIT = (
    b"event,node,start,end,latitude,longitude,accuracy\n"
    b"form start,,1796608800000,,,,\n"
    b"location,,1796608830000,,-6.7616,108.4808,9.5\n"
    b"location,,1796608830000,,-6.7616,108.4808,9.5\n"
    b"question,/data/A/A01,1796608900000,1796608960000,-6.7617,108.4809,7\n"
    b"question,/data/A/A01_photo,1796608970000,1796609000000,-6.7618,108.4809,6\n"
    b"broken row,,not-a-time,,north,,\n"
)


def test_answers_photos_times_and_positions_come_from_the_xml_and_the_audit_log():
    parsed = parse_submission(submission("<A><A01>yes</A01><A01_photo>a.jpg</A01_photo><A11>2</A11><A14>7.5</A14></A>"))
    files = {"a.jpg": AttachedFile(sha256="f" * 64, size=1234, content_type="image/jpeg")}

    doc = visit_document(parsed, load_default_instrument(), files, parse_audit_log(AUDIT))

    assert doc.assignment_id == ASSIGNMENT and doc.revision == 1
    assert doc.started_at == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    assert {answer.indicator: answer.value for answer in doc.answers} == {"A01": True, "A11": 2, "A14": 7.5}
    a01 = next(answer for answer in doc.answers if answer.indicator == "A01")
    assert a01.answered_at == datetime.fromtimestamp(1796608960, UTC)
    (photo,) = doc.photos
    assert photo.id == photo_id(INSTANCE, "a.jpg") and photo.indicator == "A01" and photo.sha256 == "f" * 64
    assert (photo.lat, photo.taken_at) == (-6.7618, datetime.fromtimestamp(1796609000, UTC))
    assert [(p.lat, p.accuracy_m) for p in doc.positions] == [(-6.7616, 9.5), (-6.7617, 7.0), (-6.7618, 6.0)]


def test_a_value_that_does_not_fit_is_passed_on_for_the_visit_validator_to_name():
    parsed = parse_submission(submission("<A><A01>maybe</A01></A>"))
    doc = visit_document(parsed, load_default_instrument(), {}, [])
    assert doc.answers[0].value == "maybe"


def test_a_photo_named_but_not_attached_is_refused():
    parsed = parse_submission(submission("<A><A01>yes</A01><A01_photo>a.jpg</A01_photo></A>"))
    with pytest.raises(OpenRosaAttachmentMissing, match="a.jpg"):
        visit_document(parsed, load_default_instrument(), {}, [])


def test_the_settings_qr_payload_is_base64_zlib_json_that_collect_reads():
    key = new_key()
    payload = settings_payload(f"https://sidak.example/api/openrosa/{key}", project_name="Sidak", surveyor_name="Ani")

    settings = json.loads(zlib.decompress(base64.b64decode(payload)))

    assert is_well_formed_key(key)
    assert settings["general"]["server_url"].endswith(key)
    assert settings["general"]["form_update_mode"] == "match_exactly"
    assert set(settings) == {"general", "admin", "project"}


def test_the_client_is_named_from_collects_user_agent():
    agent = "Dalvik/2.1.0 (Linux; U; Android 13) org.odk.collect.android/v2024.3.1"
    assert client_name(agent) == "ODK Collect v2024.3.1"
    assert client_name("") == "OpenRosa client"


def test_a_yes_no_with_its_own_wording_maps_its_yes_and_its_no():
    instrument = load_default_instrument()
    a01 = instrument.indicators()["A01"]
    a01.choices = [
        Choice(value="ada", label=Text(id="Ada"), score=1),
        Choice(value="tidak_ada", label=Text(id="Tidak ada"), score=0),
    ]
    parsed = parse_submission(submission("<A><A01>tidak_ada</A01><A02>yes</A02></A>"))

    doc = visit_document(parsed, instrument, {}, [])

    assert {answer.indicator: answer.value for answer in doc.answers} == {"A01": False, "A02": True}


def test_a_yes_no_worded_by_its_form_and_a_photo_named_by_its_author_are_read_from_collect():
    from server.domain.instruments.xlsform import read_xlsform
    from tests.xlsforms import a_checklist

    form = a_checklist(
        [["select_one ada", "A01", "Papan informasi", "yes"], ["image", "foto_papan", "Foto papan", "yes"]],
        [["ada", "ya", "Ada"], ["ada", "tidak", "Tidak ada"]],
        header=("type", "name", "label", "required"),
    )
    instrument = read_xlsform(form).instrument
    parsed = parse_submission(submission("<A><A01>ya</A01><foto_papan>p.jpg</foto_papan></A>"))
    audit = b"event,node,start,end,latitude,longitude,accuracy\n" + (
        b"question,/data/A/foto_papan,1796608970000,1796609000000,-6.7618,108.4809,6\n"
    )
    files = {"p.jpg": AttachedFile(sha256="f" * 64, size=1234, content_type="image/jpeg")}

    doc = visit_document(parsed, instrument, files, parse_audit_log(audit))

    assert [(answer.indicator, answer.value) for answer in doc.answers] == [("A01", True)]
    (photo,) = doc.photos
    assert (photo.indicator, photo.lat) == ("A01", -6.7618)
    xform = collect_xform(instrument)
    assert "/data/A/foto_papan" in xform and "Tidak ada" in xform
