"""Internal self-assessment against the external survey, unit by unit. Pure: plain values in and out.

Zones are ordered red < yellow < green, one *step* apart. Internal and external results *disagree* when their zones
lie more than one step apart (one green, the other red): a yellow beside a green is the ordinary noise of two teams
on two days, a green beside a red means one of the two assessments misread the unit. A profile without zones
(``panrb-ipp``) gives no steps, so it never disagrees; its difference in points is still reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from server.domain.results.scoring import round_score

ZONE_STEPS: dict[str, int] = {"red": 0, "yellow": 1, "green": 2}
DISAGREEMENT_STEPS = 2


@dataclass(frozen=True, slots=True)
class Agreement:
    difference: Decimal | None
    """Internal minus external reported score, in points; positive when the unit rated itself higher."""
    zone_steps: int | None
    """How many zone steps apart the two results are; None unless both have a zone."""
    disagrees: bool


def zone_steps_apart(zone: str | None, other: str | None) -> int | None:
    if zone not in ZONE_STEPS or other not in ZONE_STEPS:
        return None
    return abs(ZONE_STEPS[zone] - ZONE_STEPS[other])


def agreement(
    internal_score: Decimal | None, internal_zone: str | None, external_score: Decimal | None, external_zone: str | None
) -> Agreement:
    if internal_score is None or external_score is None:
        return Agreement(difference=None, zone_steps=None, disagrees=False)
    steps = zone_steps_apart(internal_zone, external_zone)
    return Agreement(
        difference=round_score(internal_score) - round_score(external_score),
        zone_steps=steps,
        disagrees=steps is not None and steps >= DISAGREEMENT_STEPS,
    )
