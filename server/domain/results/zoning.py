"""Classify a score with a profile (docs/contract.md, "Profiles"): round first, then compare with the cut-offs.

Rounding before comparing is what makes 80.995 green under ``ombudsman-2021``: the published score is 81.00, and a
reader who sees 81.00 next to a yellow zone would rightly call it a mistake. For ``panrb-ipp`` the index is
(rounded score / 20), itself rounded half-up to 2 decimals, and the grade comes from the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from server.domain.results.profiles import Cutoff, Label, Profile, Zone
from server.domain.results.scoring import HUNDRED, ZERO, round_score
from server.lib.errors import InvalidInput

IPP_DIVISOR = Decimal(20)

_ZONE_NAMES_ID: dict[str, str] = {"green": "hijau", "yellow": "kuning", "red": "merah"}


@dataclass(frozen=True)
class Classification:
    score: Decimal
    """The rounded 0–100 score that was classified."""
    zone: Zone | None
    grade: str | None
    index: Decimal | None
    """0–5, only for ``ipp`` profiles."""
    label: Label


def classify(total: Decimal, profile: Profile) -> Classification:
    score = round_score(total)
    if not ZERO <= score <= HUNDRED:
        raise InvalidInput(f"A score lies between 0 and 100, got {total}.", field="score")
    index = ipp_index(score) if profile.kind == "ipp" else None
    cutoff = _cutoff_reached(index if index is not None else score, profile)
    return Classification(score=score, zone=cutoff.zone, grade=cutoff.grade, index=index, label=cutoff.label)


def ipp_index(score: Decimal) -> Decimal:
    """The 0–5 IPP index of a 0–100 score, rounded half-up to 2 decimals."""
    return round_score(round_score(score) / IPP_DIVISOR)


def zone_name_id(zone: str | None) -> str | None:
    """The Bahasa Indonesia name shown for a zone (hijau/kuning/merah); None stays None."""
    if zone is None:
        return None
    return _ZONE_NAMES_ID[zone]


def _cutoff_reached(value: Decimal, profile: Profile) -> Cutoff:
    for cutoff in profile.cutoffs:
        if value >= cutoff.min:
            return cutoff
    # profile_from_dict insists on a last cut-off at 0, so only a hand-built profile can get here.
    raise InvalidInput(f"Profile {profile.key!r} has no cut-off for {value}.", field="profile.cutoffs")
