"""``visit.impossible_travel``: one surveyor's visits that cannot all have happened where and when they say.

Two visits of a surveyor at different units conflict when they overlap in time (beyond a tolerance: a visit finished
a minute after the next one began is a slow thumb, not a second place), or when the move from the end of the one to
the start of the next needs a speed no road allows: the distance between the units, less an allowance for
where in their grounds the visits started and ended, over the time between them. Both visits get the flag, each
naming the other.

Every pair of visits is judged on its own (whatever the surveyor did in between, the one journey cannot be made in
that time), so the flags depend only on the set of visits, never on the order they arrive in: when a visit is new or
corrected, only the pairs it is part of change (``conflicts_with``). The distance is the spherical one: within
0.6 % of the geodesic, and a surveyor's week of visits is compared without one geodesic per pair.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.domain.visits.integrity import IntegritySettings, MeasuredFlag, spherical_distance_m


@dataclass(frozen=True)
class VisitStop:
    visit_id: uuid.UUID
    unit_id: uuid.UUID
    started_at: datetime
    finished_at: datetime
    lat: float | None
    """The unit's position; None for a unit without coordinates (its visits are checked for overlap only)."""
    lon: float | None


# A visit that overlaps dozens of others is one finding, not dozens: the nearest in time are named.
MAX_CONFLICTS = 10


def conflicts_with(
    changed: VisitStop, others: Sequence[VisitStop], settings: IntegritySettings
) -> list[tuple[VisitStop, dict[str, Any]]]:
    """The visits among ``others`` that ``changed`` cannot go with, nearest in time first (at most ``MAX_CONFLICTS``),
    each with what was measured."""
    found = []
    for other in others:
        if other.unit_id == changed.unit_id or other.visit_id == changed.visit_id:
            continue  # one unit's visits are never a journey (and most of a surveyor's week is one unit per day)
        earlier, later = (changed, other) if _is_before(changed, other) else (other, changed)
        conflict = _conflict(earlier, later, (earlier.finished_at - later.started_at).total_seconds(), settings)
        if conflict is not None:
            found.append((other, conflict))
    found.sort(key=lambda pair: (abs((pair[0].started_at - changed.started_at).total_seconds()), str(pair[0].visit_id)))
    return found[:MAX_CONFLICTS]


def _is_before(a: VisitStop, b: VisitStop) -> bool:
    if a.started_at != b.started_at:
        return a.started_at < b.started_at
    return str(a.visit_id) < str(b.visit_id)


def flags_between(
    changed: VisitStop, other: VisitStop, conflict: dict[str, Any], settings: IntegritySettings
) -> tuple[MeasuredFlag, MeasuredFlag]:
    """The flag of ``changed`` naming ``other``, and the flag of ``other`` naming ``changed``."""
    changed_is_first = _is_before(changed, other)
    return (
        _flag(other, "next" if changed_is_first else "previous", conflict, settings),
        _flag(changed, "previous" if changed_is_first else "next", conflict, settings),
    )


def travel_flags(stops: Sequence[VisitStop], settings: IntegritySettings) -> dict[uuid.UUID, list[MeasuredFlag]]:
    """The ``visit.impossible_travel`` flags of each visit among ``stops`` (visits without one are left out), as the
    server ends up storing them once every visit has arrived."""
    by_visit: dict[uuid.UUID, list[MeasuredFlag]] = {}
    ordered = sorted(stops, key=lambda stop: (stop.started_at, str(stop.visit_id)))
    for i, changed in enumerate(ordered):
        for other, conflict in conflicts_with(changed, ordered[i + 1 :], settings):
            own, theirs = flags_between(changed, other, conflict, settings)
            by_visit.setdefault(changed.visit_id, []).append(own)
            by_visit.setdefault(other.visit_id, []).append(theirs)
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
    return spherical_distance_m(a.lat, a.lon, b.lat, b.lon)


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:,.0f} min" if seconds >= 120 else f"{seconds:,.0f} s"
