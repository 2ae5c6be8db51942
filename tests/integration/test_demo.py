"""The demo loader: every demo user logs in, every surveyor has work today, the past waves tell a plausible story,
and real data is never touched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from server.db.models import Unit, Visit, Wave
from server.demo import WAVE_NAME, DatabaseNotEmpty, load_demo
from server.lib import clock

SURVEYORS = ["surveyor1", "surveyor2", "surveyor3", "surveyor4"]


@pytest.fixture
async def demo_logins(app) -> dict[str, str]:
    async with app.state.session_factory() as session, session.begin():
        return await load_demo(session)


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


async def test_every_demo_surveyor_has_at_least_four_assignments_open_today(client, demo_logins):
    now = clock.now()
    assigned_units = []
    for username in SURVEYORS:
        headers = await token_of(client, username, demo_logins[username])
        assignments = (await client.get("/api/me/assignments", headers=headers)).json()
        assert len(assignments) >= 4, username
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


async def test_the_demo_refuses_a_database_that_holds_data(app, make):
    await make.region()

    with pytest.raises(DatabaseNotEmpty):
        async with app.state.session_factory() as session:
            await load_demo(session)


def test_sidak_demo_prints_the_logins_and_writes_them_to_the_data_dir(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("SIDAK_")}
    env["SIDAK_DATA_DIR"] = str(tmp_path)

    first = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo"], env=env, capture_output=True, text=True, timeout=300
    )
    again = subprocess.run(
        [sys.executable, "-m", "server.cli", "demo"], env=env, capture_output=True, text=True, timeout=300
    )

    assert first.returncode == 0, first.stderr
    logins = json.loads((tmp_path / "demo-logins.json").read_text())
    assert list(logins) == ["admin", "supervisor1", "supervisor2", *SURVEYORS]
    assert all(f"{username}" in first.stdout and password in first.stdout for username, password in logins.items())
    assert again.returncode != 0 and "already holds data" in again.stderr
