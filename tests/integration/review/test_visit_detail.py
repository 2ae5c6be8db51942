from __future__ import annotations

import uuid
from datetime import timedelta

from geopy.distance import geodesic

from server.db.models import Review
from server.domain.visits.integrity import FLAG_CODES
from server.lib import clock
from tests.integration.review.factories import FlagSpec, a_scene, a_submitted_visit, best_answers


async def detail(client, make, user, visit_id):
    return await client.get(f"/api/review/visits/{visit_id}", headers=make.headers(user))


async def test_each_answer_comes_with_its_indicator_text_and_beside_its_photos(client, make):
    scene = await a_scene(make)
    answers = best_answers(scene.instrument)
    answers["B01"] = 1
    del answers["C06"]  # left unanswered
    visit = await a_submitted_visit(
        make,
        await scene.assignment(make, scene.units[0]),
        answers=answers,
        notes={"B01": "Papan persyaratan tertutup lemari."},
    )

    body = (await detail(client, make, scene.supervisor, visit.id)).json()

    assert body["id"] == str(visit.id) and body["status"] == "submitted" and body["revision"] == 1
    assert body["allowed_decisions"] == ["approve", "reject", "return"]
    by_indicator = {answer["indicator"]: answer for answer in body["answers"]}
    assert list(by_indicator) == list(scene.instrument.indicators())  # instrument order, every indicator
    b01 = by_indicator["B01"]
    indicator = scene.instrument.indicators()["B01"]
    assert (b01["dimension"], b01["type"], b01["value"], b01["is_answered"]) == ("B", "scale_0_3", 1, True)
    assert b01["text"] == {"id": indicator.text.id, "en": indicator.text.en}
    assert b01["note"] == "Papan persyaratan tertutup lemari."
    assert b01["score"] is None  # not scored before approval
    [photo] = b01["photos"]
    assert photo["indicator"] == "B01" and photo["is_stored"]
    assert photo["urls"] == {kind: f"/api/photos/{photo['id']}/{kind}" for kind in ("thumb", "display", "original")}
    assert by_indicator["C06"]["is_answered"] is False and by_indicator["C06"]["value"] is None
    assert [d["id"] for d in body["dimensions"]] == ["A", "B", "C", "D"]


async def test_flags_are_explained_in_both_languages_most_severe_first(client, make):
    scene = await a_scene(make)
    visit = await a_submitted_visit(
        make,
        await scene.assignment(make, scene.units[0]),
        flags=[
            FlagSpec("photo.no_exif", "info", on_photo_of="A01"),
            FlagSpec(
                "geo.outside", "critical", "840 m away", facts={"distance_m": 840, "geofence_m": 100, "accuracy_m": 9}
            ),
            FlagSpec("photo.far", "warning", on_photo_of="A01"),
        ],
    )

    body = (await detail(client, make, scene.supervisor, visit.id)).json()

    assert [flag["code"] for flag in body["flags"]] == ["geo.outside", "photo.far", "photo.no_exif"]
    geo = body["flags"][0]
    assert geo["detail"] == "840 m away" and geo["severity"] == "critical"
    assert geo["facts"] == {"distance_m": 840, "geofence_m": 100, "accuracy_m": 9}
    assert body["flags"][2]["facts"] is None  # a flag computed before measurements were kept
    assert "geofence" in geo["explanation"]["en"] and "radius" in geo["explanation"]["id"]
    a01_photo = next(a for a in body["answers"] if a["indicator"] == "A01")["photos"][0]
    assert body["flags"][1]["photo_id"] == a01_photo["id"]
    assert sorted(a01_photo["flags"]) == ["photo.far", "photo.no_exif"]


async def test_positions_carry_their_distance_to_the_unit_and_the_visit_its_time_on_site(client, make):
    scene = await a_scene(make)
    unit = scene.units[0]
    near = (unit.lat + 0.0003, unit.lon, 10.0)
    far = (unit.lat + 0.01, unit.lon, 25.0)
    visit = await a_submitted_visit(make, await scene.assignment(make, unit), positions=[far, near], duration_s=37 * 60)

    body = (await detail(client, make, scene.supervisor, visit.id)).json()

    far_m = geodesic((unit.lat, unit.lon), far[:2]).meters
    near_m = geodesic((unit.lat, unit.lon), near[:2]).meters
    assert [round(p["distance_to_unit_m"], 3) for p in body["positions"]] == [round(far_m, 3), round(near_m, 3)]
    assert 1000 < far_m < 1200 and 25 < near_m < 40  # 0.01° of latitude is about 1.1 km
    assert [p["is_within_geofence"] for p in body["positions"]] == [False, True]
    assert body["nearest_distance_m"] == body["positions"][1]["distance_to_unit_m"]
    assert body["time_on_site_s"] == 37 * 60
    assert body["unit"] == {
        "id": str(unit.id),
        "name": unit.name,
        "address": unit.address,
        "lat": unit.lat,
        "lon": unit.lon,
        "geofence_m": unit.geofence_m,
        "opening_hours": unit.opening_hours,
    }


async def test_revision_history_shows_what_changed_and_the_reviews_so_far(client, make, app):
    scene = await a_scene(make)
    before = best_answers(scene.instrument)
    before["A05"] = False
    visit = await a_submitted_visit(
        make, await scene.assignment(make, scene.units[0]), revision=2, previous_answers=before
    )
    async with app.state.session_factory() as session, session.begin():
        session.add(
            Review(
                visit_id=visit.id,
                revision=1,
                decision="return",
                comment="Foto A05 buram.",
                indicator_comments=[{"indicator": "A05", "text": "Ulangi fotonya."}],
                reviewer_id=scene.supervisor.id,
                decided_at=clock.now() - timedelta(hours=2),
            )
        )

    body = (await detail(client, make, scene.supervisor, visit.id)).json()

    assert [(r["revision"], r["changed_indicators"]) for r in body["revisions"]] == [(1, None), (2, ["A05"])]
    [review] = body["reviews"]
    assert review["decision"] == "return" and review["revision"] == 1 and review["comment"] == "Foto A05 buram."
    assert review["indicator_comments"] == [{"indicator": "A05", "text": "Ulangi fotonya."}]
    assert review["reviewer"] == {"id": str(scene.supervisor.id), "display_name": scene.supervisor.display_name}


async def test_a_supervisor_of_another_region_gets_the_same_404_as_for_an_unknown_visit(client, make):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))

    hidden = await detail(client, make, scene.other_supervisor, visit.id)
    unknown = await detail(client, make, scene.other_supervisor, uuid.uuid4())

    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["detail"] == unknown.json()["detail"]
    assert (await detail(client, make, scene.admin, visit.id)).status_code == 200
    assert (await detail(client, make, scene.surveyor, visit.id)).status_code == 403


async def test_every_flag_code_has_an_explanation_on_the_visit_page(client, make):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]), flags=list(FLAG_CODES))

    flags = (await detail(client, make, scene.supervisor, visit.id)).json()["flags"]

    assert {flag["code"] for flag in flags} == set(FLAG_CODES)
    assert len({flag["explanation"]["en"] for flag in flags}) == len(FLAG_CODES)
