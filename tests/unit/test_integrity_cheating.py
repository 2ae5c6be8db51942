"""The flags that hold against a surveyor who knows the rules, each with the honest near-misses it must leave alone:
a checklist ticked off too fast, positions that look injected or replayed, one photo offered for several indicators,
and visits of one surveyor that cannot all have happened."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

import pytest

from server.domain.visits.documents import Position
from server.domain.visits.integrity import IntegritySettings, compute_flags
from server.domain.visits.tracks import replay_matches
from server.domain.visits.travel import VisitStop, travel_flags
from tests.tracks import (
    constant_accuracy_track,
    frozen_track,
    honest_track,
    regular_track,
    replayed_track,
    zero_accuracy_track,
)
from tests.unit.test_integrity import FINISHED_AT, STARTED_AT, SUMBER, a_photo, a_visit, codes, the_flag

SETTINGS = IntegritySettings()
CIREBON_CITY = (-6.7320, 108.5523)  # about 9 km from Sumber
BANDUNG = (-6.9175, 107.6191)  # about 96 km from Sumber


def answered_every(seconds: float, count: int, since: datetime = STARTED_AT) -> list[datetime]:
    return [since + timedelta(seconds=seconds * i) for i in range(count)]


def a_checklist(minutes: float, *, answer_every_s: float, photo_every_s: float, photos: int = 35, since=STARTED_AT):
    """The default checklist's 48 answers and ``photos`` photos, recorded one after another from ``since``."""
    taken = [
        a_photo(indicator=f"A{i:02}", taken_at=since + timedelta(seconds=photo_every_s * i)) for i in range(photos)
    ]
    return a_visit(
        finished_at=STARTED_AT + timedelta(minutes=minutes),
        answered_indicator_count=48,
        answered_at=answered_every(answer_every_s, 48, since),
        photos=taken,
    )


# --- visit.too_fast ------------------------------------------------------------------------------------------------


def test_a_full_checklist_with_dozens_of_photos_in_four_minutes_is_too_fast():
    flag = the_flag(compute_flags(a_checklist(4, answer_every_s=5, photo_every_s=5), SETTINGS), "visit.too_fast")
    assert flag.facts["reason"] == "duration"
    assert flag.facts["duration_s"] == 240 and flag.facts["expected_s"] == 48 * 12 + 35 * 8
    assert flag.facts["photos"] == 35 and flag.facts["evidence_span_s"] == 235
    assert flag.detail.startswith("Visit took 4 min for 48 answered indicators and 35 photos")


def test_a_brisk_but_real_twenty_minute_visit_is_not_too_fast():
    visit = a_checklist(20, answer_every_s=24, photo_every_s=30)
    assert "visit.too_fast" not in codes(compute_flags(visit, SETTINGS))


def test_a_visit_left_open_while_everything_is_recorded_in_a_rush_is_too_fast_by_its_pace():
    rush = STARTED_AT + timedelta(minutes=35)
    visit = a_checklist(40, answer_every_s=4, photo_every_s=4, photos=20, since=rush)
    flag = the_flag(compute_flags(visit, SETTINGS), "visit.too_fast")
    assert flag.facts["reason"] == "pace" and flag.facts["evidence_span_s"] == 188
    assert "all recorded within 3 min 8 s of its 40 min" in flag.detail


def test_answers_written_up_at_the_end_are_not_a_rush_when_the_photos_were_taken_throughout():
    photos = [a_photo(indicator=f"A{i:02}", taken_at=STARTED_AT + timedelta(minutes=i)) for i in range(30)]
    visit = a_visit(
        finished_at=STARTED_AT + timedelta(minutes=40),
        answered_indicator_count=48,
        answered_at=answered_every(5, 48, since=STARTED_AT + timedelta(minutes=34)),
        photos=photos,
    )
    assert "visit.too_fast" not in codes(compute_flags(visit, SETTINGS))


def test_the_minimums_are_settings_of_the_wave():
    visit = a_visit(finished_at=STARTED_AT + timedelta(minutes=10), answered_indicator_count=48, photos=[])
    assert "visit.too_fast" not in codes(compute_flags(visit, SETTINGS))
    strict = IntegritySettings(min_seconds_per_indicator=20)
    assert "visit.too_fast" in codes(compute_flags(visit, strict))


# --- geo.mocked ----------------------------------------------------------------------------------------------------


def signals_of(positions: list[Position], **fields) -> list[str]:
    flags = compute_flags(a_visit(positions=positions, **fields), SETTINGS)
    mocked = [flag for flag in flags if flag.code == "geo.mocked"]
    return [signal["signal"] for flag in mocked for signal in flag.facts["signals"]]


@pytest.mark.parametrize("style", ["outdoor", "indoor", "mixed"])
def test_honest_tracks_of_real_phones_never_look_mocked(style):
    for seed in range(60):
        rng = random.Random(seed)
        track = honest_track(rng, *SUMBER, STARTED_AT, STARTED_AT + timedelta(minutes=rng.randint(15, 90)), style)
        assert signals_of(track) == [], (style, seed)


def test_a_phone_that_recorded_only_a_few_positions_is_not_judged_on_them():
    same = [
        Position(lat=SUMBER[0], lon=SUMBER[1], accuracy_m=5.0, at=STARTED_AT + timedelta(minutes=i)) for i in range(5)
    ]
    assert signals_of(same) == []


def test_a_track_parked_on_one_point_is_mocked():
    assert signals_of(frozen_track(*SUMBER, STARTED_AT, FINISHED_AT, random.Random(1))) == ["frozen"]


def test_one_coarse_wifi_point_repeated_with_changing_accuracy_is_not_mocked():
    rng = random.Random(2)
    wifi = [
        Position(lat=SUMBER[0], lon=SUMBER[1], accuracy_m=round(rng.uniform(25, 60), 1), at=at)
        for at in (STARTED_AT + timedelta(seconds=31 * i + rng.randint(0, 3)) for i in range(40))
    ]
    assert signals_of(wifi) == []


def test_an_accuracy_of_exactly_zero_is_mocked():
    track = zero_accuracy_track(*SUMBER, STARTED_AT, FINISHED_AT, random.Random(3))
    assert "zero_accuracy" in signals_of(track)


def test_the_same_gps_grade_accuracy_to_the_millimetre_throughout_is_mocked():
    track = constant_accuracy_track(*SUMBER, STARTED_AT, FINISHED_AT, random.Random(4))
    assert signals_of(track) == ["constant_accuracy"]


def test_a_coarse_round_accuracy_repeated_indoors_is_not_mocked():
    track = honest_track(random.Random(5), *SUMBER, STARTED_AT, FINISHED_AT, "indoor")
    coarse = [Position(lat=p.lat, lon=p.lon, accuracy_m=65.0, at=p.at) for p in track]
    assert signals_of(coarse) == []


def test_fixes_exactly_in_step_without_drift_are_mocked():
    track = regular_track(*SUMBER, STARTED_AT, FINISHED_AT, random.Random(6))
    assert signals_of(track) == ["regular_intervals"]


def test_a_phone_still_on_a_table_answering_the_thirty_second_timer_is_not_mocked_when_its_fix_delay_varies():
    rng = random.Random(7)
    track = honest_track(rng, *SUMBER, STARTED_AT, FINISHED_AT, "outdoor")
    assert len(track) > 15 and signals_of(track) == []


def test_a_track_repeating_another_visits_coordinates_is_replayed():
    rng = random.Random(8)
    original = honest_track(rng, *SUMBER, STARTED_AT - timedelta(days=7), FINISHED_AT - timedelta(days=7))
    copy = replayed_track(original, STARTED_AT)
    other = uuid.uuid4()
    matches = replay_matches(copy, {other: [(p.lat, p.lon) for p in original], uuid.uuid4(): []})
    assert [match.other_visit_id for match in matches] == [other]
    assert signals_of(copy, replay_matches=matches) == ["replayed"]


def test_two_honest_visits_to_the_same_unit_do_not_share_a_track():
    first = honest_track(random.Random(9), *SUMBER, STARTED_AT - timedelta(days=7), FINISHED_AT - timedelta(days=7))
    second = honest_track(random.Random(10), *SUMBER, STARTED_AT, FINISHED_AT)
    assert replay_matches(second, {uuid.uuid4(): [(p.lat, p.lon) for p in first]}) == []


def test_the_mocked_flag_names_every_signal_it_saw():
    track = frozen_track(*SUMBER, STARTED_AT, FINISHED_AT, random.Random(11))
    track[3] = Position(lat=track[3].lat, lon=track[3].lon, accuracy_m=0.0, at=track[3].at)
    flag = the_flag(compute_flags(a_visit(positions=track), SETTINGS), "geo.mocked")
    assert flag.severity == "warning"
    assert [signal["signal"] for signal in flag.facts["signals"]] == ["zero_accuracy", "frozen"]
    assert "accuracy of exactly 0 m" in flag.detail and "at the very same coordinates" in flag.detail


# --- photo.duplicate_in_visit --------------------------------------------------------------------------------------


def test_the_same_file_offered_for_two_indicators_is_a_duplicate_in_the_visit():
    first = a_photo(indicator="B01", sha256="a" * 64, taken_at=STARTED_AT + timedelta(minutes=5))
    again = a_photo(indicator="B02", sha256="a" * 64, taken_at=STARTED_AT + timedelta(minutes=6))
    flag = the_flag(compute_flags(a_visit(photos=[again, first]), SETTINGS), "photo.duplicate_in_visit")
    assert flag.photo_id == again.id
    assert flag.facts == {
        "same_as": str(first.id),
        "indicators": ["B01", "B02"],
        "kind": "sha256",
        "distance": None,
        "limit": 4,
    }


def test_a_near_identical_picture_for_another_indicator_is_a_duplicate_once_both_are_stored():
    first = a_photo(indicator="B01", sha256="a" * 64, phash="f0f0f0f0f0f0f0f0")
    close = a_photo(
        indicator="B03", sha256="b" * 64, phash="f0f0f0f0f0f0f0f3", taken_at=first.taken_at + timedelta(seconds=20)
    )
    flag = the_flag(compute_flags(a_visit(photos=[first, close]), SETTINGS), "photo.duplicate_in_visit")
    assert flag.facts["kind"] == "phash" and flag.facts["distance"] == 2


def test_two_different_shots_and_two_photos_for_one_indicator_are_not_duplicates():
    board = a_photo(indicator="B01", sha256="a" * 64, phash="f0f0f0f0f0f0f0f0")
    other_board = a_photo(indicator="B02", sha256="b" * 64, phash="f0f0f0f0f0f0ff0f")  # distance 8
    second_of_b01 = a_photo(indicator="B01", sha256="a" * 64)
    photos = [board, other_board, second_of_b01]
    assert "photo.duplicate_in_visit" not in codes(compute_flags(a_visit(photos=photos), SETTINGS))


# --- visit.impossible_travel ---------------------------------------------------------------------------------------


def a_stop(
    place: tuple[float, float], start: datetime, minutes: float = 40, unit: uuid.UUID | None = None
) -> VisitStop:
    return VisitStop(
        visit_id=uuid.uuid4(),
        unit_id=unit or uuid.uuid4(),
        started_at=start,
        finished_at=start + timedelta(minutes=minutes),
        lat=place[0],
        lon=place[1],
    )


def test_bandung_thirty_minutes_after_sumber_is_impossible_travel_for_both_visits():
    sumber = a_stop(SUMBER, STARTED_AT)
    bandung = a_stop(BANDUNG, sumber.finished_at + timedelta(minutes=30))
    flags = travel_flags([bandung, sumber], SETTINGS)
    [at_sumber] = flags[sumber.visit_id]
    [at_bandung] = flags[bandung.visit_id]
    assert at_sumber.facts["other_visit_id"] == str(bandung.visit_id) and at_sumber.facts["other_side"] == "next"
    assert at_bandung.facts["other_visit_id"] == str(sumber.visit_id) and at_bandung.facts["other_side"] == "previous"
    assert at_sumber.facts["kind"] == "speed" and at_sumber.facts["speed_kmh"] > 150
    assert at_sumber.facts["gap_s"] == 1800


def test_several_visits_a_day_in_one_town_are_not_impossible_travel():
    stops, start = [], STARTED_AT
    for place in (SUMBER, CIREBON_CITY, SUMBER, CIREBON_CITY):
        stops.append(a_stop(place, start, minutes=35))
        start += timedelta(minutes=35 + 15)  # 9 km in a quarter of an hour by motorbike
    assert travel_flags(stops, SETTINGS) == {}


def test_overlapping_visits_at_two_units_are_impossible_travel_and_a_slow_thumb_is_not():
    first = a_stop(SUMBER, STARTED_AT)
    overlapping = a_stop(CIREBON_CITY, STARTED_AT + timedelta(minutes=20))
    flags = travel_flags([first, overlapping], SETTINGS)
    assert flags[first.visit_id][0].facts["kind"] == "overlap" and flags[first.visit_id][0].facts["overlap_s"] == 1200
    next_door = a_stop(SUMBER, first.finished_at - timedelta(seconds=60))
    assert travel_flags([first, next_door], SETTINGS) == {}


def test_a_visit_overlapping_two_others_names_both():
    long = a_stop(SUMBER, STARTED_AT, minutes=180)
    one = a_stop(CIREBON_CITY, STARTED_AT + timedelta(minutes=30))
    two = a_stop(CIREBON_CITY, STARTED_AT + timedelta(minutes=100))
    flags = travel_flags([one, two, long], SETTINGS)
    assert {flag.facts["other_visit_id"] for flag in flags[long.visit_id]} == {str(one.visit_id), str(two.visit_id)}


def test_two_visits_of_one_unit_and_visits_days_apart_are_not_impossible_travel():
    unit = uuid.uuid4()
    same_unit = [a_stop(SUMBER, STARTED_AT, unit=unit), a_stop(SUMBER, STARTED_AT + timedelta(minutes=10), unit=unit)]
    far_but_days_apart = [a_stop(SUMBER, STARTED_AT), a_stop(BANDUNG, STARTED_AT + timedelta(days=2))]
    assert travel_flags(same_unit, SETTINGS) == {}
    assert travel_flags(far_but_days_apart, SETTINGS) == {}


def test_a_morning_in_bandung_and_an_afternoon_in_sumber_are_a_possible_day():
    morning = a_stop(BANDUNG, STARTED_AT - timedelta(hours=5))
    noon = a_stop(BANDUNG, STARTED_AT - timedelta(hours=3))
    afternoon = a_stop(SUMBER, STARTED_AT)  # 96 km in 2 h 20 min after noon: 41 km/h
    assert travel_flags([afternoon, morning, noon], SETTINGS) == {}


def test_the_speed_limit_and_allowance_are_settings_of_the_wave():
    sumber = a_stop(SUMBER, STARTED_AT)
    city = a_stop(CIREBON_CITY, sumber.finished_at + timedelta(minutes=8))  # 9 km in 8 min: 60 km/h past 1 km
    assert travel_flags([sumber, city], SETTINGS) == {}
    assert set(travel_flags([sumber, city], IntegritySettings(max_travel_speed_kmh=50))) == {
        sumber.visit_id,
        city.visit_id,
    }
