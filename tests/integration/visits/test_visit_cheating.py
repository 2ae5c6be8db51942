"""The flags against a careful cheater, through the real sync API: each stored for reviewers with its measurements,
none on the surveyor's receipt; the flags across visits follow visits that arrive out of order or are corrected."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from server.db.models import Flag, Wave
from server.lib import clock
from tests.integration.visits.helpers import (
    declaration,
    iso,
    photo_file,
    re_encoded,
    return_for_correction,
    scalars,
    upload,
    visit_document,
)
from tests.photo_queue import drain
from tests.tracks import honest_track

BANDUNG = (-6.9175, 107.6191)  # about 96 km from Sumber, where the factories put units


async def flags_with(app, visit_id, code):
    return await scalars(app, select(Flag).where(Flag.visit_id == visit_id, Flag.code == code).order_by(Flag.id))


def receipt_codes(response):
    return {flag["code"] for flag in response.json()["flags"]}


def as_json(positions):
    return [{"lat": p.lat, "lon": p.lon, "accuracy_m": p.accuracy_m, "at": iso(p.at)} for p in positions]


def answered_over(doc, seconds):
    """The document's answers given one after another, ``seconds`` apart from its start."""
    started_at = datetime.fromisoformat(doc["started_at"])
    for i, answer in enumerate(doc["answers"]):
        answer["answered_at"] = iso(started_at + timedelta(seconds=seconds * i))
    return doc


async def put(client, field, doc, visit_id=None):
    visit_id = visit_id or uuid.uuid4()
    response = await client.put(f"/api/visits/{visit_id}", json=doc, headers=field.headers)
    assert response.status_code in (200, 201), response.text
    return visit_id, response


async def another_unit_of_the_surveyor(app, make, field, *, lat, lon):
    wave = (await scalars(app, select(Wave).where(Wave.id == field.assignment.wave_id)))[0]
    unit = await make.unit(agency=await make.agency(region=field.region), lat=lat, lon=lon)
    assignment = await make.assignment(wave=wave, unit=unit, surveyor=field.surveyor)
    return type(field)(field.region, unit, field.surveyor, assignment, field.headers)


# --- visit.too_fast ------------------------------------------------------------------------------------------------


async def test_a_full_checklist_in_four_minutes_is_too_fast_for_reviewers_only(app, client, field):
    started_at = clock.now() - timedelta(minutes=30)
    doc = answered_over(visit_document(field.assignment, field.unit, started_at=started_at, minutes=4), 5)

    visit_id, response = await put(client, field, doc)

    assert "visit.too_fast" not in receipt_codes(response)
    [flag] = await flags_with(app, visit_id, "visit.too_fast")
    assert flag.facts["reason"] == "duration" and flag.facts["duration_s"] == 240
    assert flag.facts["answered"] == len(doc["answers"]) and flag.facts["expected_s"] == len(doc["answers"]) * 12


async def test_an_honest_forty_minute_visit_with_answers_given_as_it_went_is_not_too_fast(app, client, field):
    doc = answered_over(visit_document(field.assignment, field.unit, minutes=40), 45)
    visit_id, _ = await put(client, field, doc)
    assert await flags_with(app, visit_id, "visit.too_fast") == []


# --- geo.mocked ----------------------------------------------------------------------------------------------------


async def test_positions_with_an_accuracy_of_zero_are_mocked_and_not_on_the_receipt(app, client, field):
    started_at = clock.now() - timedelta(minutes=50)
    track = honest_track(
        random.Random(1), field.unit.lat, field.unit.lon, started_at, started_at + timedelta(minutes=40)
    )
    positions = as_json(track)
    positions[4]["accuracy_m"] = 0
    doc = visit_document(field.assignment, field.unit, started_at=started_at, minutes=40, positions=positions)

    visit_id, response = await put(client, field, doc)

    assert "geo.mocked" not in receipt_codes(response)
    [flag] = await flags_with(app, visit_id, "geo.mocked")
    assert flag.facts == {"signals": [{"signal": "zero_accuracy", "positions": 1}]}


async def test_a_track_replayed_from_an_earlier_visit_is_mocked_and_names_that_visit(app, client, field):
    started_at = clock.now() - timedelta(days=2)
    track = honest_track(
        random.Random(2), field.unit.lat, field.unit.lon, started_at, started_at + timedelta(minutes=40)
    )
    first_doc = visit_document(
        field.assignment, field.unit, started_at=started_at, minutes=40, positions=as_json(track)
    )
    first_id, _ = await put(client, field, first_doc)
    replay_at = clock.now() - timedelta(minutes=50)
    shift = replay_at - started_at
    replayed = [{**p, "at": iso(datetime.fromisoformat(p["at"]) + shift)} for p in as_json(track)]
    second_doc = visit_document(field.assignment, field.unit, started_at=replay_at, minutes=40, positions=replayed)

    second_id, _ = await put(client, field, second_doc)

    assert await flags_with(app, first_id, "geo.mocked") == []
    [flag] = await flags_with(app, second_id, "geo.mocked")
    [signal] = flag.facts["signals"]
    assert signal["signal"] == "replayed" and signal["visit_id"] == str(first_id)


# --- photo.duplicate_in_visit --------------------------------------------------------------------------------------


async def test_one_file_declared_for_two_indicators_is_flagged_at_once(app, client, field):
    photo = photo_file("DSCN0012.jpg")
    declared = [declaration(photo, indicator="B01"), declaration(photo, indicator="B02")]
    doc = visit_document(field.assignment, field.unit, photos=declared)

    visit_id, response = await put(client, field, doc)

    assert "photo.duplicate_in_visit" not in receipt_codes(response)
    [flag] = await flags_with(app, visit_id, "photo.duplicate_in_visit")
    assert flag.facts["kind"] == "sha256" and sorted(flag.facts["indicators"]) == ["B01", "B02"]


async def test_a_re_encoded_copy_for_another_indicator_is_flagged_once_both_photos_are_stored(app, client, field):
    original = photo_file("DSCN0012.jpg")
    copy = re_encoded(original)
    taken_at = clock.now() - timedelta(minutes=25)
    declared = [
        declaration(original, indicator="B01", taken_at=taken_at),
        declaration(copy, indicator="B04", taken_at=taken_at + timedelta(minutes=2)),
    ]
    visit_id, _ = await put(client, field, visit_document(field.assignment, field.unit, photos=declared))
    assert await flags_with(app, visit_id, "photo.duplicate_in_visit") == []

    await upload(client, visit_id, declared[1], copy, field.headers)  # the copy first: nothing to compare yet
    await drain(app)
    assert await flags_with(app, visit_id, "photo.duplicate_in_visit") == []
    await upload(client, visit_id, declared[0], original, field.headers)
    assert await flags_with(app, visit_id, "photo.duplicate_in_visit") == []  # known once it is rendered
    await drain(app)

    [flag] = await flags_with(app, visit_id, "photo.duplicate_in_visit")
    assert flag.facts["kind"] == "phash" and flag.facts["indicators"] == ["B01", "B04"]
    assert str(flag.photo_id) == declared[1]["id"]


# --- visit.impossible_travel ---------------------------------------------------------------------------------------


async def test_visits_in_sumber_and_bandung_half_an_hour_apart_flag_each_other_whichever_arrives_first(
    app, client, make, field
):
    bandung = await another_unit_of_the_surveyor(app, make, field, lat=BANDUNG[0], lon=BANDUNG[1])
    morning = clock.now() - timedelta(hours=3)
    afternoon = morning + timedelta(minutes=40 + 30)
    later_id, response = await put(
        client,
        bandung,
        visit_document(bandung.assignment, bandung.unit, started_at=afternoon, minutes=40, positions=None),
    )
    assert "visit.impossible_travel" not in receipt_codes(response)
    earlier_id, _ = await put(
        client, field, visit_document(field.assignment, field.unit, started_at=morning, minutes=40)
    )

    [at_sumber] = await flags_with(app, earlier_id, "visit.impossible_travel")
    [at_bandung] = await flags_with(app, later_id, "visit.impossible_travel")
    assert at_sumber.facts["other_visit_id"] == str(later_id) and at_sumber.facts["kind"] == "speed"
    assert at_bandung.facts["other_visit_id"] == str(earlier_id) and at_bandung.facts["gap_s"] == 1800


async def test_a_correction_that_moves_a_visit_to_another_day_clears_both_travel_flags(app, client, make, field):
    bandung = await another_unit_of_the_surveyor(app, make, field, lat=BANDUNG[0], lon=BANDUNG[1])
    morning = clock.now() - timedelta(days=3)
    first_id, _ = await put(client, field, visit_document(field.assignment, field.unit, started_at=morning, minutes=40))
    second_doc = visit_document(bandung.assignment, bandung.unit, started_at=morning + timedelta(minutes=20))
    second_id, _ = await put(client, bandung, second_doc)
    assert len(await flags_with(app, first_id, "visit.impossible_travel")) == 1
    assert (await flags_with(app, second_id, "visit.impossible_travel"))[0].facts["kind"] == "overlap"

    await return_for_correction(app, make, second_id)
    corrected = visit_document(
        bandung.assignment, bandung.unit, revision=2, started_at=morning + timedelta(days=1), minutes=40
    )
    await put(client, bandung, corrected, visit_id=second_id)

    assert await flags_with(app, first_id, "visit.impossible_travel") == []
    assert await flags_with(app, second_id, "visit.impossible_travel") == []


async def test_two_visits_a_day_apart_and_two_visits_of_one_town_are_not_impossible_travel(app, client, make, field):
    nearby = await another_unit_of_the_surveyor(
        app, make, field, lat=field.unit.lat + 0.02, lon=field.unit.lon + 0.02
    )  # about 3 km away
    morning = clock.now() - timedelta(hours=5)
    first_id, _ = await put(client, field, visit_document(field.assignment, field.unit, started_at=morning, minutes=40))
    second_id, _ = await put(
        client,
        nearby,
        visit_document(nearby.assignment, nearby.unit, started_at=morning + timedelta(minutes=55), minutes=40),
    )
    assert await flags_with(app, first_id, "visit.impossible_travel") == []
    assert await flags_with(app, second_id, "visit.impossible_travel") == []
