"""Positions that look injected or replayed rather than measured (the ``geo.mocked`` flag's signals).

A browser cannot tell whether Android's "mock location app" setting fed it a position (the Geolocation API has no
such field; ODK Collect, which can ask Android, reports a mocked fix with an accuracy of exactly 0). What gives a fake
away is how its positions look beside a real phone's:

- a real fix always carries an uncertainty: an accuracy of exactly 0 m is never measured;
- a real phone's position wanders by decimetres to metres from one fix to the next, even lying still on a table;
  a GPS-grade position (accuracy under 20 m) that does not move by a centimetre for minutes was typed in;
- a real accuracy changes with every fix; the same GPS-grade figure to the millimetre throughout was set by hand
  (coarse Wi-Fi and cell fixes do repeat round figures such as 65 m, so only GPS-grade figures count);
- a phone's fixes come when the GPS and the browser deliver them, seconds apart and never exactly in step; fifteen
  or more intervals all equal to the millisecond come from a script;
- a track whose distinct coordinates are, to the centimetre, those of another visit's track is that track replayed.

Each signal alone is rare on an honest phone; the flag carries the signals it saw, so a reviewer can weigh them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.domain.visits.documents import Position

GPS_GRADE_ACCURACY_M = 20.0
MIN_POSITIONS = 6
MIN_FROZEN_SPAN_S = 180
MIN_REGULAR_INTERVALS = 15
REGULAR_TOLERANCE_S = 0.001
COORDINATE_DECIMALS = 7  # about 1 cm
REPLAY_SAMPLE = 50
MIN_REPLAY_COORDINATES = 5
REPLAY_SHARE = 0.8
MAX_REPLAYS_NAMED = 5  # a track sent again and again is one finding; the flag names the visits it repeats most


@dataclass(frozen=True)
class ReplayMatch:
    other_visit_id: uuid.UUID
    matched: int
    """Of the track's sampled distinct coordinates, how many the other visit's track has too."""
    compared: int


Coordinate = tuple[float, float]


def coordinate(lat: float, lon: float) -> Coordinate:
    return round(lat, COORDINATE_DECIMALS), round(lon, COORDINATE_DECIMALS)


def track_sample(positions: Sequence[Position]) -> list[Coordinate]:
    """The track's first distinct coordinates, enough to recognise it in another visit without reading all of it."""
    seen: dict[Coordinate, None] = {}
    for position in positions:
        seen.setdefault(coordinate(position.lat, position.lon))
        if len(seen) >= REPLAY_SAMPLE:
            break
    return list(seen)


def replay_matches(
    positions: Sequence[Position], others: Mapping[uuid.UUID, Iterable[Coordinate]]
) -> list[ReplayMatch]:
    """The other visits whose tracks hold most of this track's distinct coordinates. A track that stands still has
    too few distinct coordinates to be recognised this way (``frozen`` covers it)."""
    sample = track_sample(positions)
    if len(sample) < MIN_REPLAY_COORDINATES:
        return []
    found = {}
    for visit_id, coordinates in others.items():
        theirs = {coordinate(lat, lon) for lat, lon in coordinates}
        found[visit_id] = sum(1 for point in sample if point in theirs)
    return replays_among(found, len(sample))


def replays_among(matched_by_visit: Mapping[uuid.UUID, int], compared: int) -> list[ReplayMatch]:
    """The visits whose tracks hold enough of the ``compared`` sampled coordinates (``matched_by_visit``) to be the
    track replayed, most matched first, at most ``MAX_REPLAYS_NAMED``."""
    matches = [
        ReplayMatch(other_visit_id=visit_id, matched=matched, compared=compared)
        for visit_id, matched in matched_by_visit.items()
        if matched >= MIN_REPLAY_COORDINATES and matched >= REPLAY_SHARE * compared
    ]
    return sorted(matches, key=lambda match: (-match.matched, str(match.other_visit_id)))[:MAX_REPLAYS_NAMED]


def mocked_signals(positions: Sequence[Position], replays: Sequence[ReplayMatch] = ()) -> list[dict[str, Any]]:
    """What about these positions no real phone produces, each as ``{"signal": name, ...measurements}``."""
    signals: list[dict[str, Any]] = []
    zero = sum(1 for position in positions if position.accuracy_m == 0)
    if zero:
        signals.append({"signal": "zero_accuracy", "positions": zero})
    if len(positions) >= MIN_POSITIONS:
        signals.extend(_still_signals(positions))
    regular = _regular_interval_s(positions)
    if regular is not None:
        signals.append({"signal": "regular_intervals", "intervals": len(positions) - 1, "interval_s": regular})
    signals.extend(
        {"signal": "replayed", "visit_id": str(match.other_visit_id), "matched": match.matched,
         "compared": match.compared}
        for match in replays
    )  # fmt: skip
    return signals


def _still_signals(positions: Sequence[Position]) -> list[dict[str, Any]]:
    accuracies = {round(position.accuracy_m, 3) for position in positions}
    best_m = min(accuracies)
    is_constant = len(accuracies) == 1
    points = {coordinate(position.lat, position.lon) for position in positions}
    span_s = (max(p.at for p in positions) - min(p.at for p in positions)).total_seconds()
    if len(points) == 1 and span_s >= MIN_FROZEN_SPAN_S and (best_m < GPS_GRADE_ACCURACY_M or is_constant):
        return [{"signal": "frozen", "positions": len(positions), "span_s": round(span_s)}]
    if is_constant and 0 < best_m < GPS_GRADE_ACCURACY_M:
        return [{"signal": "constant_accuracy", "positions": len(positions), "accuracy_m": best_m}]
    return []


def _regular_interval_s(positions: Sequence[Position]) -> float | None:
    """The one interval all fixes keep, when there are enough of them to rule out chance; else None."""
    if len(positions) <= MIN_REGULAR_INTERVALS:
        return None
    times = sorted(position.at for position in positions)
    intervals = [(later - earlier).total_seconds() for earlier, later in zip(times, times[1:], strict=False)]
    shortest, longest = min(intervals), max(intervals)
    if shortest <= 0 or longest - shortest > REGULAR_TOLERANCE_S:
        return None
    return round(shortest, 3)
