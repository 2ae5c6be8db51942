from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from server.db.models import Answer, AuditEvent, Review, Visit, VisitScore
from server.domain.audit.verify import verify_stored_chain
from server.domain.results.scoring import score_visit
from tests.integration.review.factories import a_scene, a_submitted_visit, best_answers, worst_answers


async def decide(client, make, user, visit, decision, *, revision=None, **body):
    payload = {"decision": decision, "revision": visit.revision if revision is None else revision, **body}
    return await client.post(f"/api/review/visits/{visit.id}/decision", json=payload, headers=make.headers(user))


async def scalar(app, statement):
    async with app.state.session_factory() as session:
        return await session.scalar(statement)


async def visit_status(app, visit):
    return await scalar(app, select(Visit.status).where(Visit.id == visit.id))


async def count_reviews(app, visit):
    return await scalar(app, select(func.count()).select_from(Review).where(Review.visit_id == visit.id))


async def test_approving_stores_the_visits_score_a_review_and_an_audit_event(client, make, app):
    scene = await a_scene(make)
    answers = best_answers(scene.instrument)
    answers["B01"] = 1
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]), answers=answers)

    response = await decide(client, make, scene.supervisor, visit, "approve", comment="Lengkap.")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "approved" and body["revision"] == 1
    assert body["review"]["decision"] == "approve" and body["review"]["comment"] == "Lengkap."
    async with app.state.session_factory() as session:
        stored = await session.get(VisitScore, visit.id)
        rows = (await session.scalars(select(Answer).where(Answer.visit_id == visit.id))).all()
    expected = score_visit(scene.instrument, rows)
    assert Decimal(stored.total) == expected.total and body["score"]["total"] == f"{expected.total:.2f}"
    assert stored.dimensions == {k: str(v) for k, v in expected.dimensions.items()}
    assert body["score"]["zone"] == "green" and body["score"]["zone_name"] == "hijau"
    assert await visit_status(app, visit) == "approved"
    events = await scalar(
        app,
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "review.decision", AuditEvent.entity_id == str(visit.id)),
    )
    assert events == 1
    async with app.state.session_factory() as session:
        assert (await verify_stored_chain(session)).ok


async def test_an_unknown_decision_is_refused_with_422(client, make, app):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))

    response = await decide(client, make, scene.supervisor, visit, "maybe")

    assert response.status_code == 422 and response.json()["field"] == "decision"
    assert await count_reviews(app, visit) == 0


async def test_a_stale_revision_is_409_and_changes_nothing(client, make, app):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]), revision=2)

    response = await decide(client, make, scene.supervisor, visit, "approve", revision=1)

    assert response.status_code == 409
    assert response.json()["code"] == "review.conflict" and response.json()["current_revision"] == 2
    assert await visit_status(app, visit) == "submitted" and await count_reviews(app, visit) == 0


async def test_returning_without_any_comment_is_422(client, make, app):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))

    blank = await decide(client, make, scene.supervisor, visit, "return", comment="   ")
    silent = await decide(client, make, scene.supervisor, visit, "return")

    assert blank.status_code == silent.status_code == 422
    assert silent.json()["code"] == "review.invalid"
    assert await visit_status(app, visit) == "submitted"


async def test_a_returned_visit_reaches_its_surveyor_with_the_indicator_comments(client, make):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))

    response = await decide(
        client,
        make,
        scene.supervisor,
        visit,
        "return",
        indicator_comments=[{"indicator": "B02", "text": "Foto alur tidak terbaca."}],
    )

    assert response.status_code == 200 and response.json()["status"] == "returned"
    mine = await client.get("/api/me/visits", params={"status": "returned"}, headers=make.headers(scene.surveyor))
    assert mine.status_code == 200
    [returned] = [v for v in mine.json() if v["id"] == str(visit.id)]
    assert returned["review"]["decision"] == "return"
    assert returned["review"]["indicator_comments"] == [{"indicator": "B02", "text": "Foto alur tidak terbaca."}]


async def test_a_comment_on_an_indicator_the_instrument_lacks_is_422(client, make, app):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))

    response = await decide(
        client, make, scene.supervisor, visit, "return", indicator_comments=[{"indicator": "Z99", "text": "?"}]
    )

    assert response.status_code == 422 and response.json()["field"] == "indicator_comments[0].indicator"
    assert await count_reviews(app, visit) == 0


@pytest.mark.parametrize("status", ["returned", "incomplete", "rejected", "approved"])
async def test_approving_a_visit_that_is_not_submitted_is_409(client, make, app, status):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]), status=status)

    response = await decide(client, make, scene.supervisor, visit, "approve")

    assert response.status_code == 409 and response.json()["code"] == "review.conflict"
    assert await visit_status(app, visit) == status and await count_reviews(app, visit) == 0


async def test_a_supervisor_of_another_region_cannot_decide_and_learns_nothing(client, make, app):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))

    response = await decide(client, make, scene.other_supervisor, visit, "approve")

    assert response.status_code == 404
    assert (await decide(client, make, scene.surveyor, visit, "approve")).status_code == 403
    assert await visit_status(app, visit) == "submitted"


async def test_of_two_approvals_at_once_exactly_one_wins(client, make, app):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    second_supervisor = await make.user(role="supervisor", regions=[scene.region])

    responses = await asyncio.gather(
        *(decide(client, make, user, visit, "approve") for user in (scene.supervisor, second_supervisor, scene.admin))
    )

    assert sorted(r.status_code for r in responses) == [200, 409, 409]
    assert await count_reviews(app, visit) == 1
    assert await scalar(app, select(func.count()).select_from(VisitScore).where(VisitScore.visit_id == visit.id)) == 1


async def test_of_two_different_decisions_on_what_both_saw_exactly_one_wins(client, make, app):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    second_supervisor = await make.user(role="supervisor", regions=[scene.region])

    responses = await asyncio.gather(
        decide(client, make, scene.supervisor, visit, "approve", seen_status="submitted"),
        decide(client, make, second_supervisor, visit, "return", comment="Foto kurang jelas.", seen_status="submitted"),
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).json()
    assert await visit_status(app, visit) == winner["status"]
    assert await count_reviews(app, visit) == 1
    has_score = await scalar(app, select(func.count()).select_from(VisitScore).where(VisitScore.visit_id == visit.id))
    assert has_score == (1 if winner["status"] == "approved" else 0)


async def test_a_decision_on_a_status_that_has_changed_since_the_reviewer_saw_it_is_409(client, make, app):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    assert (await decide(client, make, scene.supervisor, visit, "approve", seen_status="submitted")).status_code == 200

    late = await decide(client, make, scene.admin, visit, "return", comment="Kurang.", seen_status="submitted")

    assert late.status_code == 409 and late.json()["current_status"] == "approved"
    assert await visit_status(app, visit) == "approved"


async def test_decisions_on_a_published_wave_are_refused(client, make, app):
    scene = await a_scene(make, wave_status="published")
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))

    response = await decide(client, make, scene.admin, visit, "approve")

    assert response.status_code == 409 and response.json()["code"] == "wave.state"
    assert await visit_status(app, visit) == "submitted"
    page = await client.get(f"/api/review/visits/{visit.id}", headers=make.headers(scene.admin))
    assert page.json()["allowed_decisions"] == []


@pytest.mark.parametrize("decision", ["return", "reject"])
async def test_undoing_an_approval_removes_the_visits_score(client, make, app, decision):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    assert (await decide(client, make, scene.supervisor, visit, "approve")).status_code == 200

    response = await decide(client, make, scene.supervisor, visit, decision, comment="Bukti A01 dari unit lain.")

    assert response.status_code == 200 and response.json()["score"] is None
    assert await scalar(app, select(func.count()).select_from(VisitScore).where(VisitScore.visit_id == visit.id)) == 0
    assert await count_reviews(app, visit) == 2


async def test_a_rejected_visit_is_final(client, make, app):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    rejected = await decide(client, make, scene.supervisor, visit, "reject", comment="Tidak di lokasi.")
    assert rejected.status_code == 200

    for decision in ("approve", "return", "reject"):
        response = await decide(client, make, scene.admin, visit, decision, comment="Lagi.")
        assert response.status_code == 409, decision


async def test_a_visit_scored_zero_is_approved_as_red(client, make):
    scene = await a_scene(make)
    visit = await a_submitted_visit(
        make, await scene.assignment(make, scene.units[0]), answers=worst_answers(scene.instrument)
    )

    body = (await decide(client, make, scene.supervisor, visit, "approve")).json()

    assert body["score"]["total"] == "0.00" and body["score"]["zone"] == "red"


async def test_a_visit_whose_answers_do_not_fit_the_instrument_cannot_be_approved(client, make, app):
    scene = await a_scene(make)
    answers = best_answers(scene.instrument)
    answers["A01"] = "ya"  # a yes/no indicator with a text value: the sync routes would have refused it
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]), answers=answers)

    response = await decide(client, make, scene.supervisor, visit, "approve")

    assert response.status_code == 422
    assert await visit_status(app, visit) == "submitted" and await count_reviews(app, visit) == 0


async def test_decision_bodies_with_unknown_fields_or_no_revision_are_422(client, make):
    scene = await a_scene(make)
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    url = f"/api/review/visits/{visit.id}/decision"

    extra = await client.post(
        url, json={"decision": "approve", "revision": 1, "score": 100}, headers=make.headers(scene.supervisor)
    )
    missing = await client.post(url, json={"decision": "approve"}, headers=make.headers(scene.supervisor))

    assert extra.status_code == missing.status_code == 422
