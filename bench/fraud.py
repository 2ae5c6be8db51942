"""A fraud set of our own: honest visits in the styles real surveyors work in, and fakes of every kind a careful
cheater would try; prints how many fakes of each kind the integrity flags catch, and how many honest visits carry a
fraud flag. Target: ≥ 95 % of fakes caught, ≤ 2 % of honest visits flagged.

Every visit goes through the same decisions the server runs (``integrity.compute_flags``, ``tracks.replay_matches``
against the surveyor's and the unit's earlier tracks, ``travel.travel_flags`` over each surveyor's visits), on the
facts the server would gather for it: the default checklist's 48 answers and 35 photos, position tracks as phones
record them (``tests/tracks.py``), photos with their own perceptual hashes.

Honest styles:
- ``brisk``: a real visit done quickly, 20-28 min, answers and photos as it goes;
- ``slow``: 50-90 min;
- ``indoor``: poor GPS inside the building (Wi-Fi fixes of 15-150 m, some served twice from the cache);
- ``written_up``: photos taken throughout, the answers typed in during the last minutes;
- ``one_board``: two indicators photographed on one notice board (two shots, close but not the same picture);
- every surveyor does several visits a day in one town (1-9 km apart, by motorbike), and returns to units on later
  days (tracks of one unit on two days never repeat each other).

Fakes, each kind at least ``--fakes`` times:
- ``rush``: the checklist ticked off in the car park, 3-11 min;
- ``left_open``: the visit left open 30-50 min, every answer and photo recorded within its last 2-6 min;
- ``mock_frozen``, ``mock_zero``, ``mock_constant``, ``mock_regular``: a mock-location app parked on the unit, one
  that reports an accuracy of 0, a joystick mock with a fixed accuracy, a scripted track exactly in step;
- ``replayed``: a track recorded at an earlier visit of the unit sent again;
- ``overlap``: a second visit at another unit of the town while the first is still going on;
- ``speed``: a visit 60-100 km away that starts sooner after the last one than 120 km/h allows;
- ``same_file``, ``look_alike``: one photo (or a re-encoded copy, hash distance 0-4) for two indicators.

    .venv/bin/python bench/fraud.py [--honest-surveyors 12] [--days 3] [--fakes 10] [--seed 1]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.domain.visits.documents import Position  # noqa: E402
from server.domain.visits.integrity import (  # noqa: E402
    IntegritySettings,
    MeasuredFlag,
    PhotoFacts,
    UnitFacts,
    VisitFacts,
    compute_flags,
)
from server.domain.visits.tracks import replay_matches  # noqa: E402
from server.domain.visits.travel import VisitStop, travel_flags  # noqa: E402
from tests import tracks  # noqa: E402

JAKARTA = ZoneInfo("Asia/Jakarta")
SETTINGS = IntegritySettings()
ANSWERS, PHOTOS = 48, 35
# Towns of Kabupaten Cirebon and beyond (for the impossible journeys).
SUMBER = (-6.7616, 108.4808)
CIREBON = (-6.7320, 108.5523)
FAR_TOWNS = {"Bandung": (-6.9175, 107.6191), "Tasikmalaya": (-7.3274, 108.2207), "Tegal": (-6.8694, 109.1402)}
# What the fraud flags are; geo.inaccurate, photo.no_exif, late sync and incomplete answers measure honest trouble.
FRAUD_CODES = frozenset(
    {
        "geo.outside",
        "geo.mocked",
        "photo.far",
        "photo.time",
        "photo.reused",
        "photo.duplicate_in_visit",
        "visit.too_fast",
        "visit.impossible_travel",
    }
)
EXPECTED = {
    "rush": "visit.too_fast",
    "left_open": "visit.too_fast",
    "mock_frozen": "geo.mocked",
    "mock_zero": "geo.mocked",
    "mock_constant": "geo.mocked",
    "mock_regular": "geo.mocked",
    "replayed": "geo.mocked",
    "overlap": "visit.impossible_travel",
    "speed": "visit.impossible_travel",
    "same_file": "photo.duplicate_in_visit",
    "look_alike": "photo.duplicate_in_visit",
}


@dataclass(frozen=True)
class Unit:
    id: uuid.UUID
    lat: float
    lon: float


@dataclass
class Visit:
    id: uuid.UUID
    surveyor: str
    unit: Unit
    started_at: datetime
    finished_at: datetime
    positions: list[Position]
    answered_at: list[datetime]
    photos: list[PhotoFacts]
    kind: str  # an honest style, or the kind of fake
    is_fake: bool
    flags: list[MeasuredFlag] = field(default_factory=list)


# --- units, photos, answers -----------------------------------------------------------------------------------------


def town_units(rng: random.Random, centre: tuple[float, float], count: int) -> list[Unit]:
    units = []
    for _ in range(count):
        distance_m, bearing = rng.uniform(300, 4500), rng.uniform(0, 2 * math.pi)
        lat, lon = tracks.offset(*centre, distance_m * math.cos(bearing), distance_m * math.sin(bearing))
        units.append(Unit(uuid.uuid4(), lat, lon))
    return units


def random_phash(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def near_phash(rng: random.Random, phash: str, distance: int) -> str:
    bits = int(phash, 16)
    for bit in rng.sample(range(64), distance):
        bits ^= 1 << bit
    return f"{bits:016x}"


def photo(
    rng: random.Random, unit: Unit, indicator: str, taken_at: datetime, *, phash: str | None = None
) -> PhotoFacts:
    lat, lon = tracks.offset(unit.lat, unit.lon, rng.gauss(0, 12), rng.gauss(0, 12))
    return PhotoFacts(
        id=uuid.uuid4(),
        sha256=hashlib.sha256(rng.randbytes(16)).hexdigest(),
        lat=lat,
        lon=lon,
        accuracy_m=round(rng.uniform(4, 30), 1),
        taken_at=taken_at,
        exif_taken_at=taken_at,
        has_exif=True,
        stored=True,
        phash=phash or random_phash(rng),
        indicator=indicator,
    )


def spread(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """``count`` times from start to end, as a person records them: in order, unevenly, to the second."""
    span_s = (end - start).total_seconds()
    return sorted(start + timedelta(seconds=round(rng.uniform(0, span_s))) for _ in range(count))


def honest_visit(
    rng: random.Random, surveyor: str, unit: Unit, started_at: datetime, minutes: float, style: str
) -> Visit:
    finished_at = started_at + timedelta(minutes=minutes)
    gps_style = "indoor" if style == "indoor" else rng.choice(["outdoor", "mixed", "mixed"])
    positions = tracks.honest_track(rng, unit.lat, unit.lon, started_at, finished_at, gps_style)
    photo_times = spread(rng, started_at + timedelta(minutes=1), finished_at - timedelta(minutes=1), PHOTOS)
    photos = [photo(rng, unit, f"P{i:02}", at) for i, at in enumerate(photo_times)]
    if style == "one_board":  # B01-B05 all on the standard's notice board: two shots, close but not the same
        photos[1] = replace(photos[1], phash=near_phash(rng, photos[0].phash or "", rng.randint(7, 16)))
    if style == "written_up":
        answered_at = spread(rng, finished_at - timedelta(minutes=rng.uniform(3, 8)), finished_at, ANSWERS)
    else:
        answered_at = spread(rng, started_at, finished_at, ANSWERS)
    return Visit(uuid.uuid4(), surveyor, unit, started_at, finished_at, positions, answered_at, photos, style, False)


# --- fakes --------------------------------------------------------------------------------------------------------


def fake_visit(rng: random.Random, kind: str, surveyor: str, unit: Unit, started_at: datetime, earlier: Visit) -> Visit:
    """A fake of ``kind`` at ``unit``; ``earlier`` is an honest visit of the same unit whose track can be replayed."""
    minutes = rng.uniform(30, 50)
    visit = honest_visit(rng, surveyor, unit, started_at, minutes, "brisk")
    visit.kind, visit.is_fake = kind, True
    end = visit.finished_at
    if kind == "rush":
        visit.finished_at = started_at + timedelta(minutes=rng.uniform(3, 11))
        end = visit.finished_at
        visit.positions = tracks.honest_track(rng, unit.lat, unit.lon, started_at, end, "outdoor")
        visit.answered_at = spread(rng, started_at, end, ANSWERS)
        visit.photos = retimed(visit.photos, spread(rng, started_at, end, PHOTOS))
    elif kind == "left_open":
        rush_from = end - timedelta(minutes=rng.uniform(2, 6))
        visit.answered_at = spread(rng, rush_from, end, ANSWERS)
        visit.photos = retimed(visit.photos, spread(rng, rush_from, end, PHOTOS))
    elif kind == "mock_frozen":
        visit.positions = tracks.frozen_track(unit.lat, unit.lon, started_at, end, rng)
    elif kind == "mock_zero":
        visit.positions = tracks.zero_accuracy_track(unit.lat, unit.lon, started_at, end, rng)
    elif kind == "mock_constant":
        visit.positions = tracks.constant_accuracy_track(unit.lat, unit.lon, started_at, end, rng)
    elif kind == "mock_regular":
        visit.positions = tracks.regular_track(unit.lat, unit.lon, started_at, end, rng)
    elif kind == "replayed":
        visit.positions = [p for p in tracks.replayed_track(earlier.positions, started_at) if p.at <= end]
    elif kind == "same_file":
        visit.photos[3] = replace(visit.photos[3], sha256=visit.photos[2].sha256, phash=visit.photos[2].phash)
    elif kind == "look_alike":
        copy = near_phash(rng, visit.photos[2].phash or "", rng.randint(0, 4))
        visit.photos[3] = replace(visit.photos[3], phash=copy)
    return visit


def retimed(photos: list[PhotoFacts], times: list[datetime]) -> list[PhotoFacts]:
    return [replace(p, taken_at=at, exif_taken_at=at) for p, at in zip(photos, times, strict=True)]


# --- the set ------------------------------------------------------------------------------------------------------


def build_set(rng: random.Random, surveyors: int, days: int, fakes: int) -> list[Visit]:
    visits: list[Visit] = []
    first_day = datetime(2026, 3, 9, 8, 0, tzinfo=JAKARTA)  # a Monday
    styles = ["brisk", "slow", "indoor", "written_up", "one_board", "brisk", "slow"]
    fake_kinds = [kind for kind in EXPECTED for _ in range(fakes)]
    rng.shuffle(fake_kinds)
    for s in range(surveyors + math.ceil(len(fake_kinds) / days)):
        name = f"surveyor{s + 1}"
        is_cheater = s >= surveyors
        town = town_units(rng, SUMBER if s % 2 else CIREBON, 6)
        for day in range(days):
            at = first_day + timedelta(days=day, minutes=rng.randint(0, 60))
            units = rng.sample(town, k=rng.randint(2, 4))
            for i, unit in enumerate(units):
                style = rng.choice(styles)
                minutes = {"brisk": rng.uniform(20, 28), "slow": rng.uniform(50, 90)}.get(style, rng.uniform(25, 60))
                earlier = [v for v in visits if v.unit.id == unit.id and not v.is_fake]
                if is_cheater and fake_kinds and i == len(units) - 1:
                    kind = fake_kinds.pop()
                    if kind == "replayed" and not earlier:
                        earlier = [honest_visit(rng, name, unit, at - timedelta(days=7), 40, "brisk")]
                        visits.append(earlier[0])
                    visits.extend(fake_pair(rng, kind, name, unit, at, visits[-1] if visits else None, earlier))
                    break
                visit = honest_visit(rng, name, unit, at, minutes, style)
                visits.append(visit)
                previous = unit
                at = visit.finished_at + timedelta(minutes=rng.uniform(5, 20))
                at += timedelta(hours=distance_km(previous, units[(i + 1) % len(units)]) / rng.uniform(15, 35))
    return visits


def fake_pair(
    rng: random.Random, kind: str, surveyor: str, unit: Unit, at: datetime, last: Visit | None, earlier: list[Visit]
) -> list[Visit]:
    """The fake; for the travel kinds, the fake visit is the second of a pair whose first is the surveyor's last."""
    if kind in ("overlap", "speed"):
        first = last if last is not None and last.surveyor == surveyor else None
        if first is None:
            first = honest_visit(rng, surveyor, unit, at, 35, "brisk")
        if kind == "overlap":
            other = Unit(uuid.uuid4(), *tracks.offset(first.unit.lat, first.unit.lon, rng.uniform(1000, 6000), 0))
            start = first.started_at + (first.finished_at - first.started_at) * rng.uniform(0.2, 0.8)
        else:
            lat, lon = rng.choice(list(FAR_TOWNS.values()))
            other = Unit(uuid.uuid4(), lat, lon)
            needed_h = max(0.1, distance_km(first.unit, other) / rng.uniform(130, 400))
            start = first.finished_at + timedelta(hours=needed_h)
        fake = honest_visit(rng, surveyor, other, start, rng.uniform(30, 45), "brisk")
        fake.kind, fake.is_fake = kind, True
        first.is_fake, first.kind = True, f"{kind} (pair)"
        return [fake] if first is last else [first, fake]
    return [
        fake_visit(
            rng,
            kind,
            surveyor,
            unit,
            at,
            earlier[-1] if earlier else honest_visit(rng, surveyor, unit, at, 40, "brisk"),
        )
    ]


def distance_km(a: Unit, b: Unit) -> float:
    north = (b.lat - a.lat) * 111.32
    east = (b.lon - a.lon) * 111.32 * math.cos(math.radians(a.lat))
    return math.hypot(north, east)


# --- the flags, as the server computes them -----------------------------------------------------------------------


def flag_all(visits: list[Visit]) -> None:
    """Each visit in the order it arrives, with the earlier tracks of its surveyor and unit to compare against; then
    the travel check over each surveyor's visits."""
    seen: list[Visit] = []
    for visit in sorted(visits, key=lambda v: v.finished_at):
        others = {
            other.id: [(p.lat, p.lon) for p in other.positions]
            for other in seen
            if other.surveyor == visit.surveyor or other.unit.id == visit.unit.id
        }
        facts = VisitFacts(
            started_at=visit.started_at,
            finished_at=visit.finished_at,
            positions=visit.positions,
            answered_indicator_count=ANSWERS,
            first_received_at=visit.finished_at + timedelta(minutes=10),
            unit=UnitFacts(lat=visit.unit.lat, lon=visit.unit.lon, geofence_m=100, opening_hours=None, tz=JAKARTA),
            photos=visit.photos,
            answered_at=visit.answered_at,
            replay_matches=replay_matches(visit.positions, others),
        )
        visit.flags = compute_flags(facts, SETTINGS)
        seen.append(visit)
    by_surveyor: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        by_surveyor[visit.surveyor].append(visit)
    by_id = {visit.id: visit for visit in visits}
    for surveyor_visits in by_surveyor.values():
        stops = [
            VisitStop(v.id, v.unit.id, v.started_at, v.finished_at, v.unit.lat, v.unit.lon) for v in surveyor_visits
        ]
        for visit_id, flags in travel_flags(stops, SETTINGS).items():
            by_id[visit_id].flags.extend(flags)


def own_fraud_codes(visit: Visit, fake_ids: set[str]) -> set[str]:
    """The fraud flags of a visit but those naming a fake: an honest visit that a fake claims an impossible journey
    from is flagged with it, as it should be, and that is the fake's doing."""
    return {
        flag.code
        for flag in visit.flags
        if flag.code in FRAUD_CODES and flag.facts.get("other_visit_id") not in fake_ids
    }


def report(visits: list[Visit], show: Callable[[str], None] = print) -> bool:
    honest = [v for v in visits if not v.is_fake]
    fakes = [v for v in visits if v.is_fake and "(pair)" not in v.kind]
    fake_ids = {str(v.id) for v in visits if v.is_fake}
    flagged_honest = [v for v in honest if own_fraud_codes(v, fake_ids)]
    beside_fakes = [v for v in honest if FRAUD_CODES & {f.code for f in v.flags} and not own_fraud_codes(v, fake_ids)]
    show(f"honest visits: {len(honest)} in styles {dict(sorted(Counter(v.kind for v in honest).items()))}")
    show(f"{'kind of fake':<16}{'fakes':>6}{'caught':>8}{'by its flag':>13}")
    caught_total = 0
    for kind in EXPECTED:
        of_kind = [v for v in fakes if v.kind == kind]
        caught = [v for v in of_kind if FRAUD_CODES & {f.code for f in v.flags}]
        by_flag = [v for v in of_kind if EXPECTED[kind] in {f.code for f in v.flags}]
        caught_total += len(caught)
        show(f"{kind:<16}{len(of_kind):>6}{len(caught) / len(of_kind):>8.0%}{len(by_flag) / len(of_kind):>13.0%}")
    recall = caught_total / len(fakes)
    false_rate = len(flagged_honest) / len(honest)
    show(f"recall over all {len(fakes)} fakes: {recall:.1%} (target ≥ 95 %)")
    show(f"honest visits with a fraud flag: {len(flagged_honest)} of {len(honest)}, {false_rate:.1%} (target ≤ 2 %)")
    for visit in flagged_honest:
        show(f"  {visit.kind}: {sorted(own_fraud_codes(visit, fake_ids))}")
    show(f"honest visits flagged only as the other end of a fake's impossible journey: {len(beside_fakes)}")
    return recall >= 0.95 and false_rate <= 0.02


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--honest-surveyors", type=int, default=12)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--fakes", type=int, default=10, help="fakes of each kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    visits = build_set(random.Random(args.seed), args.honest_surveyors, args.days, args.fakes)
    flag_all(visits)
    sys.exit(0 if report(visits) else 1)


if __name__ == "__main__":
    main()
