"""Integrity flags on real coordinates around Sumber, Kabupaten Cirebon, and real Jakarta time."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from geopy.distance import geodesic

from server.domain.admin.opening_hours import parse_opening_hours
from server.domain.visits.documents import Flag, Position
from server.domain.visits.integrity import (
    FLAG_CODES,
    SURVEYOR_VISIBLE_CODES,
    IntegritySettings,
    PhotoFacts,
    ReuseMatch,
    UnitFacts,
    VisitFacts,
    WindowFacts,
    compute_flags,
    flags_for_surveyor,
    phash_distance,
    photo_flags,
)
from server.lib.errors import InvalidInput

JAKARTA = ZoneInfo("Asia/Jakarta")
SUMBER = (-6.7616, 108.4808)  # a unit in Sumber, the seat of Kabupaten Cirebon
SETTINGS = IntegritySettings()
STARTED_AT = datetime(2026, 3, 10, 9, 0, tzinfo=JAKARTA)  # a Tuesday morning
FINISHED_AT = STARTED_AT + timedelta(minutes=40)


def a_point(metres: float, bearing: float = 0) -> tuple[float, float]:
    point = geodesic(meters=metres).destination(SUMBER, bearing=bearing)
    return point.latitude, point.longitude


def a_position(metres: float = 10, accuracy_m: float = 12, bearing: float = 0) -> Position:
    lat, lon = a_point(metres, bearing)
    return Position(lat=lat, lon=lon, accuracy_m=accuracy_m, at=STARTED_AT + timedelta(minutes=1))


def a_unit(geofence_m: float | None = 100, opening_hours: str = "") -> UnitFacts:
    return UnitFacts(
        lat=SUMBER[0],
        lon=SUMBER[1],
        geofence_m=geofence_m,
        opening_hours=parse_opening_hours(opening_hours),
        tz=JAKARTA,
    )


def a_photo(**fields) -> PhotoFacts:
    lat, lon = a_point(15)
    defaults = dict(
        id=uuid.uuid4(),
        sha256="c" * 64,
        lat=lat,
        lon=lon,
        accuracy_m=10,
        taken_at=STARTED_AT + timedelta(minutes=10),
        has_exif=True,
        stored=True,
    )
    return PhotoFacts(**{**defaults, **fields})


def a_visit(**fields) -> VisitFacts:
    defaults = dict(
        started_at=STARTED_AT,
        finished_at=FINISHED_AT,
        positions=[a_position()],
        answered_indicator_count=30,
        first_received_at=FINISHED_AT + timedelta(minutes=5),
        unit=a_unit(),
        photos=[a_photo()],
    )
    return VisitFacts(**{**defaults, **fields})


def codes(flags: list[Flag]) -> list[str]:
    return [flag.code for flag in flags]


def the_flag(flags: list[Flag], code: str) -> Flag:
    [flag] = [flag for flag in flags if flag.code == code]
    return flag


def test_an_ordinary_visit_at_the_unit_raises_no_flag():
    assert compute_flags(a_visit(), SETTINGS) == []


# --- positions ---------------------------------------------------------------------------------------------------


def test_a_visit_recorded_two_kilometres_away_is_outside_the_geofence():
    flags = compute_flags(a_visit(positions=[a_position(2000, accuracy_m=12)]), SETTINGS)
    flag = the_flag(flags, "geo.outside")
    assert flag.severity == "critical"
    assert flag.detail == "Nearest position 2,000 m from the unit (geofence 100 m, accuracy 12 m)."
    assert flag.facts == {"distance_m": 2000, "geofence_m": 100, "accuracy_m": 12}


def test_a_position_just_outside_the_geofence_but_within_its_accuracy_counts_as_inside():
    assert compute_flags(a_visit(positions=[a_position(150, accuracy_m=60)]), SETTINGS) == []
    assert "geo.outside" in codes(compute_flags(a_visit(positions=[a_position(150, accuracy_m=40)]), SETTINGS))


def test_one_position_inside_among_a_long_track_elsewhere_is_enough():
    track = [a_position(3000 + i, bearing=i % 360) for i in range(3000)]
    flags = compute_flags(a_visit(positions=[*track, a_position(90, accuracy_m=5, bearing=45)]), SETTINGS)
    assert "geo.outside" not in codes(flags)


def test_the_position_that_counts_is_the_one_nearest_once_accuracy_is_allowed_for():
    precise_but_outside = a_position(120, accuracy_m=5)
    vague_but_inside = a_position(300, accuracy_m=250, bearing=180)
    assert compute_flags(a_visit(positions=[precise_but_outside, vague_but_inside]), SETTINGS) == []


def test_a_visit_without_positions_is_flagged_as_outside_and_says_why():
    flag = the_flag(compute_flags(a_visit(positions=[]), SETTINGS), "geo.outside")
    assert "no positions" in flag.detail
    assert flag.facts == {"positions": 0}


def test_the_unit_geofence_overrides_the_wave_default():
    far_300_m = [a_position(300, accuracy_m=5)]
    assert "geo.outside" not in codes(
        compute_flags(a_visit(unit=a_unit(geofence_m=500), positions=far_300_m), SETTINGS)
    )
    wide_default = IntegritySettings(geofence_default_m=400)
    assert "geo.outside" not in codes(
        compute_flags(a_visit(unit=a_unit(geofence_m=None), positions=far_300_m), wide_default)
    )
    assert "geo.outside" in codes(compute_flags(a_visit(unit=a_unit(geofence_m=None), positions=far_300_m), SETTINGS))


def test_positions_all_worse_than_the_accuracy_limit_are_inaccurate():
    flags = compute_flags(a_visit(positions=[a_position(accuracy_m=250), a_position(accuracy_m=180)]), SETTINGS)
    flag = the_flag(flags, "geo.inaccurate")
    assert flag.severity == "warning"
    assert flag.detail == "Best position accuracy 180 m (limit 100 m)."
    assert flag.facts == {"accuracy_m": 180, "limit_m": 100}


def test_one_precise_position_is_enough_for_accuracy():
    flags = compute_flags(a_visit(positions=[a_position(accuracy_m=250), a_position(accuracy_m=30)]), SETTINGS)
    assert "geo.inaccurate" not in codes(flags)


# --- photos ------------------------------------------------------------------------------------------------------


def test_a_photo_whose_exif_gps_is_far_is_flagged_even_if_the_phone_said_near():
    exif_lat, exif_lon = a_point(1500, bearing=90)
    photo = a_photo(exif_lat=exif_lat, exif_lon=exif_lon)
    flag = the_flag(compute_flags(a_visit(photos=[photo]), SETTINGS), "photo.far")
    assert flag.photo_id == photo.id
    assert flag.detail == "Photo taken 1,500 m from the unit (EXIF GPS; geofence 100 m)."
    assert flag.facts == {"distance_m": 1500, "geofence_m": 100, "source": "exif"}


def test_without_exif_gps_the_phone_position_of_the_photo_is_used():
    lat, lon = a_point(800)
    photo = a_photo(lat=lat, lon=lon, accuracy_m=20)
    flag = the_flag(compute_flags(a_visit(photos=[photo]), SETTINGS), "photo.far")
    assert "800 m" in flag.detail and "phone position, accuracy 20 m" in flag.detail
    assert flag.facts == {"distance_m": 800, "geofence_m": 100, "source": "phone", "accuracy_m": 20}


def test_a_photo_near_the_geofence_is_judged_by_its_geodesic_distance():
    # Just inside and just outside 100 m in every direction: the spherical shortcut must never decide the edge.
    unit = a_unit()
    for bearing in range(0, 360, 15):
        for metres in (97.0, 99.5, 100.5, 103.0):
            lat, lon = a_point(metres, bearing)
            photo = a_photo(lat=lat, lon=lon, accuracy_m=0)
            far = "photo.far" in codes(compute_flags(a_visit(photos=[photo], unit=unit), SETTINGS))
            assert far == (geodesic((unit.lat, unit.lon), (lat, lon)).meters > 100), (bearing, metres)


def test_a_photo_without_any_position_is_not_judged_for_distance():
    photo = a_photo(lat=None, lon=None, accuracy_m=None)
    assert "photo.far" not in codes(compute_flags(a_visit(photos=[photo]), SETTINGS))


def test_an_exif_time_with_offset_before_the_visit_is_flagged():
    photo = a_photo(exif_taken_at=datetime.fromisoformat("2026-03-10T07:12:00+07:00"))
    flag = the_flag(compute_flags(a_visit(photos=[photo]), SETTINGS), "photo.time")
    assert flag.photo_id == photo.id
    assert flag.detail == (
        "Photo taken 2026-03-10 07:12 WIB (EXIF), 108 min before the visit started (tolerance 15 min)."
    )
    assert flag.facts == {
        "taken_at": "2026-03-10 07:12 WIB",
        "source": "exif",
        "gap_s": 108 * 60,
        "side": "before",
        "tolerance_s": 15 * 60,
    }


def test_an_exif_time_without_offset_is_read_in_the_unit_time_zone():
    local = a_photo(exif_taken_at=datetime(2026, 3, 10, 9, 10, tzinfo=JAKARTA))
    assert "photo.time" not in codes(compute_flags(a_visit(photos=[local]), SETTINGS))
    utc = a_photo(exif_taken_at=datetime.fromisoformat("2026-03-10T09:10:00+00:00"))
    flag = the_flag(compute_flags(a_visit(photos=[utc]), SETTINGS), "photo.time")
    assert "16:10 WIB" in flag.detail and "after the visit finished" in flag.detail


def test_a_photo_within_the_tolerance_around_the_visit_is_not_flagged():
    early = a_photo(has_exif=False, taken_at=STARTED_AT - timedelta(minutes=14))
    late = a_photo(has_exif=False, taken_at=FINISHED_AT + timedelta(minutes=14))
    flags = compute_flags(a_visit(photos=[early, late]), SETTINGS)
    assert "photo.time" not in codes(flags)


def test_without_exif_time_the_phone_time_of_the_photo_is_used():
    photo = a_photo(taken_at=FINISHED_AT + timedelta(hours=3))
    flag = the_flag(compute_flags(a_visit(photos=[photo]), SETTINGS), "photo.time")
    assert "(phone), 3 h after the visit finished" in flag.detail
    assert (flag.facts["source"], flag.facts["side"], flag.facts["gap_s"]) == ("phone", "after", 3 * 3600)


def test_a_photo_with_the_same_sha256_as_another_visit_is_reused_and_critical():
    photo, other_visit_id = a_photo(), uuid.uuid4()
    matches = [ReuseMatch(photo_id=photo.id, other_visit_id=other_visit_id, kind="sha256")]
    flag = the_flag(compute_flags(a_visit(photos=[photo], reuse_matches=matches), SETTINGS), "photo.reused")
    assert flag.severity == "critical" and flag.photo_id == photo.id
    assert str(other_visit_id) in flag.detail
    assert flag.facts == {"same_file": [str(other_visit_id)], "look_alike": [], "limit": 6}


def test_a_near_identical_picture_is_reused_only_within_the_phash_distance():
    photo = a_photo()
    near = ReuseMatch(photo_id=photo.id, other_visit_id=uuid.uuid4(), kind="phash", distance=6)
    far = ReuseMatch(photo_id=photo.id, other_visit_id=uuid.uuid4(), kind="phash", distance=7)
    flag = the_flag(compute_flags(a_visit(photos=[photo], reuse_matches=[near, far]), SETTINGS), "photo.reused")
    assert flag.severity == "warning"
    assert str(near.other_visit_id) in flag.detail and str(far.other_visit_id) not in flag.detail
    assert flag.facts["look_alike"] == [{"visit_id": str(near.other_visit_id), "distance": 6}]
    assert compute_flags(a_visit(photos=[photo], reuse_matches=[far]), SETTINGS) == []


def test_a_stored_photo_without_exif_gets_an_info_flag_but_a_missing_photo_does_not():
    stored, missing = a_photo(has_exif=False), a_photo(has_exif=False, stored=False)
    flags = compute_flags(a_visit(photos=[stored, missing]), SETTINGS)
    flag = the_flag(flags, "photo.no_exif")
    assert flag.severity == "info" and flag.photo_id == stored.id


# --- the visit as a whole ----------------------------------------------------------------------------------------


def test_thirty_indicators_and_a_photo_in_under_six_minutes_is_too_fast():
    flags = compute_flags(a_visit(finished_at=STARTED_AT + timedelta(seconds=100)), SETTINGS)
    flag = the_flag(flags, "visit.too_fast")
    assert flag.detail == "Visit took 100 s for 30 answered indicators and 1 photo (at least 6 min 8 s expected)."
    assert flag.facts == {
        "duration_s": 100,
        "answered": 30,
        "photos": 1,
        "expected_s": 368,
        "per_indicator_s": 12,
        "per_photo_s": 8,
        "reason": "duration",
    }
    slow_enough = compute_flags(a_visit(finished_at=STARTED_AT + timedelta(seconds=368)), SETTINGS)
    assert "visit.too_fast" not in codes(slow_enough)


def test_a_visit_after_the_assignment_window_closed_is_outside_the_window():
    window = WindowFacts(start=STARTED_AT - timedelta(days=7), end=STARTED_AT + timedelta(minutes=10))
    flag = the_flag(compute_flags(a_visit(window=window), SETTINGS), "visit.outside_window")
    assert flag.detail == (
        "Visit finished 2026-03-10 09:40 WIB, after the assignment window closed (2026-03-10 09:10 WIB)."
    )
    assert flag.facts == {
        "reasons": [{"reason": "after_window", "at": "2026-03-10 09:40 WIB", "bound": "2026-03-10 09:10 WIB"}]
    }


def test_a_visit_before_the_assignment_window_opened_is_outside_the_window():
    window = WindowFacts(start=STARTED_AT + timedelta(days=1), end=STARTED_AT + timedelta(days=8))
    flag = the_flag(compute_flags(a_visit(window=window), SETTINGS), "visit.outside_window")
    assert "before the assignment window opened" in flag.detail


def test_a_visit_started_while_the_unit_is_closed_is_outside_the_window():
    saturday = datetime(2026, 3, 14, 9, 0, tzinfo=JAKARTA)
    unit = a_unit(opening_hours="Sen-Kam 08.00-15.30; Jum 08.00-11.30")
    flags = compute_flags(
        a_visit(
            unit=unit,
            started_at=saturday,
            finished_at=saturday + timedelta(minutes=40),
            first_received_at=saturday + timedelta(hours=1),
        ),
        SETTINGS,
    )
    flag = the_flag(flags, "visit.outside_window")
    assert "2026-03-14 09:00 WIB while the unit is closed" in flag.detail
    assert "Mo-Th 08:00-15:30; Fr 08:00-11:30" in flag.detail
    assert flag.facts == {
        "reasons": [{"reason": "closed", "at": "2026-03-14 09:00 WIB", "bound": "Mo-Th 08:00-15:30; Fr 08:00-11:30"}]
    }


def test_opening_hours_are_judged_in_the_unit_time_zone_not_the_offset_sent():
    unit = a_unit(opening_hours="Mo-Fr 08:00-16:00")
    started_utc = datetime(2026, 3, 10, 2, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Jakarta
    flags = compute_flags(a_visit(unit=unit, started_at=started_utc), SETTINGS)
    assert "visit.outside_window" not in codes(flags)


def test_a_visit_first_received_four_days_after_it_finished_is_a_late_sync():
    flags = compute_flags(a_visit(first_received_at=FINISHED_AT + timedelta(days=4)), SETTINGS)
    assert the_flag(flags, "visit.late_sync").detail == "First received 96 h after the visit finished (limit 72 h)."
    assert the_flag(flags, "visit.late_sync").facts == {"delay_s": 96 * 3600, "limit_s": 72 * 3600}
    on_time = compute_flags(a_visit(first_received_at=FINISHED_AT + timedelta(days=2)), SETTINGS)
    assert "visit.late_sync" not in codes(on_time)


def test_missing_required_indicators_raise_an_incomplete_answers_warning():
    flag = the_flag(compute_flags(a_visit(missing_required=["B01", "B05"]), SETTINGS), "visit.incomplete_answers")
    assert flag.severity == "warning"
    assert flag.detail == "2 required indicators without an answer or a required photo: B01, B05."
    assert flag.facts == {"indicators": ["B01", "B05"]}


# --- what the surveyor sees --------------------------------------------------------------------------------------


def test_the_surveyor_sees_position_and_completeness_flags_but_not_fraud_heuristics():
    photo = a_photo(taken_at=FINISHED_AT + timedelta(hours=3), has_exif=False)
    facts = a_visit(
        positions=[a_position(2000, accuracy_m=300)],
        photos=[photo],
        finished_at=STARTED_AT + timedelta(seconds=30),
        first_received_at=FINISHED_AT + timedelta(days=5),
        reuse_matches=[ReuseMatch(photo_id=photo.id, other_visit_id=uuid.uuid4(), kind="sha256")],
        window=WindowFacts(start=STARTED_AT + timedelta(days=1), end=STARTED_AT + timedelta(days=2)),
        missing_required=["B01"],
    )
    flags = compute_flags(facts, SETTINGS)
    computed_elsewhere = {
        "photo.far",
        "geo.mocked",
        "photo.duplicate_in_visit",
        "visit.impossible_travel",
        "photo.unreadable",
    }
    assert set(codes(flags)) == set(FLAG_CODES) - computed_elsewhere
    assert codes(flags_for_surveyor(flags)) == ["geo.outside", "geo.inaccurate", "visit.incomplete_answers"]


def test_a_photo_that_cannot_be_rendered_is_flagged_unreadable_for_the_surveyor_to_take_again():
    readable, unreadable = a_photo(), a_photo(unreadable=True)
    flags = photo_flags(a_visit(photos=[readable, unreadable]), SETTINGS)

    [flag] = [flag for flag in flags if flag.code == "photo.unreadable"]
    assert (flag.photo_id, flag.severity) == (unreadable.id, "warning")
    assert "photo.unreadable" in SURVEYOR_VISIBLE_CODES


def test_fraud_heuristics_are_never_visible_to_surveyors():
    heuristics = {"photo.reused", "photo.time", "visit.too_fast", "visit.impossible_travel", "geo.mocked"}
    assert not {*heuristics, "photo.duplicate_in_visit"} & SURVEYOR_VISIBLE_CODES


# --- settings and small helpers ----------------------------------------------------------------------------------


def test_settings_round_trip_through_a_dict_stored_with_the_wave():
    settings = IntegritySettings(geofence_default_m=250, late_sync_after_s=86400, phash_max_distance=4)
    assert IntegritySettings.from_dict(settings.to_dict()) == settings


def test_settings_left_out_keep_their_defaults():
    settings = IntegritySettings.from_dict({"max_accuracy_m": 50})
    assert settings.max_accuracy_m == 50 and settings.geofence_default_m == 100
    assert settings.photo_time_tolerance_s == 900 and settings.min_seconds_per_indicator == 12
    assert settings.late_sync_after_s == 72 * 3600 and settings.phash_max_distance == 6
    assert IntegritySettings.from_dict(None) == IntegritySettings()


@pytest.mark.parametrize(
    "data",
    [
        {"geofence_m": 100},
        {"max_accuracy_m": -1},
        {"max_accuracy_m": "100"},
        {"phash_max_distance": 6.5},
        {"late_sync_after_s": True},
        {"max_accuracy_m": float("inf")},
    ],
)
def test_unknown_or_nonsense_settings_are_refused(data):
    with pytest.raises(InvalidInput) as caught:
        IntegritySettings.from_dict(data)
    assert caught.value.field == next(iter(data))


def test_phash_distance_counts_differing_bits():
    assert phash_distance("ffffffffffffffff", "ffffffffffffffff") == 0
    assert phash_distance("ffffffffffffffff", "fffffffffffffff0") == 4
    assert phash_distance("0000000000000000", "ffffffffffffffff") == 64
    with pytest.raises(ValueError):
        phash_distance("ff", "ffff")


def test_flags_carry_no_photo_id_when_they_concern_the_whole_visit():
    flags = compute_flags(replace(a_visit(), positions=[]), SETTINGS)
    assert flags[0].photo_id is None
