"""The demo loader: every demo user logs in, every surveyor has work today, the past waves tell a plausible story
with their photos, the open wave's review queue holds clean and flagged visits and a corrected one, the same seed
gives the same data, and real data is never touched.

The demo is loaded once for the module (it draws and stores some 3,000 photos) and the rows are deleted after the
last test, not after each."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal

import msgspec
import pytest
from sqlalchemy import func, select

from server.config import default_database_url
from server.db.engine import create_engine, create_session_factory
from server.db.models import Answer as AnswerRow
from server.db.models import Assignment, Photo, Review, Unit, Visit, VisitRevision, VisitScore, Wave
from server.db.models import Flag as FlagRow
from server.demo import WAVE_NAME, DatabaseNotEmpty, load_demo
from server.demo.stories import RETURN_COMMENT, STORIES
from server.domain.instruments.defaults import load_default_instrument
from server.domain.visits.documents import VisitDocument
from server.domain.visits.integrity import FLAG_CODES
from server.domain.visits.validation import missing_required
from server.lib import clock
from tests.integration.conftest import delete_every_row

SURVEYORS = ["surveyor1", "surveyor2", "surveyor3", "surveyor4"]


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """The module's tests share one loaded demo (``demo_logins``), which the module clean-up below removes."""


@pytest.fixture(scope="module")
async def demo_logins(app, client, settings) -> AsyncIterator[dict[str, str]]:
    try:
        yield await load_demo(app.state.session_factory, settings)
    finally:
        await app.state.audit_sealer.idle()
        async with app.state.session_factory() as session, session.begin():
            await delete_every_row(session)


async def token_of(client, username: str, password: str) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, (username, response.text)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_every_demo_user_logs_in_with_their_random_password(client, demo_logins):
    assert list(demo_logins) == ["admin", "supervisor1", "supervisor2", *SURVEYORS]
    assert len(set(demo_logins.values())) == len(demo_logins)
    roles = {}
    for username, password in demo_logins.items():
        response = await client.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, username
        roles[username] = response.json()["user"]["role"]
    assert Counter(roles.values()) == {"admin": 1, "supervisor": 2, "surveyor": 4}


async def test_every_demo_surveyor_has_assignments_open_today_some_still_without_a_visit(client, demo_logins):
    now = clock.now()
    assigned_units = []
    for username in SURVEYORS:
        headers = await token_of(client, username, demo_logins[username])
        assignments = (await client.get("/api/me/assignments", headers=headers)).json()
        assert len(assignments) >= 4, username
        assert any(a["visit"] is None for a in assignments), username
        for assignment in assignments:
            assert assignment["wave"]["name"] == "Penilaian Kepatuhan 2021"
            assert datetime.fromisoformat(assignment["window"]["start"]) <= now
            assert datetime.fromisoformat(assignment["window"]["end"]) > now
            assert assignment["unit"]["lat"] is not None
        assigned_units += [a["unit"]["id"] for a in assignments]
        instrument = assignments[0]["instrument"]
        document = await client.get(f"/api/instruments/{instrument['key']}/{instrument['version']}", headers=headers)
        assert document.status_code == 200
    assert len(assigned_units) == len(set(assigned_units))


async def test_the_demo_has_two_regions_with_units_and_supervisors_scoped_to_them(client, demo_logins):
    headers = await token_of(client, "admin", demo_logins["admin"])
    regions = {r["code"]: r for r in (await client.get("/api/admin/regions", headers=headers)).json()}
    units = (await client.get("/api/admin/units", headers=headers)).json()
    users = {u["username"]: u for u in (await client.get("/api/admin/users", headers=headers)).json()}

    assert {r["name"] for r in regions.values()} == {"Kabupaten Cirebon", "Kota Cirebon"}
    per_region = Counter(unit["region"]["name"] for unit in units)
    assert per_region["Kabupaten Cirebon"] >= 18 and 3 <= per_region["Kota Cirebon"] < per_region["Kabupaten Cirebon"]
    assert all(-7.0 < unit["lat"] < -6.6 and 108.3 < unit["lon"] < 108.8 and unit["opening_hours"] for unit in units)
    assert [r["name"] for r in users["supervisor1"]["regions"]] == ["Kabupaten Cirebon"]
    assert [r["name"] for r in users["supervisor2"]["regions"]] == ["Kota Cirebon"]


async def test_the_demo_wave_is_in_fieldwork_and_the_draw_respects_the_declared_conflict(client, demo_logins, app):
    headers = await token_of(client, "admin", demo_logins["admin"])
    async with app.state.session_factory() as session:
        wave = await session.scalar(select(Wave).where(Wave.name == WAVE_NAME))
    surveyor3 = next(
        u for u in (await client.get("/api/admin/users", headers=headers)).json() if u["username"] == "surveyor3"
    )
    assignments = (await client.get(f"/api/admin/waves/{wave.id}/assignments", headers=headers)).json()

    assert (wave.status, wave.profile_key) == ("fieldwork", "ombudsman-2021")
    assert wave.period_start <= clock.now().date() <= wave.period_end
    [conflict] = surveyor3["conflicts"]
    conflicted_agency = (await client.get(f"/api/admin/agencies/{conflict['agency_id']}", headers=headers)).json()
    assert not [
        a
        for a in assignments["assignments"]
        if a["surveyor"]["username"] == "surveyor3" and a["unit"]["agency"] == conflicted_agency["name"]
    ]
    loads = [load["assignments"] for load in assignments["loads"]]
    assert max(loads) - min(loads) <= 1


async def test_the_demo_has_a_history_of_published_waves_before_the_open_one(client, demo_logins, app):
    headers = await token_of(client, "admin", demo_logins["admin"])
    async with app.state.session_factory() as session:
        waves = (await session.scalars(select(Wave).order_by(Wave.period_start))).all()
        approved = dict(
            (
                await session.execute(
                    select(Visit.wave_id, func.count(Visit.id))
                    .where(Visit.status == "approved")
                    .group_by(Visit.wave_id)
                )
            ).all()
        )
        units = await session.scalar(select(func.count(Unit.id)))

    assert len(waves) >= 4
    *past, current = waves
    assert current.name == WAVE_NAME and current.status == "fieldwork" and approved.get(current.id) is None
    assert all(w.published_at is not None for w in past)
    assert all(w.status == "published" and w.period_end < current.period_start for w in past)
    assert [w.kind for w in past].count("external") >= 2 and "internal" in [w.kind for w in past]
    assert all(approved[w.id] == units for w in past)  # every unit visited and approved in every past wave
    published = (await client.get("/api/public/waves")).json()
    assert {w["name"] for w in published} == {w.name for w in past}
    results = (await client.get(f"/api/waves/{past[-1].id}/results", headers=headers)).json()
    assert all(unit["score"] is not None for unit in results["units"])


async def test_the_demo_history_drifts_plausibly_with_ties_improvers_decliners_and_a_disagreement(
    client, demo_logins, app
):
    headers = await token_of(client, "supervisor1", demo_logins["supervisor1"])
    async with app.state.session_factory() as session:
        last_survey = await session.scalar(
            select(Wave)
            .where(Wave.status == "published", Wave.kind == "external")
            .order_by(Wave.period_start.desc())
            .limit(1)
        )

    rankings = (await client.get(f"/api/public/waves/{last_survey.id}/rankings")).json()
    comparison = (await client.get("/api/insights/comparison", headers=headers)).json()
    unit = rankings["units"]["ranked"][-1]
    trend = (await client.get(f"/api/public/units/{unit['id']}/trend")).json()

    ranked = rankings["units"]["ranked"]
    changes = [Decimal(row["change"]) for row in ranked if row["change"] is not None]
    assert rankings["previous_wave"] is not None and len(changes) == len(ranked)
    assert sum(1 for c in changes if c > 0) >= 3 and sum(1 for c in changes if c < 0) >= 3
    assert sum(1 for row in ranked if row["tied"]) >= 2
    assert {row["zone"] for row in ranked} == {"green", "yellow", "red"}
    assert len(rankings["agency_kinds"]) >= 3
    assert comparison["summary"]["disagreeing"] >= 1
    assert all(row["region"]["name"] == "Kabupaten Cirebon" for row in comparison["units"])  # supervisor1's region
    assert [p["wave"]["kind"] for p in trend["points"]].count("internal") >= 1 and len(trend["points"]) >= 3
    plan = (
        await client.get(
            f"/api/insights/units/{unit['id']}/plan", headers=await token_of(client, "admin", demo_logins["admin"])
        )
    ).json()
    assert plan["visit"]["score"] == unit["score"] and plan["dimensions"]
    assert any(item["comments"] for d in plan["dimensions"] for item in d["items"])


async def test_the_open_wave_queue_holds_clean_visits_and_one_visit_for_every_kind_of_flag(client, demo_logins):
    headers = await token_of(client, "admin", demo_logins["admin"])
    wave = next(w for w in (await client.get("/api/review/waves", headers=headers)).json() if w["name"] == WAVE_NAME)
    queue = (
        await client.get(f"/api/review/visits?wave={wave['id']}&status=submitted&limit=100", headers=headers)
    ).json()
    flags_by_unit = {row["unit"]["name"]: {flag["code"] for flag in row["flags"]} for row in queue["items"]}

    assert {story.unit: set(story.flags) for story in STORIES} == flags_by_unit
    # Every kind of finding but a photo damaged on its way (an accident, not a story the demo tells).
    assert set(FLAG_CODES) - {"photo.unreadable"} == set().union(*flags_by_unit.values())
    assert sum(1 for codes in flags_by_unit.values() if not codes) >= 2


async def test_one_visit_was_returned_with_a_comment_and_is_back_as_revision_two(client, demo_logins, app):
    [story] = [story for story in STORIES if story.returned_on]
    headers = await token_of(client, "supervisor1", demo_logins["supervisor1"])
    async with app.state.session_factory() as session:
        visit = await session.scalar(
            select(Visit)
            .join(Unit, Unit.id == Visit.unit_id)
            .join(Wave, Wave.id == Visit.wave_id)
            .where(Unit.name == story.unit, Wave.name == WAVE_NAME)
        )
    detail = (await client.get(f"/api/review/visits/{visit.id}", headers=headers)).json()

    assert (visit.revision, visit.status) == (2, "submitted")
    [review] = detail["reviews"]
    assert (review["decision"], review["revision"], review["comment"]) == ("return", 1, RETURN_COMMENT)
    assert [c["indicator"] for c in review["indicator_comments"]] == [story.returned_on]
    assert [r["revision"] for r in detail["revisions"]] == [1, 2]


async def test_every_demo_visit_has_each_photo_it_needs_stored_and_readable(client, demo_logins, app):
    async with app.state.session_factory() as session:
        visits = (await session.scalars(select(Visit))).all()
        photos = (await session.scalars(select(Photo))).all()
        instrument = load_default_instrument()
    headers = await token_of(client, "admin", demo_logins["admin"])
    by_visit: dict = {}
    for photo in photos:
        by_visit.setdefault(photo.visit_id, set()).add(photo.indicator)
    incomplete = {story.unit for story in STORIES if "visit.incomplete_answers" in story.flags}
    async with app.state.session_factory() as session:
        units = dict((await session.execute(select(Unit.id, Unit.name))).all())
        for visit in visits:
            document = msgspec.convert(
                await session.scalar(
                    select(VisitRevision.document).where(
                        VisitRevision.visit_id == visit.id, VisitRevision.revision == visit.revision
                    )
                ),
                VisitDocument,
            )
            missing = missing_required(document, instrument)
            is_incomplete_story = units[visit.unit_id] in incomplete and visit.status != "approved"
            assert bool(missing) == is_incomplete_story, units[visit.unit_id]
            assert {p.indicator for p in document.photos} == by_visit[visit.id]

    assert len(visits) > 70 and all(photo.stored_at is not None and photo.phash for photo in photos)
    for photo in photos[:: max(1, len(photos) // 40)]:  # a sample across waves: the thumbnail and the original
        thumb = await client.get(f"/api/photos/{photo.id}/thumb", headers=headers)
        original = await client.get(f"/api/photos/{photo.id}/original", headers=headers)
        assert thumb.status_code == original.status_code == 200
        assert hashlib.sha256(original.content).hexdigest() == photo.sha256


async def test_the_same_seed_gives_the_same_demo(tmp_path, demo_logins, app):
    """`sidak demo` into a fresh database gives the rows the module's demo holds, ids and photo bytes included."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIDAK_")}
    env["SIDAK_DATA_DIR"] = str(tmp_path)
    loaded = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo"], env=env, capture_output=True, text=True, timeout=900
    )
    assert loaded.returncode == 0, loaded.stderr
    engine = create_engine(default_database_url(tmp_path))
    try:
        async with create_session_factory(engine)() as session:
            fresh = await canonical_dump(session)
    finally:
        await engine.dispose()
    async with app.state.session_factory() as session:
        ours = await canonical_dump(session)

    assert fresh.keys() == ours.keys()
    for table in ours:
        assert fresh[table] == ours[table], table


async def canonical_dump(session) -> dict[str, list[tuple]]:
    """The rows that make the demo, in a stable order: ids, names, answers, photo hashes, flags, decisions, scores.
    Times that depend on the moment of loading (received, decided, computed) are left out."""
    statements = {
        "units": select(Unit.id, Unit.name, Unit.lat, Unit.lon),
        "assignments": select(Assignment.id, Assignment.unit_id, Assignment.surveyor_id, Assignment.wave_id),
        "visits": select(
            Visit.id,
            Visit.unit_id,
            Visit.surveyor_id,
            Visit.revision,
            Visit.status,
            Visit.content_hash,
            Visit.started_at,
            Visit.finished_at,
        ),
        "answers": select(AnswerRow.visit_id, AnswerRow.indicator, AnswerRow.value, AnswerRow.not_applicable),
        "photos": select(
            Photo.id,
            Photo.visit_id,
            Photo.indicator,
            Photo.sha256,
            Photo.phash,
            Photo.exif_taken_at,
            Photo.exif_lat,
        ),
        "flags": select(FlagRow.visit_id, FlagRow.code, FlagRow.severity, FlagRow.photo_id),
        "reviews": select(Review.visit_id, Review.revision, Review.decision, Review.comment, Review.reviewer_id),
        "scores": select(VisitScore.visit_id, VisitScore.revision, VisitScore.total),
    }
    return {
        name: sorted(tuple(map(str, row)) for row in (await session.execute(statement)).all())
        for name, statement in statements.items()
    }


async def test_the_demo_refuses_a_database_that_holds_data(app, settings, demo_logins):
    with pytest.raises(DatabaseNotEmpty):
        await load_demo(app.state.session_factory, settings)


def test_sidak_demo_prints_the_logins_and_refuses_to_load_twice(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIDAK_")}
    env["SIDAK_DATA_DIR"] = str(tmp_path)
    (tmp_path / "sidak.db").touch()
    subprocess.run(
        [sys.executable, "-m", "server.cli", "createuser", "someone", "--role", "admin"],
        env={**env, "SIDAK_PASSWORD": "a-long-enough-password"},
        check=True,
        capture_output=True,
    )

    again = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo"], env=env, capture_output=True, text=True, timeout=300
    )

    assert again.returncode != 0 and "already holds data" in again.stderr
