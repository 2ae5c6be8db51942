"""Integrity flags: automatic findings about a visit, computed on the server (docs/contract.md, "Integrity flags").

Flags never refuse anything; they point a reviewer at what deserves a second look, and reviewers always see all of
them. The surveyor's receipt shows only the flags a surveyor can act on (``SURVEYOR_VISIBLE_CODES``): where the
phone was, how precise its position was, what is still missing. The fraud heuristics (reused photos, photo times,
speed, late sync, window) stay with reviewers so they cannot be tuned against. ``photo.no_exif`` is not shown
either: the phone app strips EXIF when it resizes, so there is nothing a surveyor could do about it.

Everything here is pure: the service gathers the facts (unit, window, photo EXIF, hash matches from the database)
into the dataclasses below and stores what ``compute_flags`` returns. Thresholds are ``IntegritySettings``, which a
wave stores as JSON. How positions that look injected are recognised is ``tracks``; the check across a surveyor's
visits is ``travel``.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import msgspec
from geopy.distance import geodesic  # type: ignore[import-untyped]

from server.domain.admin.opening_hours import OpeningHours
from server.domain.visits.documents import Flag, Position
from server.domain.visits.tracks import ReplayMatch, mocked_signals
from server.lib.errors import InvalidInput

FLAG_CODES = (
    "geo.outside",
    "geo.inaccurate",
    "photo.far",
    "photo.time",
    "photo.reused",
    "photo.no_exif",
    "photo.duplicate_in_visit",
    "photo.unreadable",
    "geo.mocked",
    "visit.too_fast",
    "visit.impossible_travel",
    "visit.outside_window",
    "visit.late_sync",
    "visit.incomplete_answers",
)
SURVEYOR_VISIBLE_CODES = frozenset(
    {"geo.outside", "geo.inaccurate", "photo.far", "photo.unreadable", "visit.incomplete_answers"}
)


class MeasuredFlag(Flag, kw_only=True):
    """A flag as computed, with the measurements its ``detail`` is written from (distances in whole metres,
    durations in whole seconds, times as local clock readings, other visits by id). The review console words them in
    the reviewer's language and links the visits; a receipt carries ``detail`` alone."""

    facts: dict[str, Any] = msgspec.field(default_factory=dict)


@dataclass(frozen=True)
class IntegritySettings:
    """Thresholds of a wave; docs/contract.md ("Integrity flags") gives the reasoning behind each default."""

    geofence_default_m: float = 100.0
    max_accuracy_m: float = 100.0
    photo_time_tolerance_s: int = 900
    # A real visit of the default checklist (48 indicators, ~35 photos) takes 30-90 min; these minimums add up to
    # 14 min for it, under half the quickest real one, and far above a checklist filled in the car park (4 min).
    min_seconds_per_indicator: float = 12.0
    min_seconds_per_photo: float = 8.0
    late_sync_after_s: int = 72 * 3600
    phash_max_distance: int = 6
    # Two photos for different indicators of one visit: stricter than across visits, because two honest shots of
    # one notice board (it shows the requirements, the fee and the procedure at once) are close too.
    duplicate_phash_max_distance: int = 4
    # Between two visits of a surveyor: faster than Indonesian roads allow door to door, after an allowance for
    # where in a unit's grounds a visit starts and ends.
    max_travel_speed_kmh: float = 80.0
    travel_allowance_m: float = 1000.0
    travel_overlap_tolerance_s: int = 120

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> IntegritySettings:
        """Settings stored with a wave; keys left out keep their defaults, unknown keys are refused (typos)."""
        data = data or {}
        known = {field.name: field for field in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InvalidInput(f"Unknown integrity setting(s): {', '.join(unknown)}", field=unknown[0])
        for name, value in data.items():
            wants_int = isinstance(known[name].default, int)
            allowed = (int,) if wants_int else (int, float)
            if isinstance(value, bool) or not isinstance(value, allowed) or not math.isfinite(value) or value < 0:
                kind = "a whole number" if wants_int else "a number"
                raise InvalidInput(f"Integrity setting {name} must be {kind} ≥ 0, not {value!r}", field=name)
        values: dict[str, Any] = {
            name: value if isinstance(known[name].default, int) else float(value) for name, value in data.items()
        }
        return cls(**values)

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class UnitFacts:
    lat: float
    lon: float
    geofence_m: float | None
    opening_hours: OpeningHours | None
    tz: ZoneInfo


@dataclass(frozen=True)
class WindowFacts:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PhotoFacts:
    id: uuid.UUID
    sha256: str
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    taken_at: datetime
    exif_taken_at: datetime | None = None
    exif_lat: float | None = None
    exif_lon: float | None = None
    has_exif: bool = False
    stored: bool = False
    phash: str | None = None
    indicator: str = ""
    unreadable: bool = False
    """Stored, but rendering it failed for good: its picture cannot be shown (``photo.unreadable``)."""


@dataclass(frozen=True)
class ReuseMatch:
    photo_id: uuid.UUID
    other_visit_id: uuid.UUID
    kind: Literal["sha256", "phash"]
    distance: int | None = None


@dataclass(frozen=True)
class VisitFacts:
    started_at: datetime
    finished_at: datetime
    positions: Sequence[Position]
    answered_indicator_count: int
    first_received_at: datetime
    unit: UnitFacts
    photos: Sequence[PhotoFacts] = ()
    reuse_matches: Sequence[ReuseMatch] = ()
    window: WindowFacts | None = None
    missing_required: Sequence[str] = ()
    """Indicator ids from ``validation.missing_required``."""
    answered_at: Sequence[datetime] = ()
    """When each answer was given (the phone's clock)."""
    replay_matches: Sequence[ReplayMatch] = ()
    """Other visits whose positions this visit's track repeats (``tracks.replay_matches``)."""


def compute_flags(facts: VisitFacts, settings: IntegritySettings) -> list[MeasuredFlag]:
    return [
        *_position_flags(facts, settings),
        *_mocked(facts),
        *photo_flags(facts, settings),
        *duplicate_in_visit_flags(facts.photos, settings),
        *_visit_flags(facts, settings),
    ]


def flags_for_surveyor(flags: Iterable[Flag]) -> list[Flag]:
    """The flags a receipt shows, with the contract's fields only (a ``MeasuredFlag``'s facts stay with reviewers)."""
    return [
        Flag(code=flag.code, severity=flag.severity, detail=flag.detail, photo_id=flag.photo_id)
        for flag in flags
        if flag.code in SURVEYOR_VISIBLE_CODES
    ]


def phash_distance(a_hex: str, b_hex: str) -> int:
    """Hamming distance of two perceptual hashes written as hex (as ``str(imagehash.phash(...))`` does)."""
    if len(a_hex) != len(b_hex):
        raise ValueError(f"perceptual hashes of different lengths: {len(a_hex)} and {len(b_hex)} hex digits")
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def distance_to_unit_m(unit: UnitFacts, lat: float, lon: float) -> float:
    meters: float = geodesic((unit.lat, unit.lon), (lat, lon)).meters
    return meters


# --- positions ---------------------------------------------------------------------------------------------------


def _position_flags(facts: VisitFacts, settings: IntegritySettings) -> list[MeasuredFlag]:
    if not facts.positions:
        return [
            MeasuredFlag(
                "geo.outside",
                "critical",
                "The visit has no positions: the phone recorded no location.",
                facts={"positions": 0},
            )
        ]
    flags: list[MeasuredFlag] = []
    geofence_m = _geofence_m(facts.unit, settings)
    outside = _nearest_position_outside(facts.unit, facts.positions, geofence_m)
    if outside is not None:
        nearest, distance_m = outside
        flags.append(
            MeasuredFlag(
                "geo.outside",
                "critical",
                f"Nearest position {_metres(distance_m)} from the unit "
                f"(geofence {_metres(geofence_m)}, accuracy {_metres(nearest.accuracy_m)}).",
                facts={
                    "distance_m": round(distance_m),
                    "geofence_m": round(geofence_m),
                    "accuracy_m": round(nearest.accuracy_m),
                },
            )
        )
    best_accuracy_m = min(position.accuracy_m for position in facts.positions)
    if best_accuracy_m > settings.max_accuracy_m:
        flags.append(
            MeasuredFlag(
                "geo.inaccurate",
                "warning",
                f"Best position accuracy {_metres(best_accuracy_m)} (limit {_metres(settings.max_accuracy_m)}).",
                facts={"accuracy_m": round(best_accuracy_m), "limit_m": round(settings.max_accuracy_m)},
            )
        )
    return flags


# A sphere is off from the WGS84 geodesic by under 0.6 %; the cheap spherical distance with this margin picks the
# few positions that can be nearest, so a long track costs one geodesic per candidate, not per position, and tells
# a photo well inside the geofence without one (a geodesic costs ~50 µs).
_SPHERE_MARGIN = 0.01
_EARTH_RADIUS_M = 6_371_008.8


def _nearest_position_outside(
    unit: UnitFacts, positions: Sequence[Position], geofence_m: float
) -> tuple[Position, float] | None:
    """The position closest to the unit once its accuracy is allowed for, with its geodesic distance, when even it
    is outside the geofence; None when one is inside."""
    rough = [(_spherical_distance_m(unit, position.lat, position.lon), position) for position in positions]
    bound_m = min(d_m * (1 + _SPHERE_MARGIN) - position.accuracy_m for d_m, position in rough)
    if bound_m <= geofence_m:
        return None  # inside even where the sphere is shortest against the ellipsoid: no geodesic needed
    candidates = [position for d_m, position in rough if d_m * (1 - _SPHERE_MARGIN) - position.accuracy_m <= bound_m]
    measured = [(distance_to_unit_m(unit, position.lat, position.lon), position) for position in candidates]
    distance_m, position = min(measured, key=lambda pair: pair[0] - pair[1].accuracy_m)
    return (position, distance_m) if distance_m - position.accuracy_m > geofence_m else None


def _spherical_distance_m(unit: UnitFacts, lat: float, lon: float) -> float:
    return spherical_distance_m(unit.lat, unit.lon, lat, lon)


def spherical_distance_m(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    """The great-circle distance on a sphere of the Earth's mean radius: within 0.6 % of the WGS84 geodesic."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a_lat, a_lon, b_lat, b_lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# --- photos ------------------------------------------------------------------------------------------------------


def photo_flags(facts: VisitFacts, settings: IntegritySettings) -> list[MeasuredFlag]:
    """The flags of ``facts.photos``. Each is about one photo and needs, beyond the photo, only the unit, the visit's
    start and finish and the photo's reuse matches, so a photo's flags can be recomputed alone when it arrives."""
    flags: list[MeasuredFlag] = []
    for photo in facts.photos:
        flags.extend(
            flag
            for flag in (
                _photo_far(photo, facts.unit, settings),
                _photo_time(photo, facts, settings),
                _photo_reused(photo, facts.reuse_matches, settings),
                _photo_no_exif(photo),
                _photo_unreadable(photo),
            )
            if flag is not None
        )
    return flags


def _photo_far(photo: PhotoFacts, unit: UnitFacts, settings: IntegritySettings) -> MeasuredFlag | None:
    if photo.exif_lat is not None and photo.exif_lon is not None:
        lat, lon, accuracy_m, source = photo.exif_lat, photo.exif_lon, 0.0, "EXIF GPS"
        measured_by: dict[str, Any] = {"source": "exif"}
    elif photo.lat is not None and photo.lon is not None:
        accuracy_m = photo.accuracy_m or 0.0
        lat, lon, source = photo.lat, photo.lon, f"phone position, accuracy {_metres(accuracy_m)}"
        measured_by = {"source": "phone", "accuracy_m": round(accuracy_m)}
    else:
        return None
    geofence_m = _geofence_m(unit, settings)
    if _spherical_distance_m(unit, lat, lon) * (1 + _SPHERE_MARGIN) - accuracy_m <= geofence_m:
        return None  # inside even where the sphere is shortest against the ellipsoid: no geodesic needed
    distance_m = distance_to_unit_m(unit, lat, lon)
    if distance_m - accuracy_m <= geofence_m:
        return None
    return MeasuredFlag(
        "photo.far",
        "warning",
        f"Photo taken {_metres(distance_m)} from the unit ({source}; geofence {_metres(geofence_m)}).",
        photo_id=photo.id,
        facts={"distance_m": round(distance_m), "geofence_m": round(geofence_m), **measured_by},
    )


def _photo_time(photo: PhotoFacts, facts: VisitFacts, settings: IntegritySettings) -> MeasuredFlag | None:
    taken_at, source = (photo.exif_taken_at, "EXIF") if photo.exif_taken_at else (photo.taken_at, "phone")
    tolerance = timedelta(seconds=settings.photo_time_tolerance_s)
    if taken_at < facts.started_at - tolerance:
        gap, side, where = facts.started_at - taken_at, "before", "before the visit started"
    elif taken_at > facts.finished_at + tolerance:
        gap, side, where = taken_at - facts.finished_at, "after", "after the visit finished"
    else:
        return None
    local_time = _local_time(taken_at, facts.unit.tz)
    return MeasuredFlag(
        "photo.time",
        "warning",
        f"Photo taken {local_time} ({source}), {_duration(gap.total_seconds())} {where} "
        f"(tolerance {_duration(settings.photo_time_tolerance_s)}).",
        photo_id=photo.id,
        facts={
            "taken_at": local_time,
            "source": source.lower(),
            "gap_s": round(gap.total_seconds()),
            "side": side,
            "tolerance_s": round(settings.photo_time_tolerance_s),
        },
    )


def _photo_reused(photo: PhotoFacts, matches: Sequence[ReuseMatch], settings: IntegritySettings) -> MeasuredFlag | None:
    same_file = [m for m in matches if m.photo_id == photo.id and m.kind == "sha256"]
    look_alike = [
        m
        for m in matches
        if m.photo_id == photo.id
        and m.kind == "phash"
        and m.distance is not None
        and m.distance <= settings.phash_max_distance
    ]
    parts = []
    if same_file:
        parts.append(f"same file as a photo in visit {', '.join(str(m.other_visit_id) for m in same_file)}")
    if look_alike:
        parts.append(
            "nearly the same picture as a photo in visit "
            + ", ".join(f"{m.other_visit_id} (distance {m.distance})" for m in look_alike)
            + f" (perceptual hash, limit {settings.phash_max_distance})"
        )
    if not parts:
        return None
    detail = "; ".join(parts)
    return MeasuredFlag(
        "photo.reused",
        "critical" if same_file else "warning",
        f"{detail[0].upper()}{detail[1:]}.",
        photo_id=photo.id,
        facts={
            "same_file": [str(m.other_visit_id) for m in same_file],
            "look_alike": [{"visit_id": str(m.other_visit_id), "distance": m.distance} for m in look_alike],
            "limit": settings.phash_max_distance,
        },
    )


def _photo_no_exif(photo: PhotoFacts) -> MeasuredFlag | None:
    if not photo.stored or photo.has_exif:
        return None
    return MeasuredFlag(
        "photo.no_exif",
        "info",
        "Photo has no EXIF data: its time and position come from the phone alone.",
        photo_id=photo.id,
    )


def _photo_unreadable(photo: PhotoFacts) -> MeasuredFlag | None:
    if not photo.unreadable:
        return None
    return MeasuredFlag(
        "photo.unreadable",
        "warning",
        "The photo was received but its picture cannot be decoded: take it again.",
        photo_id=photo.id,
    )


def duplicate_in_visit_flags(photos: Sequence[PhotoFacts], settings: IntegritySettings) -> list[MeasuredFlag]:
    """One flag per photo that repeats an earlier photo of the same visit (the same sha256, or a perceptual hash
    within ``duplicate_phash_max_distance`` once both are stored) offered for another indicator."""
    flags: list[MeasuredFlag] = []
    earlier: list[PhotoFacts] = []
    for photo in sorted(photos, key=lambda p: (p.taken_at, str(p.id))):
        match = _earlier_copy(photo, earlier, settings)
        earlier.append(photo)
        if match is None:
            continue
        original, distance = match
        kind = "the same file" if distance is None else f"nearly the same picture (perceptual hash distance {distance})"
        flags.append(
            MeasuredFlag(
                "photo.duplicate_in_visit",
                "warning",
                f"Photo for indicator {photo.indicator} is {kind} as the photo for indicator {original.indicator} "
                f"of this visit.",
                photo_id=photo.id,
                facts={
                    "same_as": str(original.id),
                    "indicators": [original.indicator, photo.indicator],
                    "kind": "sha256" if distance is None else "phash",
                    "distance": distance,
                    "limit": settings.duplicate_phash_max_distance,
                },
            )
        )
    return flags


def _earlier_copy(
    photo: PhotoFacts, earlier: Sequence[PhotoFacts], settings: IntegritySettings
) -> tuple[PhotoFacts, int | None] | None:
    """The earlier photo for another indicator this one copies, with the hash distance (None: the same file)."""
    closest: PhotoFacts | None = None
    closest_distance = settings.duplicate_phash_max_distance + 1
    for other in earlier:
        if other.indicator == photo.indicator:
            continue
        if other.sha256 == photo.sha256:
            return other, None
        if photo.phash and other.phash and len(photo.phash) == len(other.phash):
            distance = phash_distance(photo.phash, other.phash)
            if distance < closest_distance:
                closest, closest_distance = other, distance
    return None if closest is None else (closest, closest_distance)


# --- positions that look injected ---------------------------------------------------------------------------------


_SIGNAL_WORDS = {
    "zero_accuracy": "{positions} position(s) with an accuracy of exactly 0 m",
    "frozen": "{positions} positions over {span} at the very same coordinates",
    "constant_accuracy": "the same accuracy ({accuracy_m} m) for all {positions} positions",
    "regular_intervals": "{intervals} intervals all exactly {interval_s} s",
    "replayed": "the track repeats visit {visit_id} ({matched} of {compared} coordinates)",
}


def _mocked(facts: VisitFacts) -> list[MeasuredFlag]:
    signals = mocked_signals(facts.positions, facts.replay_matches)
    if not signals:
        return []
    words = "; ".join(
        _SIGNAL_WORDS[signal["signal"]].format(span=_duration(signal.get("span_s", 0)), **signal) for signal in signals
    )
    return [
        MeasuredFlag(
            "geo.mocked",
            "warning",
            f"Positions look injected or replayed rather than measured: {words}.",
            facts={"signals": signals},
        )
    ]


# --- the visit as a whole ----------------------------------------------------------------------------------------


def _visit_flags(facts: VisitFacts, settings: IntegritySettings) -> list[MeasuredFlag]:
    return [
        flag
        for flag in (
            _too_fast(facts, settings),
            _outside_window(facts),
            _late_sync(facts, settings),
            _incomplete_answers(facts),
        )
        if flag is not None
    ]


# The answers and photos of a visit left open in the car park while the checklist is ticked off at the end are
# recorded within minutes of each other; a real visit's are spread over most of it.
PACE_SHARE = 0.5
MIN_PACE_TIMES = 3


def _too_fast(facts: VisitFacts, settings: IntegritySettings) -> MeasuredFlag | None:
    """On site for less time than the answers and photos need, or all of them recorded in a rush: the time on site
    (finish − start) and the span from the first to the last answer or photo, both against the expected minimum."""
    answered, photos = facts.answered_indicator_count, len(facts.photos)
    if answered == 0:
        return None
    expected_s = answered * settings.min_seconds_per_indicator + photos * settings.min_seconds_per_photo
    duration_s = (facts.finished_at - facts.started_at).total_seconds()
    span_s = _evidence_span_s(facts)
    if duration_s < expected_s:
        reason = "duration"
    elif span_s is not None and span_s < expected_s * PACE_SHARE:
        reason = "pace"
    else:
        return None
    recorded = answered + photos
    measured: dict[str, Any] = {
        "duration_s": round(duration_s),
        "answered": answered,
        "photos": photos,
        "expected_s": round(expected_s),
        "per_indicator_s": settings.min_seconds_per_indicator,
        "per_photo_s": settings.min_seconds_per_photo,
        "reason": reason,
    }
    if span_s is not None:
        measured["evidence_span_s"] = round(span_s)
        measured["seconds_per_item"] = round(span_s / recorded, 1)
    pace = "" if span_s is None else f"; answers and photos recorded within {_duration(span_s)}"
    if reason == "duration":
        detail = (
            f"Visit took {_duration(duration_s)} for {answered} answered indicators and {_count(photos, 'photo')} "
            f"(at least {_duration(expected_s)} expected{pace})."
        )
    else:
        detail = (
            f"Answers and photos of the visit ({answered} + {photos}) were all recorded within "
            f"{_duration(span_s or 0)} of its {_duration(duration_s)} (at least {_duration(expected_s * PACE_SHARE)} "
            f"expected)."
        )
    return MeasuredFlag("visit.too_fast", "warning", detail, facts=measured)


def _evidence_span_s(facts: VisitFacts) -> float | None:
    """From the first to the last answer or photo recorded during the visit; None with fewer than three distinct
    times (a phone that stamps every answer with the visit's save time says nothing about the pace). Times outside
    the visit are ``photo.time``'s concern and would only stretch the span."""
    times = {
        at
        for at in (*facts.answered_at, *(photo.taken_at for photo in facts.photos))
        if facts.started_at <= at <= facts.finished_at
    }
    if len(times) < MIN_PACE_TIMES:
        return None
    return (max(times) - min(times)).total_seconds()


_WINDOW_REASONS = {
    "before_window": "started {at}, before the assignment window opened ({bound})",
    "after_window": "finished {at}, after the assignment window closed ({bound})",
    "closed": "started {at} while the unit is closed (opening hours {bound})",
}


def _outside_window(facts: VisitFacts) -> MeasuredFlag | None:
    """Outside the assignment window, or started while the unit is closed (running past closing time is normal)."""
    tz = facts.unit.tz
    reasons: list[dict[str, str]] = []
    if facts.window is not None:
        if facts.started_at < facts.window.start:
            reasons.append(
                {
                    "reason": "before_window",
                    "at": _local_time(facts.started_at, tz),
                    "bound": _local_time(facts.window.start, tz),
                }
            )
        if facts.finished_at > facts.window.end:
            reasons.append(
                {
                    "reason": "after_window",
                    "at": _local_time(facts.finished_at, tz),
                    "bound": _local_time(facts.window.end, tz),
                }
            )
    hours = facts.unit.opening_hours
    if hours is not None and not hours.is_open_at(facts.started_at.astimezone(tz)):
        reasons.append({"reason": "closed", "at": _local_time(facts.started_at, tz), "bound": hours.format()})
    if not reasons:
        return None
    detail = "; ".join(_WINDOW_REASONS[reason["reason"]].format(**reason) for reason in reasons)
    return MeasuredFlag("visit.outside_window", "warning", f"Visit {detail}.", facts={"reasons": reasons})


def _late_sync(facts: VisitFacts, settings: IntegritySettings) -> MeasuredFlag | None:
    delay_s = (facts.first_received_at - facts.finished_at).total_seconds()
    if delay_s <= settings.late_sync_after_s:
        return None
    return MeasuredFlag(
        "visit.late_sync",
        "warning",
        f"First received {_duration(delay_s)} after the visit finished "
        f"(limit {_duration(settings.late_sync_after_s)}).",
        facts={"delay_s": round(delay_s), "limit_s": round(settings.late_sync_after_s)},
    )


def _incomplete_answers(facts: VisitFacts) -> MeasuredFlag | None:
    if not facts.missing_required:
        return None
    count = len(facts.missing_required)
    return MeasuredFlag(
        "visit.incomplete_answers",
        "warning",
        f"{count} required indicator{'s' if count > 1 else ''} without an answer or a required "
        f"photo: {', '.join(facts.missing_required)}.",
        facts={"indicators": list(facts.missing_required)},
    )


# --- small helpers -----------------------------------------------------------------------------------------------


def _geofence_m(unit: UnitFacts, settings: IntegritySettings) -> float:
    return unit.geofence_m if unit.geofence_m is not None else settings.geofence_default_m


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _metres(value_m: float) -> str:
    return f"{value_m:,.0f} m"


def _duration(seconds: float) -> str:
    """Seconds under two minutes, then minutes (and seconds), then hours (and minutes): "2 min 30 s", "96 h"."""
    whole_s = round(seconds)
    if whole_s < 120:
        return f"{whole_s} s"
    if whole_s < 2 * 3600:
        minutes, rest_s = divmod(whole_s, 60)
        return f"{minutes} min {rest_s} s" if rest_s else f"{minutes} min"
    hours, rest_min = divmod(whole_s // 60, 60)
    return f"{hours:,} h {rest_min} min" if rest_min else f"{hours:,} h"


def _local_time(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
