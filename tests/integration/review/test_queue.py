from __future__ import annotations

from tests.integration.review.factories import FlagSpec, a_scene, a_submitted_visit


async def queue(client, make, user, **params):
    response = await client.get("/api/review/visits", params=params, headers=make.headers(user))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_supervisor_sees_only_visits_of_units_in_their_regions(client, make):
    scene = await a_scene(make)
    mine = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    theirs = await a_submitted_visit(make, await scene.assignment(make, scene.other_units[0]))

    own = await queue(client, make, scene.supervisor)
    other = await queue(client, make, scene.other_supervisor)
    everything = await queue(client, make, scene.admin)

    assert [row["id"] for row in own["items"]] == [str(mine.id)]
    assert [row["id"] for row in other["items"]] == [str(theirs.id)]
    assert {row["id"] for row in everything["items"]} == {str(mine.id), str(theirs.id)}
    assert own["total"] == 1 and own["counts"]["status"] == {"submitted": 1}


async def test_a_supervisor_without_regions_sees_an_empty_queue(client, make):
    scene = await a_scene(make)
    await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    lonely = await make.user(role="supervisor")

    body = await queue(client, make, lonely)

    assert body["items"] == [] and body["total"] == 0


async def test_each_row_names_the_place_surveyor_flags_and_photo_counts(client, make):
    scene = await a_scene(make)
    visit = await a_submitted_visit(
        make,
        await scene.assignment(make, scene.units[0]),
        flags=[
            FlagSpec("photo.far", "warning", on_photo_of="A01"),
            FlagSpec("photo.far", "warning", on_photo_of="A02"),
            FlagSpec("geo.outside", "critical"),
            FlagSpec("photo.no_exif", "info", on_photo_of="A01"),
        ],
    )

    row = (await queue(client, make, scene.supervisor))["items"][0]

    assert row["id"] == str(visit.id)
    assert row["unit"] == {"id": str(scene.units[0].id), "name": scene.units[0].name}
    assert row["agency"]["name"] == "DPMPTSP" and row["region"]["name"] == "Kabupaten Cirebon"
    assert row["wave"]["id"] == str(scene.wave.id)
    assert row["surveyor"] == {"id": str(scene.surveyor.id), "display_name": scene.surveyor.display_name}
    assert row["status"] == "submitted" and row["revision"] == 1
    assert row["time_on_site_s"] == 40 * 60
    assert row["flags"] == [
        {"code": "geo.outside", "severity": "critical", "count": 1},
        {"code": "photo.far", "severity": "warning", "count": 2},
        {"code": "photo.no_exif", "severity": "info", "count": 1},
    ]
    required_photos = sum(1 for i in scene.instrument.indicators().values() if i.photo == "required")
    assert row["photos"] == {"declared": required_photos, "stored": required_photos, "processing": 0}


async def test_incomplete_visits_stay_out_of_the_queue_unless_asked_for(client, make):
    scene = await a_scene(make)
    ready = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    waiting = await a_submitted_visit(
        make, await scene.assignment(make, scene.units[1]), status="incomplete", photos_stored=False
    )

    default = await queue(client, make, scene.supervisor)
    incomplete = await queue(client, make, scene.supervisor, status="incomplete")

    assert [row["id"] for row in default["items"]] == [str(ready.id)]
    assert [row["id"] for row in incomplete["items"]] == [str(waiting.id)]
    assert incomplete["items"][0]["photos"]["stored"] == 0
    assert default["counts"]["status"] == {"submitted": 1, "incomplete": 1}


async def test_filters_narrow_the_queue_and_counts_ignore_only_their_own_filter(client, make):
    scene = await a_scene(make, units=3)
    flagged = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]), flags=["geo.outside"])
    approved = await a_submitted_visit(
        make, await scene.assignment(make, scene.units[1]), status="approved", flags=["geo.outside", "visit.too_fast"]
    )
    plain = await a_submitted_visit(make, await scene.assignment(make, scene.units[2]))
    elsewhere = await a_submitted_visit(make, await scene.assignment(make, scene.other_units[0]), flags=["geo.outside"])

    by_flag = await queue(client, make, scene.admin, flag="geo.outside", region=str(scene.region.id))
    by_status = await queue(client, make, scene.admin, status="submitted", agency=str(scene.agency.id))
    by_wave = await queue(client, make, scene.admin, wave=str(scene.wave.id), status="approved")
    other_wave = await queue(client, make, scene.admin, wave=str((await scene.another_wave(make)).id))

    assert {row["id"] for row in by_flag["items"]} == {str(flagged.id), str(approved.id)}
    assert by_flag["counts"]["status"] == {"submitted": 1, "approved": 1}
    assert by_flag["counts"]["flags"] == {"geo.outside": 2, "visit.too_fast": 1}
    assert {row["id"] for row in by_status["items"]} == {str(flagged.id), str(plain.id)}
    assert by_status["counts"]["status"] == {"submitted": 2, "approved": 1}
    assert by_status["counts"]["flags"] == {"geo.outside": 1}
    assert [row["id"] for row in by_wave["items"]] == [str(approved.id)]
    assert other_wave["items"] == [] and str(elsewhere.id) not in str(by_flag)


async def test_limit_and_offset_page_through_the_queue_keeping_the_total(client, make):
    scene = await a_scene(make, units=5)
    for unit in scene.units:
        await a_submitted_visit(make, await scene.assignment(make, unit))

    first = await queue(client, make, scene.supervisor, limit=2)
    second = await queue(client, make, scene.supervisor, limit=2, offset=2)
    last = await queue(client, make, scene.supervisor, limit=2, offset=4)

    pages = [row["id"] for page in (first, second, last) for row in page["items"]]
    assert first["total"] == second["total"] == last["total"] == 5
    assert len(pages) == 5 and len(set(pages)) == 5


async def test_bad_filter_values_are_refused_as_problems(client, make):
    scene = await a_scene(make)

    for params in ({"status": "pending"}, {"limit": 0}, {"limit": 10_000}, {"offset": -1}, {"wave": "not-a-uuid"}):
        response = await client.get("/api/review/visits", params=params, headers=make.headers(scene.admin))
        assert response.status_code in (400, 422), params
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_surveyors_and_strangers_cannot_open_the_queue(client, make):
    scene = await a_scene(make)

    assert (await client.get("/api/review/visits", headers=make.headers(scene.surveyor))).status_code == 403
    assert (await client.get("/api/review/visits")).status_code == 401


async def test_reviewable_waves_list_the_waves_of_the_callers_regions_with_counts(client, make):
    scene = await a_scene(make)
    await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    await a_submitted_visit(make, await scene.assignment(make, scene.units[1]), status="approved")
    other_wave = await scene.another_wave(make, name="Gelombang Kota")
    await a_submitted_visit(
        make, await make.assignment(wave=other_wave, unit=scene.other_units[0], surveyor=scene.surveyor)
    )
    await scene.another_wave(make, status="draft")

    mine = (await client.get("/api/review/waves", headers=make.headers(scene.supervisor))).json()
    every = (await client.get("/api/review/waves", headers=make.headers(scene.admin))).json()

    assert [(w["id"], w["visit_counts"]) for w in mine] == [(str(scene.wave.id), {"submitted": 1, "approved": 1})]
    assert {w["id"] for w in every} == {str(scene.wave.id), str(other_wave.id)}


async def test_the_queue_filters_by_and_sorts_on_each_visits_strongest_flag(client, make):
    scene = await a_scene(make, units=4)
    plain = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    info = await a_submitted_visit(
        make, await scene.assignment(make, scene.units[1]), flags=[FlagSpec("photo.no_exif", "info", on_photo_of="A01")]
    )
    critical = await a_submitted_visit(
        make,
        await scene.assignment(make, scene.units[2]),
        flags=["visit.too_fast", FlagSpec("geo.outside", "critical")],
    )
    warning = await a_submitted_visit(make, await scene.assignment(make, scene.units[3]), flags=["visit.too_fast"])

    oldest_first = await queue(client, make, scene.supervisor)
    strongest_first = await queue(client, make, scene.supervisor, sort="strongest")
    only_warnings = await queue(client, make, scene.supervisor, strongest="warning")
    unflagged = await queue(client, make, scene.supervisor, strongest="none")
    refused = await client.get(
        "/api/review/visits", params={"strongest": "severe"}, headers=make.headers(scene.supervisor)
    )

    assert [row["id"] for row in oldest_first["items"]] == [str(v.id) for v in (plain, info, critical, warning)]
    assert [row["id"] for row in strongest_first["items"]] == [str(v.id) for v in (critical, warning, info, plain)]
    assert [row["id"] for row in only_warnings["items"]] == [str(warning.id)]
    assert [row["id"] for row in unflagged["items"]] == [str(plain.id)]
    assert only_warnings["counts"]["strongest"] == {"none": 1, "info": 1, "warning": 1, "critical": 1}
    assert refused.status_code == 422
    evidence = strongest_first["items"][0]["evidence"]
    assert evidence == {
        "strength": "weak",
        "strongest": "critical",
        "reasons": ["geo.outside", "visit.too_fast"],
        "summary": "Evidence weak: geo.outside, visit.too_fast.",
    }
    assert strongest_first["items"][-1]["evidence"]["strength"] == "sound"
