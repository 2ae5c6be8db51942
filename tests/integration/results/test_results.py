from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select

from server.db.models import Answer, Visit
from server.domain.results.scoring import score_visit
from tests.integration.results.helpers import by_id, decide, ombudsman_2021_zone, results_of, two_decimals
from tests.integration.review.factories import a_scene, a_submitted_visit, best_answers, random_answers, worst_answers


async def test_approving_a_visit_scores_its_unit_agency_and_region_at_once(client, make):
    scene = await a_scene(make)
    unit = scene.units[0]
    visit = await a_submitted_visit(make, await scene.assignment(make, unit), answers=best_answers(scene.instrument))
    before = await results_of(client, make, scene.supervisor, scene.wave)

    await decide(client, make, scene.supervisor, visit, "approve")
    after = await results_of(client, make, scene.supervisor, scene.wave)

    assert by_id(before["units"])[str(unit.id)]["score"] is None
    scored_unit = by_id(after["units"])[str(unit.id)]
    agency = by_id(after["agencies"])[str(scene.agency.id)]
    region = by_id(after["regions"])[str(scene.region.id)]
    for row in (scored_unit, agency, region):
        assert (row["score"], row["zone"], row["zone_name"]) == ("100.00", "green", "hijau")
        assert row["visit_ids"] == [str(visit.id)]
        assert row["label"] == {"id": "Kepatuhan Tinggi", "en": "High compliance"}
        assert row["dimensions"] == {"A": "100.00", "B": "100.00", "C": "100.00", "D": "100.00"}
    assert agency["unit_ids"] == [str(unit.id)]  # units without an assignment in the wave are not part of it
    assert region["agency_ids"] == [str(scene.agency.id)]


async def test_returning_or_rejecting_an_approved_visit_takes_it_out_of_the_results(client, make):
    scene = await a_scene(make)
    good = await a_submitted_visit(
        make, await scene.assignment(make, scene.units[0]), answers=best_answers(scene.instrument)
    )
    bad = await a_submitted_visit(
        make, await scene.assignment(make, scene.units[1]), answers=worst_answers(scene.instrument)
    )
    await decide(client, make, scene.supervisor, good, "approve")
    await decide(client, make, scene.supervisor, bad, "approve")
    both = by_id((await results_of(client, make, scene.supervisor, scene.wave))["agencies"])[str(scene.agency.id)]

    await decide(client, make, scene.supervisor, bad, "return", comment="Jawaban B tidak sesuai foto.")
    one = by_id((await results_of(client, make, scene.supervisor, scene.wave))["agencies"])[str(scene.agency.id)]
    await decide(client, make, scene.supervisor, good, "reject", comment="Foto dari kunjungan lain.")
    none = await results_of(client, make, scene.supervisor, scene.wave)

    assert (both["score"], both["zone"]) == ("50.00", "red")
    assert (one["score"], one["zone"], one["visit_ids"]) == ("100.00", "green", [str(good.id)])
    assert by_id(none["agencies"])[str(scene.agency.id)]["score"] is None
    assert all(unit["score"] is None and unit["visit_ids"] == [] for unit in none["units"])


async def test_a_unit_with_two_approved_visits_scores_their_mean(client, make):
    scene = await a_scene(make)
    assignment = await scene.assignment(make, scene.units[0])
    first = await a_submitted_visit(make, assignment, answers=best_answers(scene.instrument))
    second = await a_submitted_visit(make, assignment, answers=random_answers(scene.instrument, seed=7))
    for visit in (first, second):
        await decide(client, make, scene.admin, visit, "approve")

    unit = by_id((await results_of(client, make, scene.admin, scene.wave))["units"])[str(scene.units[0].id)]

    second_total = await _recomputed_total(make, scene, second.id)
    assert unit["score"] == two_decimals((Decimal(100) + second_total) / 2)
    assert sorted(unit["visit_ids"]) == sorted([str(first.id), str(second.id)])


async def test_results_always_equal_a_recomputation_from_the_approved_visits_answers(client, make, app):
    scene = await a_scene(make, units=4, other_units=3)
    second_agency = await make.agency(region=scene.region, name="Dinas Kesehatan")
    units = [*scene.units, *scene.other_units, *[await make.unit(agency=second_agency) for _ in range(2)]]
    seed = 0
    visits = []
    for unit in units:
        assignment = await scene.assignment(make, unit)
        for _ in range(2 if seed % 3 == 0 else 1):
            seed += 1
            visits.append(await a_submitted_visit(make, assignment, answers=random_answers(scene.instrument, seed)))
    decisions = [
        "approve",
        "approve",
        "approve",
        "return",
        "approve",
        "reject",
        "approve",
        "approve",
        None,
        "approve",
        "approve",
        "approve",
        "approve",
    ]
    for visit, decision in zip(visits, decisions, strict=False):  # the last visits get no decision
        if decision:
            await decide(client, make, scene.admin, visit, decision, comment="Periksa kembali.")
    await decide(client, make, scene.admin, visits[1], "return", comment="Ternyata salah unit.")  # undo one

    body = await results_of(client, make, scene.admin, scene.wave)

    expected = await _recompute_from_answers(make, scene)
    for level in ("units", "agencies", "regions"):
        got = {
            row["id"]: (row["score"], row["zone"], sorted(row["visit_ids"]))
            for row in body[level]
            if row["score"] is not None
        }
        want = {
            str(key): (two_decimals(score), ombudsman_2021_zone(two_decimals(score)), sorted(visit_ids))
            for key, (score, visit_ids) in expected[level].items()
        }
        assert got == want, level
    assert len(expected["units"]) >= 5 and len(expected["regions"]) == 2


async def _recomputed_total(make, scene, visit_id) -> Decimal:
    async with make.app.state.session_factory() as session:
        answers = (await session.scalars(select(Answer).where(Answer.visit_id == visit_id))).all()
    return score_visit(scene.instrument, answers).total


async def _recompute_from_answers(make, scene):
    """Unit = mean of its approved visits' totals, agency = mean of its units, region = mean of its agencies —
    from the answers, with score_visit, not from the stored scores."""
    from server.db.models import Agency, Unit

    async with make.app.state.session_factory() as session:
        approved = (
            await session.execute(
                select(Visit.id, Visit.unit_id, Unit.agency_id, Agency.region_id)
                .join(Unit, Unit.id == Visit.unit_id)
                .join(Agency, Agency.id == Unit.agency_id)
                .where(Visit.wave_id == scene.wave.id, Visit.status == "approved")
            )
        ).all()
    unit_totals: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = defaultdict(dict)
    parent = {}
    for visit_id, unit_id, agency_id, region_id in approved:
        unit_totals[unit_id][visit_id] = await _recomputed_total(make, scene, visit_id)
        parent[unit_id], parent[agency_id] = agency_id, region_id
    units = {u: (sum(t.values()) / len(t), list(t)) for u, t in unit_totals.items()}
    agencies = _mean_by_parent(units, parent)
    regions = _mean_by_parent(agencies, parent)
    return {"units": _as_text_ids(units), "agencies": _as_text_ids(agencies), "regions": _as_text_ids(regions)}


def _mean_by_parent(children, parent):
    grouped = defaultdict(list)
    for child_id, value in children.items():
        grouped[parent[child_id]].append(value)
    return {
        p: (sum(score for score, _ in values) / len(values), [v for _, ids in values for v in ids])
        for p, values in grouped.items()
    }


def _as_text_ids(level):
    return {key: (score, [str(v) for v in visit_ids]) for key, (score, visit_ids) in level.items()}


async def test_a_supervisor_sees_results_only_of_their_regions(client, make):
    scene = await a_scene(make)
    mine = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    theirs = await a_submitted_visit(make, await scene.assignment(make, scene.other_units[0]))
    await decide(client, make, scene.supervisor, mine, "approve")
    await decide(client, make, scene.other_supervisor, theirs, "approve")

    own = await results_of(client, make, scene.supervisor, scene.wave)
    every = await results_of(client, make, scene.admin, scene.wave)

    assert [u["id"] for u in own["units"]] == [str(scene.units[0].id)]
    assert [r["id"] for r in own["regions"]] == [str(scene.region.id)]
    assert str(theirs.id) not in str(own)
    assert {r["id"] for r in every["regions"]} == {str(scene.region.id), str(scene.other_region.id)}


async def test_units_without_an_approved_visit_are_listed_without_a_score(client, make):
    scene = await a_scene(make, units=2)
    await scene.assignment(make, scene.units[1])
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]))
    await decide(client, make, scene.supervisor, visit, "approve")

    units = by_id((await results_of(client, make, scene.supervisor, scene.wave))["units"])

    unscored = units[str(scene.units[1].id)]
    assert (unscored["score"], unscored["zone"], unscored["visit_ids"], unscored["dimensions"]) == (None, None, [], {})


async def test_the_ipp_profile_gives_an_index_and_a_grade_but_no_zone(client, make):
    scene = await a_scene(make, profile_key="panrb-ipp")
    answers = best_answers(scene.instrument)
    for indicator in ("B01", "B02", "B03", "B04", "B05", "B07"):
        answers[indicator] = 1
    visit = await a_submitted_visit(make, await scene.assignment(make, scene.units[0]), answers=answers)
    await decide(client, make, scene.supervisor, visit, "approve")

    body = await results_of(client, make, scene.supervisor, scene.wave)

    unit = by_id(body["units"])[str(scene.units[0].id)]
    score = Decimal(unit["score"])
    assert Decimal("0") < score < Decimal("100")
    assert unit["index"] == two_decimals(Decimal(unit["score"]) / 20)
    assert unit["zone"] is None and unit["zone_name"] is None and unit["grade"] in ("A", "A-", "B", "B-", "C")
    assert body["wave"]["profile_kind"] == "ipp"


async def test_results_need_a_reviewer_and_a_known_wave(client, make):
    scene = await a_scene(make)

    as_surveyor = await client.get(f"/api/waves/{scene.wave.id}/results", headers=make.headers(scene.surveyor))
    unknown = await client.get(f"/api/waves/{uuid.uuid4()}/results", headers=make.headers(scene.admin))

    assert as_surveyor.status_code == 403 and unknown.status_code == 404
    assert (await client.get(f"/api/waves/{scene.wave.id}/results.csv")).status_code == 401
