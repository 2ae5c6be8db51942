"""Trends of a unit, agency or region over the waves, and the indicators that changed between two waves. Every
expected figure is worked out by hand in tests/integration/insights/helpers.py."""

from __future__ import annotations

from tests.integration.insights.helpers import a_history, get_json


def points(body):
    return [(p["wave"]["name"], p["wave"]["kind"], p["score"], p["zone"], p["change"]) for p in body["points"]]


async def test_a_units_trend_lists_every_wave_in_period_order_with_the_change_on_the_last_of_its_kind(client, make):
    h = await a_history(client, make)

    body = await get_json(client, make, h.supervisor, f"/api/insights/units/{h.u1.id}/trend")

    # U1: W1 66.67, W2 (internal) 100.00, W3 75.00 (+8.33 on W1), W4 100.00 (+25.00 on W3, not yet published)
    assert points(body) == [
        ("W1", "external", "66.67", "yellow", None),
        ("W2", "internal", "100.00", "green", None),
        ("W3", "external", "75.00", "yellow", "8.33"),
        ("W4", "external", "100.00", "green", "25.00"),
    ]
    assert [p["wave"]["status"] for p in body["points"]] == ["published", "published", "published", "fieldwork"]
    assert body["points"][2]["dimensions"] == {"A": "50.00", "B": "100.00"}
    assert body["points"][2]["visit_ids"] == [str(h.visits[("W3", "U1")].id)]
    assert body["subject"]["level"] == "unit" and body["subject"]["agency"]["name"] == "Dinas Uji"
    assert [d["id"] for d in body["dimensions"]] == ["A", "B"]


async def test_published_only_leaves_out_waves_still_in_the_field(client, make):
    h = await a_history(client, make)

    body = await get_json(client, make, h.admin, f"/api/insights/units/{h.u1.id}/trend", published_only="true")

    assert [p["wave"]["name"] for p in body["points"]] == ["W1", "W2", "W3"]


async def test_an_agency_and_a_region_trend_roll_their_units_up_wave_by_wave(client, make):
    h = await a_history(client, make)

    agency = await get_json(client, make, h.admin, f"/api/insights/agencies/{h.dinas.id}/trend")
    region = await get_json(client, make, h.admin, f"/api/insights/regions/{h.region.id}/trend")

    # Dinas Uji = mean(U1, U2): W1 66.67, W2 100.00, W3 75.00, W4 100.00 (U1 alone so far)
    assert points(agency) == [
        ("W1", "external", "66.67", "yellow", None),
        ("W2", "internal", "100.00", "green", None),
        ("W3", "external", "75.00", "yellow", "8.33"),
        ("W4", "external", "100.00", "green", "25.00"),
    ]
    # Kabupaten Uji = mean(Dinas Uji, Kecamatan Uji): W1 (66.67 + 0) / 2 = 33.335 → 33.34; W2 100.00;
    # W3 (75 + 50) / 2 = 62.50, +29.16 on W1; W4 Dinas Uji alone, 100.00, +37.50 on W3
    assert points(region) == [
        ("W1", "external", "33.34", "red", None),
        ("W2", "internal", "100.00", "green", None),
        ("W3", "external", "62.50", "yellow", "29.16"),
        ("W4", "external", "100.00", "green", "37.50"),
    ]
    assert region["subject"] == {
        "level": "region",
        "id": str(h.region.id),
        "name": "Kabupaten Uji",
        "agency": None,
        "region": {"id": str(h.region.id), "name": "Kabupaten Uji"},
    }


async def test_the_public_trend_shows_published_waves_only_and_no_visits(client, make):
    h = await a_history(client, make)

    unit = await get_json(client, make, None, f"/api/public/units/{h.u1.id}/trend")
    agency = await get_json(client, make, None, f"/api/public/agencies/{h.dinas_kota.id}/trend")
    region = await get_json(client, make, None, f"/api/public/regions/{h.other_region.id}/trend")

    assert points(unit) == [
        ("W1", "external", "66.67", "yellow", None),
        ("W2", "internal", "100.00", "green", None),
        ("W3", "external", "75.00", "yellow", "8.33"),
    ]
    assert all("visit_ids" not in p for p in unit["points"])
    # Kota Uji has U4 alone: W1 100.00, W2 94.44, W3 94.44 (−5.56 on W1)
    expected = [
        ("W1", "external", "100.00", "green", None),
        ("W2", "internal", "94.44", "green", None),
        ("W3", "external", "94.44", "green", "-5.56"),
    ]
    assert points(agency) == points(region) == expected


async def test_a_supervisor_of_another_region_sees_no_trend_there(client, make):
    h = await a_history(client, make)

    for url in (
        f"/api/insights/units/{h.u1.id}/trend",
        f"/api/insights/agencies/{h.dinas.id}/trend",
        f"/api/insights/regions/{h.region.id}/trend",
        f"/api/insights/units/{h.u1.id}/changes",
    ):
        response = await client.get(url, headers=make.headers(h.other_supervisor))
        assert response.status_code == 404, url


async def test_indicators_that_became_compliant_or_failing_between_two_waves_are_listed(client, make):
    h = await a_history(client, make)

    body = await get_json(
        client, make, h.supervisor, f"/api/insights/units/{h.u2.id}/changes", from_wave=h.w1.id, to_wave=h.w3.id
    )

    # U2: W1 NO_B1 (B1 not met) → W3 NO_A1 (A1 not met): B1 newly compliant, A1 newly failing, A2 and B2 unchanged
    assert [(c["indicator"], c["dimension"], c["before"], c["after"]) for c in body["newly_compliant"]] == [
        ("B1", "B", "0.0000", "1.0000")
    ]
    assert [(c["indicator"], c["before"], c["after"]) for c in body["newly_failing"]] == [("A1", "1.0000", "0.0000")]
    assert body["improved"] == body["declined"] == [] and body["unchanged"] == 2
    assert (body["from_wave"]["wave"]["name"], body["from_wave"]["score"]) == ("W1", "66.67")
    assert (body["to_wave"]["wave"]["name"], body["to_wave"]["score"]) == ("W3", "75.00")
    assert body["newly_compliant"][0]["text"] == {"id": "Indikator B1", "en": "Indicator B1"}


async def test_changes_default_to_the_units_last_two_waves_and_see_partial_scores(client, make):
    h = await a_history(client, make)

    u1 = await get_json(client, make, h.admin, f"/api/insights/units/{h.u1.id}/changes")
    u4 = await get_json(client, make, h.admin, f"/api/insights/units/{h.u4.id}/changes", from_wave=h.w1.id)

    # U1's last two: W3 (A1 not met) → W4 (all met)
    assert (u1["from_wave"]["wave"]["name"], u1["to_wave"]["wave"]["name"]) == ("W3", "W4")
    assert [c["indicator"] for c in u1["newly_compliant"]] == ["A1"] and u1["newly_failing"] == []
    # U4: W1 B2 = 3 → its latest, W3, B2 = 2: from fully met to 2/3
    assert u4["to_wave"]["wave"]["name"] == "W3"
    assert [(c["indicator"], c["before"], c["after"]) for c in u4["newly_failing"]] == [("B2", "1.0000", "0.6667")]


async def test_changes_for_a_wave_without_a_visit_of_the_unit_are_not_found(client, make):
    h = await a_history(client, make)

    response = await client.get(
        f"/api/insights/units/{h.u2.id}/changes", params={"to_wave": str(h.w4.id)}, headers=make.headers(h.admin)
    )
    lonely = await make.unit(agency=h.dinas, name="U5")
    nothing = await get_json(client, make, h.admin, f"/api/insights/units/{lonely.id}/changes")

    assert response.status_code == 404
    assert nothing["from_wave"] is None and nothing["to_wave"] is None and nothing["newly_compliant"] == []
