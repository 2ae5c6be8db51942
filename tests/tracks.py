"""Visits' position tracks as phones record them, and as a cheater would fake them (for the integrity tests and
``bench/fraud.py``).

An honest track follows what the phone app keeps (``pwa/js/visit.js``, ``shouldKeepPosition``): a sample at least 10 s
after the last one while the phone moves, a fresh fix every 30 s plus the GPS's delay while it lies still, times to
the whole second. Its coordinates wander the way GPS error does, slowly (an AR(1) drift, not independent noise), by
about the accuracy the phone reports; the accuracy itself changes from fix to fix. Indoors the fixes come from Wi-Fi
and cells: coarse, sometimes the very coordinates of the fix before (a cached answer), with round accuracies.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Literal

from server.domain.visits.documents import Position

Style = Literal["outdoor", "indoor", "mixed"]
_M_PER_DEG_LAT = 111_320.0


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    return lat + north_m / _M_PER_DEG_LAT, lon + east_m / (_M_PER_DEG_LAT * math.cos(math.radians(lat)))


def honest_track(
    rng: random.Random, lat: float, lon: float, started_at: datetime, finished_at: datetime, style: Style = "mixed"
) -> list[Position]:
    """Positions of a phone carried around a unit from ``started_at`` to ``finished_at``."""
    positions: list[Position] = []
    at = started_at + timedelta(seconds=rng.randint(1, 8))
    drift_n, drift_e = rng.gauss(0, 4), rng.gauss(0, 4)
    walk_n, walk_e = rng.uniform(-20, 20), rng.uniform(-20, 20)
    while at <= finished_at:
        indoors = style == "indoor" or (style == "mixed" and rng.random() < 0.5)
        moving = rng.random() < 0.4
        if moving:
            walk_n += rng.gauss(0, 4)
            walk_e += rng.gauss(0, 4)
        sigma_m = rng.uniform(15, 45) if indoors else rng.uniform(3, 9)
        drift_n = 0.8 * drift_n + rng.gauss(0, sigma_m * 0.4)
        drift_e = 0.8 * drift_e + rng.gauss(0, sigma_m * 0.4)
        if indoors and positions and rng.random() < 0.3:
            last = positions[-1]
            point = (last.lat, last.lon)  # a Wi-Fi fix served again from the cache of the network provider
            accuracy_m = rng.choice([20.0, 30.0, 65.0, round(rng.uniform(15, 80), 1)])
        else:
            point = offset(lat, lon, walk_n + drift_n, walk_e + drift_e)
            accuracy_m = round(sigma_m * rng.uniform(0.8, 1.6), 1)
        positions.append(Position(lat=point[0], lon=point[1], accuracy_m=accuracy_m, at=at))
        step_s = rng.randint(10, 14) if moving else 30 + rng.choice([0, 0, 1, 1, 2, 3])
        at += timedelta(seconds=step_s)
    return positions


def frozen_track(
    lat: float, lon: float, started_at: datetime, finished_at: datetime, rng: random.Random
) -> list[Position]:
    """A mock-location app parked on one point: the same coordinates throughout, a GPS-grade accuracy that varies."""
    return [
        Position(lat=lat, lon=lon, accuracy_m=round(rng.uniform(3, 12), 1), at=at)
        for at in _irregular_times(rng, started_at, finished_at)
    ]


def zero_accuracy_track(
    lat: float, lon: float, started_at: datetime, finished_at: datetime, rng: random.Random
) -> list[Position]:
    """A mocked fix as ODK Collect reports it and as some mock apps send it: jittered, but with an accuracy of 0."""
    track = honest_track(rng, lat, lon, started_at, finished_at, style="outdoor")
    chosen = set(rng.sample(range(len(track)), k=max(1, len(track) // 10)))
    return [
        Position(lat=p.lat, lon=p.lon, accuracy_m=0.0 if i in chosen else p.accuracy_m, at=p.at)
        for i, p in enumerate(track)
    ]


def constant_accuracy_track(
    lat: float, lon: float, started_at: datetime, finished_at: datetime, rng: random.Random
) -> list[Position]:
    """A joystick/jitter mock: coordinates that move, an accuracy fixed by the app (e.g. 3.0 m or 5.0 m)."""
    accuracy_m = rng.choice([1.0, 3.0, 4.0, 5.0, 10.0, 12.5])
    track = honest_track(rng, lat, lon, started_at, finished_at, style="outdoor")
    return [Position(lat=p.lat, lon=p.lon, accuracy_m=accuracy_m, at=p.at) for p in track]


def regular_track(
    lat: float, lon: float, started_at: datetime, finished_at: datetime, rng: random.Random
) -> list[Position]:
    """A scripted track: jittered coordinates and accuracies, but a fix every N seconds exactly, without drift."""
    step_s = rng.choice([5, 10, 15, 20, 30])
    track: list[Position] = []
    at = started_at + timedelta(seconds=rng.randint(1, 5))
    while at <= finished_at:
        point = offset(lat, lon, rng.gauss(0, 4), rng.gauss(0, 4))
        track.append(Position(lat=point[0], lon=point[1], accuracy_m=round(rng.uniform(3, 15), 1), at=at))
        at += timedelta(seconds=step_s)
    return track


def replayed_track(original: list[Position], started_at: datetime) -> list[Position]:
    """Another visit's track sent again, moved to a new time, its coordinates untouched."""
    shift = started_at - original[0].at
    return [Position(lat=p.lat, lon=p.lon, accuracy_m=p.accuracy_m, at=p.at + shift) for p in original]


def _irregular_times(rng: random.Random, started_at: datetime, finished_at: datetime) -> list[datetime]:
    times, at = [], started_at + timedelta(seconds=rng.randint(1, 8))
    while at <= finished_at:
        times.append(at)
        at += timedelta(seconds=rng.randint(10, 33))
    return times
