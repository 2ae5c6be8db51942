"""Rankings ("kompetisi") within a wave: ties shown openly, filters, the most improved, CSV, public and scoped views.
Every expected figure is worked out by hand in tests/integration/insights/helpers.py."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from server.lib import clock
from tests.integration.insights.helpers import FULL, a_history, a_wave, an_approved_visit, get_json, publish


def ranked(level):
    return [(row["name"], row["rank"], row["tied"], row["score"]) for row in level["ranked"]]


async def test_units_are_ranked_by_score_and_ties_share_a_rank_with_the_next_rank_skipped(client, make):
    h = await a_history(client, make)

    body = await get_json(client, make, h.admin, f"/api/waves/{h.w3.id}/rankings")

    # W3: U4 94.44; U1 and U2 75.00 each; U3 50.00 → "1, 2, 2, 4"
    assert ranked(body["units"]) == [
        ("U4", 1, False, "94.44"),
        ("U1", 2, True, "75.00"),
        ("U2", 2, True, "75.00"),
        ("U3", 4, False, "50.00"),
    ]
    # agencies: Dinas Kota = U4 94.44; Dinas Uji = (75 + 75) / 2 = 75.00; Kecamatan Uji = U3 50.00
    assert ranked(body["agencies"]) == [
        ("Dinas Kota", 1, False, "94.44"),
        ("Dinas Uji", 2, False, "75.00"),
        ("Kecamatan Uji", 3, False, "50.00"),
    ]
    assert [row["zone"] for row in body["units"]["ranked"]] == ["green", "yellow", "yellow", "red"]
    assert body["units"]["unscored"] == [] and body["agencies"]["unscored"] == []
    assert body["agency_kinds"] == ["Dinas", "Kecamatan"]
    assert {r["name"] for r in body["regions"]} == {"Kabupaten Uji", "Kota Uji"}
    u1 = next(row for row in body["units"]["ranked"] if row["name"] == "U1")
    assert u1["visit_ids"] == [str(h.visits[("W3", "U1")].id)]
    assert u1["agency"]["name"] == "Dinas Uji" and u1["agency_kind"] == "Dinas"


async def test_the_most_improved_are_measured_against_the_previous_wave_of_the_same_kind(client, make):
    h = await a_history(client, make)

    body = await get_json(client, make, h.admin, f"/api/waves/{h.w3.id}/rankings")

    # W3 is compared with W1 (the internal W2 in between is another kind):
    # U1 66.67 → 75.00 = +8.33, U2 the same, U3 0.00 → 50.00 = +50.00, U4 100.00 → 94.44 = −5.56
    assert body["previous_wave"]["name"] == "W1"
    changes = {row["name"]: (row["previous_score"], row["change"]) for row in body["units"]["ranked"]}
    assert changes == {
        "U1": ("66.67", "8.33"),
        "U2": ("66.67", "8.33"),
        "U3": ("0.00", "50.00"),
        "U4": ("100.00", "-5.56"),
    }
    assert [(row["name"], row["rank"], row["tied"], row["change"]) for row in body["units"]["most_improved"]] == [
        ("U3", 1, False, "50.00"),
        ("U1", 2, True, "8.33"),
        ("U2", 2, True, "8.33"),
    ]
    # agencies: Kecamatan Uji 0.00 → 50.00; Dinas Uji (66.67 + 66.67) / 2 = 66.67 → 75.00; Dinas Kota falls
    assert [(row["name"], row["change"]) for row in body["agencies"]["most_improved"]] == [
        ("Kecamatan Uji", "50.00"),
        ("Dinas Uji", "8.33"),
    ]


async def test_improvement_can_be_measured_against_a_chosen_wave(client, make):
    h = await a_history(client, make)

    body = await get_json(client, make, h.admin, f"/api/waves/{h.w3.id}/rankings", compare_to=h.w2.id)

    # against the internal W2: U1 100.00 → 75.00, U3 100.00 → 50.00, U4 94.44 → 94.44: nobody improved
    assert body["previous_wave"]["name"] == "W2"
    assert {row["name"]: row["change"] for row in body["units"]["ranked"]} == {
        "U1": "-25.00",
        "U2": "-25.00",
        "U3": "-50.00",
        "U4": "0.00",
    }
    assert body["units"]["most_improved"] == []


async def test_the_first_wave_of_its_kind_has_nothing_to_improve_on(client, make):
    h = await a_history(client, make)

    body = await get_json(client, make, h.admin, f"/api/waves/{h.w2.id}/rankings")

    assert body["previous_wave"] is None
    # W2: U1, U2 and U3 100.00, U4 94.44
    assert ranked(body["units"]) == [
        ("U1", 1, True, "100.00"),
        ("U2", 1, True, "100.00"),
        ("U3", 1, True, "100.00"),
        ("U4", 4, False, "94.44"),
    ]
    assert all(row["change"] is None for row in body["units"]["ranked"])


async def test_rankings_filter_by_agency_kind_and_by_region_and_rank_within_the_filter(client, make):
    h = await a_history(client, make)

    dinas = await get_json(client, make, h.admin, f"/api/waves/{h.w3.id}/rankings", agency_kind="Dinas")
    kabupaten = await get_json(client, make, h.admin, f"/api/waves/{h.w3.id}/rankings", region=h.region.id)

    assert ranked(dinas["units"]) == [("U4", 1, False, "94.44"), ("U1", 2, True, "75.00"), ("U2", 2, True, "75.00")]
    assert [row["name"] for row in dinas["agencies"]["ranked"]] == ["Dinas Kota", "Dinas Uji"]
    assert dinas["filters"] == {"region": None, "agency_kind": "Dinas", "compare_to": None}
    assert ranked(kabupaten["units"]) == [("U1", 1, True, "75.00"), ("U2", 1, True, "75.00"), ("U3", 3, False, "50.00")]
    assert ranked(kabupaten["agencies"]) == [("Dinas Uji", 1, False, "75.00"), ("Kecamatan Uji", 2, False, "50.00")]


async def test_a_wave_in_fieldwork_lists_its_units_without_a_score_as_unscored(client, make):
    h = await a_history(client, make)

    body = await get_json(client, make, h.admin, f"/api/waves/{h.w4.id}/rankings")

    # W4 has U1's visit only (100.00); compared with W3 (75.00): +25.00
    assert ranked(body["units"]) == [("U1", 1, False, "100.00")]
    assert body["previous_wave"]["name"] == "W3"
    assert body["units"]["most_improved"][0]["change"] == "25.00"


async def test_the_rankings_csv_has_a_row_per_unit_and_agency_with_the_same_figures(client, make):
    h = await a_history(client, make)

    response = await client.get(f"/api/waves/{h.w3.id}/rankings.csv", headers=make.headers(h.admin))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="peringkat-w3.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["level"], r["name"], r["rank"], r["tied"], r["score"], r["change"]) for r in rows] == [
        ("unit", "U4", "1", "no", "94.44", "-5.56"),
        ("unit", "U1", "2", "yes", "75.00", "8.33"),
        ("unit", "U2", "2", "yes", "75.00", "8.33"),
        ("unit", "U3", "4", "no", "50.00", "50.00"),
        ("agency", "Dinas Kota", "1", "no", "94.44", "-5.56"),
        ("agency", "Dinas Uji", "2", "no", "75.00", "8.33"),
        ("agency", "Kecamatan Uji", "3", "no", "50.00", "50.00"),
    ]
    assert rows[1]["visit_ids"] == str(h.visits[("W3", "U1")].id)


async def test_a_supervisor_ranks_only_the_units_of_their_regions(client, make):
    h = await a_history(client, make)

    own = await get_json(client, make, h.supervisor, f"/api/waves/{h.w3.id}/rankings")
    other = await get_json(client, make, h.other_supervisor, f"/api/waves/{h.w3.id}/rankings")
    refused = await client.get(
        f"/api/waves/{h.w3.id}/rankings", params={"region": str(h.region.id)}, headers=make.headers(h.other_supervisor)
    )

    assert ranked(own["units"]) == [("U1", 1, True, "75.00"), ("U2", 1, True, "75.00"), ("U3", 3, False, "50.00")]
    assert ranked(other["units"]) == [("U4", 1, False, "94.44")]
    assert [r["name"] for r in other["regions"]] == ["Kota Uji"]
    assert refused.status_code == 404


async def test_anyone_reads_the_rankings_of_a_published_wave_without_evidence(client, make):
    h = await a_history(client, make)
    reviewers = await get_json(client, make, h.admin, f"/api/waves/{h.w3.id}/rankings")

    public = await get_json(client, make, None, f"/api/public/waves/{h.w3.id}/rankings")
    public_csv = await client.get(f"/api/public/waves/{h.w3.id}/rankings.csv")

    assert ranked(public["units"]) == ranked(reviewers["units"])
    assert public["units"]["most_improved"] == reviewers["units"]["most_improved"]
    assert all("visit_ids" not in row for row in public["units"]["ranked"] + public["agencies"]["ranked"])
    assert public_csv.status_code == 200
    assert "visit_ids" not in public_csv.text.splitlines()[0]
    assert str(h.visits[("W3", "U1")].id) not in public_csv.text


async def test_the_public_cannot_rank_a_wave_that_is_not_published_nor_compare_with_one(client, make):
    h = await a_history(client, make)

    unpublished = await client.get(f"/api/public/waves/{h.w4.id}/rankings")
    unpublished_csv = await client.get(f"/api/public/waves/{h.w4.id}/rankings.csv")
    compared = await client.get(f"/api/public/waves/{h.w3.id}/rankings", params={"compare_to": str(h.w4.id)})

    assert unpublished.status_code == unpublished_csv.status_code == compared.status_code == 404
    assert unpublished.headers["content-type"].startswith("application/problem+json")


async def test_public_rankings_measure_improvement_against_published_waves_only(client, make):
    h = await a_history(client, make)
    later = await a_wave(make, h.instrument, name="W5", kind="external", start=clock.now().date() + timedelta(days=90))
    await an_approved_visit(client, make, later, h.u1, h.surveyor, h.admin, FULL)
    await publish(client, make, h.admin, later)

    public = await get_json(client, make, None, f"/api/public/waves/{later.id}/rankings")
    reviewers = await get_json(client, make, h.admin, f"/api/waves/{later.id}/rankings")

    # For reviewers the wave before W5 is W4 (fieldwork); the public never sees W4, so W5 is compared with W3.
    assert reviewers["previous_wave"]["name"] == "W4"
    assert public["previous_wave"]["name"] == "W3"
    assert public["units"]["most_improved"][0]["change"] == "25.00"  # U1: 75.00 → 100.00
