"""A unit's opening hours: the text in the unit CSV, what it means, and its canonical form."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.domain.admin.opening_hours import OpeningHours, OpenSpan, parse_opening_hours
from server.lib.errors import InvalidInput

JAKARTA = ZoneInfo("Asia/Jakarta")
# 2026-03-09 is a Monday.
MONDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = 9, 12, 13, 14, 15


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=JAKARTA)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_opening_hours_mean_always_open(text):
    assert parse_opening_hours(text) is None


def test_a_typical_office_week_is_open_and_closed_at_the_right_times():
    hours = parse_opening_hours("Mo-Th 08:00-15:30; Fr 08:00-11:30")
    assert hours.is_open_at(at(MONDAY, 8, 0))
    assert hours.is_open_at(at(THURSDAY, 15, 29, 59))
    assert not hours.is_open_at(at(THURSDAY, 15, 30))
    assert not hours.is_open_at(at(MONDAY, 7, 59))
    assert hours.is_open_at(at(FRIDAY, 11, 0))
    assert not hours.is_open_at(at(FRIDAY, 13, 0))
    assert not hours.is_open_at(at(SATURDAY, 10, 0))
    assert not hours.is_open_at(at(SUNDAY, 10, 0))


@pytest.mark.parametrize(
    "text",
    [
        "Sen-Kam 08.00-15.30; Jum 08.00-11.30",
        "Senin s.d. Kamis 08.00 - 15.30 WIB; Jumat 08.00-11.30 WIB",
        "senin s/d kamis pukul 08.00-15.30\nJum'at 08.00 sampai 11.30",
        "Mon-Thu: 08:00-15:30; Fri 08:00-11:30",
        "Mo-Fr 08:00-15:30; Fr 08:00-11:30",
    ],
)
def test_indonesian_and_english_spellings_mean_the_same_hours(text):
    assert parse_opening_hours(text).format() == "Mo-Th 08:00-15:30; Fr 08:00-11:30"


def test_a_lunch_break_closes_the_unit_between_two_spans():
    hours = parse_opening_hours("Sen-Jum 08.00-12.00 dan 13.00-16.00")
    assert hours.is_open_at(at(MONDAY, 11, 59))
    assert not hours.is_open_at(at(MONDAY, 12, 30))
    assert hours.is_open_at(at(MONDAY, 13, 0))
    assert hours.format() == "Mo-Fr 08:00-12:00,13:00-16:00"


def test_lists_of_days_and_a_range_wrapping_over_the_weekend():
    hours = parse_opening_hours("Sab-Sen 07:00-12:00; Rab, Jum 09:00-10:00")
    assert hours.is_open_at(at(SUNDAY, 8))
    assert hours.is_open_at(at(SATURDAY, 8))
    assert hours.is_open_at(at(MONDAY, 8))
    assert not hours.is_open_at(at(THURSDAY, 9, 30))
    assert hours.format() == "Mo,Sa-Su 07:00-12:00; We,Fr 09:00-10:00"
    assert parse_opening_hours(hours.format()) == hours


def test_a_later_rule_closes_a_day_named_earlier():
    hours = parse_opening_hours("Sen-Sab 08.00-14.00; Sab tutup")
    assert not hours.is_open_at(at(SATURDAY, 10))
    assert hours.format() == "Mo-Fr 08:00-14:00"


def test_overlapping_spans_merge_into_one():
    hours = parse_opening_hours("Mo 08:00-12:00,11:00-14:00")
    assert hours.week[0] == (OpenSpan(8 * 60, 14 * 60),)


def test_a_day_open_until_midnight():
    hours = parse_opening_hours("Mo-Su 00:00-24:00")
    assert hours.is_open_at(at(SUNDAY, 23, 59, 59))
    assert hours.is_open_at(at(MONDAY, 0, 0))


@pytest.mark.parametrize(
    "text",
    [
        "Mo-Th 08:00-15:30; Fr 08:00-11:30",
        "Mo,We,Fr 07:30-12:00,13:00-16:30; Sa 08:00-10:00",
        "Tu 09:00-10:00; Su 00:00-24:00",
    ],
)
def test_the_canonical_text_reads_back_to_the_same_hours(text):
    hours = parse_opening_hours(text)
    assert hours.format() == text
    assert parse_opening_hours(hours.format()) == hours
    assert str(hours) == text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("kadang-kadang", "no times"),
        ("08:00-15:00", "no days"),
        ("Xy-Fr 08:00-15:00", "unknown day 'xy'"),
        ("Mo-Fr 8-15", "cannot read the times"),
        ("Mo-Fr 08:00-25:00", "no such time"),
        ("Mo-Fr 08:70-15:00", "no such time"),
        ("Mo-Fr 15:00-08:00", "closing time before opening time"),
        ("Mo- 08:00-15:00", "has no end"),
        ("Mo Fr 08:00-15:00", "cannot read the days"),
        ("Mo-Fr tutup", "never open"),
    ],
)
def test_unreadable_opening_hours_are_refused_with_the_reason(text, why):
    with pytest.raises(InvalidInput) as caught:
        parse_opening_hours(text)
    assert why in caught.value.detail
    assert caught.value.field == "opening_hours"
    assert caught.value.status == 422


def test_opening_hours_are_plain_comparable_values():
    assert parse_opening_hours("Sen-Kam 08.00-15.30") == OpeningHours(week=((OpenSpan(480, 930),),) * 4 + ((),) * 3)
