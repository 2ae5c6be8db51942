"""A unit's improvement plan: every indicator its latest approved visit did not fully meet, grouped by dimension and
ordered by the points it would recover, with the evidence photos and the supervisors' comments.

The visit planned here answers A1 no, A2 yes, B1 no, B2 = 1 on the checklist of tests/integration/insights/helpers.py
(dimensions A and B weigh 50 each). Worked out by hand:
  A = 100·(0 + 1)/2 = 50;  B = 100·(2·0 + 1/3)/3 = 11.11…;  total = (50 + 11.11…)/2 = 30.555… → 30.56 (red)
  points recovered by meeting fully = 100 · ½ (dimension share) · indicator share · what was missing:
    B1: 100 · ½ · 2/3 · 1       = 33.333… → 33.33
    B2: 100 · ½ · 1/3 · (1 − ⅓) = 11.111… → 11.11
    A1: 100 · ½ · 1/2 · 1       = 25.00
  dimension B: 44.444… → 44.44, dimension A: 25.00; all together 69.444… → 69.44 = 100 − 30.555….
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from server.db.models import Photo, Review
from tests.integration.insights.helpers import a_history, get_json
from tests.integration.review.factories import a_submitted_visit

PLANNED = {"A1": False, "A2": True, "B1": False, "B2": 1}


async def a_planned_visit(client, make, h):
    """U3's visit in W4: first returned with a comment on B1, then (revision 2) approved with a comment on A1."""
    assignment = await make.assignment(wave=h.w4, unit=h.u3, surveyor=h.surveyor)
    finished_at = datetime.combine(h.w4.period_start + timedelta(days=12), time(3, 0), UTC)
    visit = await a_submitted_visit(make, assignment, answers=PLANNED, revision=2, finished_at=finished_at)
    async with make.app.state.session_factory() as session, session.begin():
        session.add(
            Review(
                visit_id=visit.id,
                revision=1,
                decision="return",
                comment="Periksa kembali.",
                indicator_comments=[{"indicator": "B1", "text": "Maklumat pelayanan belum dipasang."}],
                reviewer_id=h.supervisor.id,
                decided_at=finished_at + timedelta(days=1),
            )
        )
    response = await client.post(
        f"/api/review/visits/{visit.id}/decision",
        headers=make.headers(h.supervisor),
        json={
            "decision": "approve",
            "revision": 2,
            "comment": "Disetujui dengan catatan.",
            "indicator_comments": [{"indicator": "A1", "text": "Papan alur pelayanan tidak ada."}],
        },
    )
    assert response.status_code == 200, response.text
    async with make.app.state.session_factory() as session:
        rows = (await session.execute(select(Photo.indicator, Photo.id).where(Photo.visit_id == visit.id))).all()
    photos = {indicator: str(photo_id) for indicator, photo_id in rows}
    return visit, photos


async def test_the_plan_lists_unmet_indicators_by_dimension_most_recoverable_points_first(client, make):
    h = await a_history(client, make)
    visit, photos = await a_planned_visit(client, make, h)

    body = await get_json(client, make, h.supervisor, f"/api/insights/units/{h.u3.id}/plan")

    assert body["visit"]["id"] == str(visit.id) and body["visit"]["wave"]["name"] == "W4"
    assert (body["visit"]["score"], body["visit"]["zone"]) == ("30.56", "red")
    assert body["visit"]["approval_comment"] == "Disetujui dengan catatan."
    assert body["points_recoverable"] == "69.44"
    assert [(d["id"], d["score"], d["points_recoverable"]) for d in body["dimensions"]] == [
        ("B", "11.11", "44.44"),
        ("A", "50.00", "25.00"),
    ]
    items = [
        (i["indicator"], i["score"], i["points_recoverable"], i["answer"]["text"]["id"])
        for d in body["dimensions"]
        for i in d["items"]
    ]
    assert items == [
        ("B1", "0.0000", "33.33", "Tidak"),
        ("B2", "0.3333", "11.11", "1 dari 3"),
        ("A1", "0.0000", "25.00", "Tidak"),
    ]


async def test_each_item_carries_its_evidence_photo_its_comments_and_its_guidance(client, make):
    h = await a_history(client, make)
    _, photos = await a_planned_visit(client, make, h)

    body = await get_json(client, make, h.admin, f"/api/insights/units/{h.u3.id}/plan")

    item = {i["indicator"]: i for d in body["dimensions"] for i in d["items"]}
    assert item["B1"]["photos"] == [
        {
            "id": photos["B1"],
            "thumb": f"/api/photos/{photos['B1']}/thumb",
            "display": f"/api/photos/{photos['B1']}/display",
        }
    ]
    assert item["B2"]["photos"] == []
    assert [(c["text"], c["decision"]) for c in item["B1"]["comments"]] == [
        ("Maklumat pelayanan belum dipasang.", "return")
    ]
    assert [(c["text"], c["decision"]) for c in item["A1"]["comments"]] == [
        ("Papan alur pelayanan tidak ada.", "approve")
    ]
    assert item["A1"]["guidance"] == {"id": "Panduan A1", "en": "Guidance A1"}
    assert item["B2"]["guidance"] is None
    thumb = await client.get(item["A1"]["photos"][0]["thumb"], headers=make.headers(h.other_supervisor))
    assert thumb.status_code == 404  # the photo route keeps its own scope


async def test_the_plan_of_a_chosen_wave_comes_from_that_waves_visit(client, make):
    h = await a_history(client, make)
    await a_planned_visit(client, make, h)

    body = await get_json(client, make, h.admin, f"/api/insights/units/{h.u3.id}/plan", wave=h.w3.id)

    # U3 in W3: A1 and A2 not met, 50.00; each is worth 100 · ½ · ½ = 25.00, listed in the checklist's order
    assert (body["visit"]["wave"]["name"], body["visit"]["score"]) == ("W3", "50.00")
    assert [(i["indicator"], i["points_recoverable"]) for d in body["dimensions"] for i in d["items"]] == [
        ("A1", "25.00"),
        ("A2", "25.00"),
    ]


async def test_a_fully_compliant_or_unvisited_unit_has_an_empty_plan(client, make):
    h = await a_history(client, make)
    unvisited = await make.unit(agency=h.dinas, name="U7")

    full = await get_json(client, make, h.admin, f"/api/insights/units/{h.u1.id}/plan")  # W4: all met
    nothing = await get_json(client, make, h.admin, f"/api/insights/units/{unvisited.id}/plan")

    assert full["visit"]["score"] == "100.00" and full["dimensions"] == [] and full["points_recoverable"] == "0.00"
    assert nothing["visit"] is None and nothing["dimensions"] == [] and nothing["points_recoverable"] is None
    assert nothing["unit"]["name"] == "U7" and nothing["unit"]["agency"]["name"] == "Dinas Uji"


async def test_the_plan_downloads_as_csv_with_the_same_rows(client, make):
    h = await a_history(client, make)
    visit, photos = await a_planned_visit(client, make, h)

    response = await client.get(f"/api/insights/units/{h.u3.id}/plan.csv", headers=make.headers(h.supervisor))

    assert response.status_code == 200
    assert 'filename="rencana-perbaikan-u3.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [
        (r["dimension"], r["indicator"], r["answer"], r["indicator_score"], r["points_recoverable"]) for r in rows
    ] == [
        ("B", "B1", "Tidak", "0.0000", "33.33"),
        ("B", "B2", "1 dari 3", "0.3333", "11.11"),
        ("A", "A1", "Tidak", "0.0000", "25.00"),
    ]
    assert rows[0]["supervisor_comments"] == "Maklumat pelayanan belum dipasang."
    assert rows[0]["photo_urls"] == f"/api/photos/{photos['B1']}/display"
    assert rows[2]["guidance"] == "Panduan A1" and rows[2]["guidance_en"] == "Guidance A1"
    assert {r["wave"] for r in rows} == {"W4"} and {r["visit_id"] for r in rows} == {str(visit.id)}


async def test_a_supervisor_of_another_region_gets_no_plan(client, make):
    h = await a_history(client, make)

    for suffix in ("plan", "plan.csv"):
        response = await client.get(f"/api/insights/units/{h.u3.id}/{suffix}", headers=make.headers(h.other_supervisor))
        assert response.status_code == 404, suffix
    missing = await client.get(f"/api/insights/units/{uuid.uuid4()}/plan", headers=make.headers(h.admin))
    assert missing.status_code == 404
