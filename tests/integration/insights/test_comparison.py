"""Internal self-assessment against the external survey, unit by unit. Expected figures are worked out by hand in
tests/integration/insights/helpers.py."""

from __future__ import annotations

from tests.integration.insights.helpers import B2_TWO, a_history, a_wave, an_approved_visit, get_json


def compared(body):
    return {
        row["name"]: (
            row["internal"]["wave"]["name"] if row["internal"] else None,
            row["internal"]["score"] if row["internal"] else None,
            row["external"]["wave"]["name"] if row["external"] else None,
            row["external"]["score"] if row["external"] else None,
            row["difference"],
            row["zone_steps"],
            row["disagrees"],
        )
        for row in body["units"]
    }


async def test_each_unit_shows_its_latest_internal_and_external_result_and_where_their_zones_disagree(client, make):
    h = await a_history(client, make)

    body = await get_json(client, make, h.admin, "/api/insights/comparison", published_only="true")

    # internal = W2; external = W3 (the latest published survey)
    assert compared(body) == {
        "U1": ("W2", "100.00", "W3", "75.00", "25.00", 1, False),  # green against yellow: one step
        "U2": ("W2", "100.00", "W3", "75.00", "25.00", 1, False),
        "U3": ("W2", "100.00", "W3", "50.00", "50.00", 2, True),  # green against red
        "U4": ("W2", "94.44", "W3", "94.44", "0.00", 0, False),
    }
    assert body["summary"] == {"units": 4, "with_both": 4, "disagreeing": 1}
    u3 = next(row for row in body["units"] if row["name"] == "U3")
    assert (u3["internal"]["zone"], u3["external"]["zone"], u3["external"]["zone_name"]) == ("green", "red", "merah")
    assert u3["external"]["visit_ids"] == [str(h.visits[("W3", "U3")].id)]
    assert u3["agency"] == {"id": str(h.kecamatan.id), "name": "Kecamatan Uji", "kind": "Kecamatan"}


async def test_reviewers_see_the_latest_reviewed_survey_even_before_it_is_published(client, make):
    h = await a_history(client, make)

    body = await get_json(client, make, h.admin, "/api/insights/comparison")

    # U1 was approved in W4 (fieldwork, 100.00): its external result is now W4's
    assert compared(body)["U1"] == ("W2", "100.00", "W4", "100.00", "0.00", 0, False)
    assert next(row for row in body["units"] if row["name"] == "U1")["external"]["wave"]["status"] == "fieldwork"


async def test_a_unit_with_only_one_kind_of_result_is_listed_without_a_difference(client, make):
    h = await a_history(client, make)
    newcomer = await make.unit(agency=h.dinas_kota, name="U6")
    later = await a_wave(make, h.instrument, name="W2b", kind="internal", start=h.w2.period_start)
    await an_approved_visit(client, make, later, newcomer, h.surveyor, h.admin, B2_TWO)

    body = await get_json(client, make, h.admin, "/api/insights/comparison", region=h.other_region.id)

    assert compared(body) == {
        "U4": ("W2", "94.44", "W3", "94.44", "0.00", 0, False),
        "U6": ("W2b", "94.44", None, None, None, None, False),
    }


async def test_a_supervisor_compares_only_units_of_their_regions(client, make):
    h = await a_history(client, make)

    own = await get_json(client, make, h.supervisor, "/api/insights/comparison")
    by_agency = await get_json(client, make, h.supervisor, "/api/insights/comparison", agency=h.kecamatan.id)
    other_region = await client.get(
        "/api/insights/comparison", params={"region": str(h.region.id)}, headers=make.headers(h.other_supervisor)
    )
    other_agency = await client.get(
        "/api/insights/comparison", params={"agency": str(h.dinas.id)}, headers=make.headers(h.other_supervisor)
    )

    assert sorted(compared(own)) == ["U1", "U2", "U3"]
    assert sorted(compared(by_agency)) == ["U3"]
    assert other_region.status_code == other_agency.status_code == 404
