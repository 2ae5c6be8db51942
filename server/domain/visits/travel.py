"""``visit.impossible_travel``: one surveyor's visits that cannot all have happened where and when they say.

Two visits of a surveyor at different units conflict when they overlap in time (beyond a tolerance: a visit finished
a minute after the next one began is a slow thumb, not a second place), or when the move from the end of the one to
the start of the next needs a speed no road allows: the geodesic distance between the units, less an allowance for
where in their grounds the visits started and ended, over the time between them. Both visits get the flag, each
naming the other.

The service hands over every visit of the surveyor around the times that changed, in any order; the result depends
only on the set, so visits that arrive out of order, days apart, or corrected to other times end with the same flags.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geopy.distance import geodesic  # type: ignore[import-untyped]

from server.domain.visits.integrity import IntegritySettings, MeasuredFlag


@dataclass(frozen=True)
class VisitStop:
    visit_id: uuid.UUID
    unit_id: uuid.UUID
    started_at: datetime
    finished_at: datetime
    lat: float | None
    """The unit's position; None for a unit without coordinates (its visits are checked for overlap only)."""
    lon: float | None


def travel_flags(stops: Sequence[VisitStop], settings: IntegritySettings) -> dict[uuid.UUID, list[MeasuredFlag]]:
    """The ``visit.impossible_travel`` flags of each visit among ``stops`` (visits without one are left out)."""
    ordered = sorted(stops, key=lambda stop: (stop.started_at, stop.finished_at, str(stop.visit_id)))
    conflicts: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = {}
    for i, earlier in enumerate(ordered):
        for later in ordered[i + 1 :]:
            overlap_s = (earlier.finished_at - later.started_at).total_seconds()
            if overlap_s <= 0 and later is not ordered[i + 1]:
                break  # neither overlapping nor the next visit: the move to it is the next visit's concern
            conflict = _conflict(earlier, later, overlap_s, settings)
            if conflict is not None:
                conflicts[(earlier.visit_id, later.visit_id)] = conflict
    by_visit: dict[uuid.UUID, list[MeasuredFlag]] = {}
    by_id = {stop.visit_id: stop for stop in stops}
    for (first_id, second_id), conflict in conflicts.items():
        for this, other, side in ((first_id, second_id, "next"), (second_id, first_id, "previous")):
            by_visit.setdefault(this, []).append(_flag(by_id[other], side, conflict, settings))
    return by_visit


def _conflict(
    earlier: VisitStop, later: VisitStop, overlap_s: float, settings: IntegritySettings
) -> dict[str, Any] | None:
    if earlier.unit_id == later.unit_id:
        return None
    distance_m = _distance_m(earlier, later)
    if overlap_s > settings.travel_overlap_tolerance_s:
        return {"kind": "overlap", "overlap_s": round(overlap_s), "distance_m": _rounded(distance_m)}
    if distance_m is None:
        return None
    needed_m = distance_m - settings.travel_allowance_m
    if needed_m <= 0:
        return None
    gap_s = max(0.0, -overlap_s)
    speed_kmh = needed_m / gap_s * 3.6 if gap_s > 0 else float("inf")
    if speed_kmh <= settings.max_travel_speed_kmh:
        return None
    return {
        "kind": "speed",
        "distance_m": round(distance_m),
        "gap_s": round(gap_s),
        "speed_kmh": None if gap_s == 0 else round(speed_kmh),
    }


def _flag(other: VisitStop, side: str, conflict: dict[str, Any], settings: IntegritySettings) -> MeasuredFlag:
    facts = {
        **conflict,
        "other_visit_id": str(other.visit_id),
        "other_side": side,
        "limit_kmh": settings.max_travel_speed_kmh,
        "allowance_m": round(settings.travel_allowance_m),
    }
    where = "the next" if side == "next" else "the previous"
    if conflict["kind"] == "overlap":
        detail = (
            f"Overlaps {where} visit {other.visit_id} at another unit by {_minutes(conflict['overlap_s'])} "
            f"(tolerance {settings.travel_overlap_tolerance_s} s)."
        )
    else:
        speed = "no time at all" if conflict["speed_kmh"] is None else f"{conflict['speed_kmh']} km/h"
        detail = (
            f"{where.capitalize()} visit {other.visit_id} is {conflict['distance_m'] / 1000:,.1f} km away with "
            f"{_minutes(conflict['gap_s'])} between them: {speed} needed (limit {settings.max_travel_speed_kmh:g} "
            f"km/h after {settings.travel_allowance_m:,.0f} m)."
        )
    return MeasuredFlag("visit.impossible_travel", "warning", detail, facts=facts)


def _distance_m(a: VisitStop, b: VisitStop) -> float | None:
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    meters: float = geodesic((a.lat, a.lon), (b.lat, b.lon)).meters
    return meters


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:,.0f} min" if seconds >= 120 else f"{seconds:,.0f} s"
