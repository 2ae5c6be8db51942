"""What the results tests share: reading results and deciding on visits through the API."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


async def results_of(client, make, user, wave, suffix=""):
    response = await client.get(f"/api/waves/{wave.id}/results{suffix}", headers=make.headers(user))
    assert response.status_code == 200, response.text
    return response if suffix else response.json()


async def decide(client, make, user, visit, decision, comment=None):
    response = await client.post(
        f"/api/review/visits/{visit.id}/decision",
        headers=make.headers(user),
        json={"decision": decision, "revision": visit.revision, "comment": comment},
    )
    assert response.status_code == 200, response.text
    return response.json()


def by_id(rows):
    return {row["id"]: row for row in rows}


def two_decimals(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def ombudsman_2021_zone(score: str) -> str:
    """docs/contract.md: green ≥ 81.00, yellow ≥ 51.00, red below — written out, not taken from the code under test."""
    value = Decimal(score)
    return "green" if value >= Decimal("81.00") else "yellow" if value >= Decimal("51.00") else "red"
