"""A unit's opening hours, written as a short text in the unit CSV (docs/contract.md) and checked by integrity.

Canonical form, a small subset of OpenStreetMap's ``opening_hours``::

    Mo-Th 08:00-15:30; Fr 08:00-11:30

Also read, because that is how Indonesian offices write them on their notice boards: Indonesian day names and
abbreviations (``Sen Sel Rab Kam Jum Sab Min``, ``Senin``… ``Minggu``), ``.`` as the time separator, ``s.d.``/``s/d``
/``sampai`` for ranges, ``dan``/``&`` for lists, a trailing ``WIB``/``WITA``/``WIT``, and ``tutup``/``libur``/``off``
for a closed day, e.g. ``Senin s.d. Kamis 08.00-15.30 WIB; Jumat 08.00-11.30``.

Days not named are closed. A later rule replaces an earlier one for the days it names (as in OSM), so
``Mo-Fr 08:00-16:00; Fr 08:00-11:30`` closes early on Friday. Times are the unit's local wall-clock time; a span ends
before midnight (``24:00`` is allowed as an end). An empty text means "always open" and parses to ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from server.lib.errors import InvalidInput

DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

_DAY_NAMES = {
    name: day
    for day, names in enumerate(
        [
            ("mo", "mon", "monday", "sen", "senin"),
            ("tu", "tue", "tuesday", "sel", "selasa"),
            ("we", "wed", "wednesday", "rab", "rabu"),
            ("th", "thu", "thursday", "kam", "kamis"),
            ("fr", "fri", "friday", "jum", "jumat", "jum'at"),
            ("sa", "sat", "saturday", "sab", "sabtu"),
            ("su", "sun", "sunday", "min", "minggu", "ahad"),
        ]
    )
    for name in names
}
_RANGE_WORDS = {"-", "–", "—", "s/d", "sd", "sampai", "hingga", "to"}
_LIST_WORDS = {",", "&", "dan", "and"}
_FILLER_WORDS = {"pukul", "jam"}
_CLOSED = r"off|closed|tutup|libur"
_RANGE = r"\s*(?:-|–|—|s\.\s?d\.?|s/d|sd|sampai|hingga|to)\s*"

_DAY_TOKEN = re.compile(r"\s*(s\.\s?d\.?|s/d|[^\W\d_][\w'’]*|[-–—,&])\s*")
_TIMES_START = re.compile(rf"\d|\b(?:{_CLOSED})\b", re.IGNORECASE)
_TIME_ZONE_SUFFIX = re.compile(r"\s*\b(?:WIB|WITA|WIT)\b\.?\s*$", re.IGNORECASE)
_SPAN_SEPARATOR = re.compile(r"\s*(?:,|&|\bdan\b|\band\b)\s*", re.IGNORECASE)
_SPAN = re.compile(rf"(\d{{1,2}})[:.](\d{{2}}){_RANGE}(\d{{1,2}})[:.](\d{{2}})", re.IGNORECASE)

_EXAMPLE = "write them like 'Mo-Th 08:00-15:30; Fr 08:00-11:30' or 'Sen-Kam 08.00-15.30'"


class OpenSpan(NamedTuple):
    start_min: int
    end_min: int


@dataclass(frozen=True)
class OpeningHours:
    week: tuple[tuple[OpenSpan, ...], ...]
    """Seven entries, Monday first; an empty entry is a closed day."""

    def is_open_at(self, local_dt: datetime) -> bool:
        """Whether the unit is open at ``local_dt``, read as wall-clock time in the unit's own time zone."""
        second_of_day = local_dt.hour * 3600 + local_dt.minute * 60 + local_dt.second
        return any(span.start_min * 60 <= second_of_day < span.end_min * 60 for span in self.week[local_dt.weekday()])

    def format(self) -> str:
        """The canonical text; ``parse_opening_hours(hours.format()) == hours``."""
        days_by_spans: dict[tuple[OpenSpan, ...], list[int]] = {}
        for day, spans in enumerate(self.week):
            if spans:
                days_by_spans.setdefault(spans, []).append(day)
        return "; ".join(
            f"{_format_days(days)} {','.join(map(_format_span, spans))}" for spans, days in days_by_spans.items()
        )

    def __str__(self) -> str:
        return self.format()


def parse_opening_hours(text: str | None) -> OpeningHours | None:
    if text is None or not text.strip():
        return None
    week: list[tuple[OpenSpan, ...]] = [()] * 7
    for rule in re.split(r"[;\n]", text):
        if rule.strip():
            days, spans = _parse_rule(rule.strip(), text)
            for day in days:
                week[day] = spans
    if not any(week):
        raise _unreadable(text, "the unit is never open")
    return OpeningHours(tuple(week))


def _parse_rule(rule: str, text: str) -> tuple[set[int], tuple[OpenSpan, ...]]:
    times_start = _TIMES_START.search(rule)
    if times_start is None:
        raise _unreadable(text, f"no times in {rule!r}")
    days_text = rule[: times_start.start()].strip(" :,")
    if not days_text:
        raise _unreadable(text, f"no days before the times in {rule!r}")
    return _parse_days(days_text, text), _parse_spans(rule[times_start.start() :], text)


def _parse_days(days_text: str, text: str) -> set[int]:
    tokens = [token for token in _day_tokens(days_text, text) if token not in _FILLER_WORDS]
    days: set[int] = set()
    i = 0
    while i < len(tokens):
        first = _day(tokens[i], text)
        if i + 1 < len(tokens) and _is_range_word(tokens[i + 1]):
            if i + 2 >= len(tokens):
                raise _unreadable(text, f"the day range in {days_text!r} has no end")
            last = _day(tokens[i + 2], text)
            days.update((first + offset) % 7 for offset in range((last - first) % 7 + 1))
            i += 3
        else:
            days.add(first)
            i += 1
        if i < len(tokens):
            if tokens[i] not in _LIST_WORDS or i + 1 == len(tokens):
                raise _unreadable(text, f"cannot read the days {days_text!r}")
            i += 1
    return days


def _day_tokens(days_text: str, text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(days_text):
        match = _DAY_TOKEN.match(days_text, position)
        if match is None:
            raise _unreadable(text, f"cannot read the days {days_text!r}")
        tokens.append(match.group(1).lower().replace("’", "'"))
        position = match.end()
    return tokens


def _is_range_word(token: str) -> bool:
    return token in _RANGE_WORDS or token.startswith("s.")


def _day(token: str, text: str) -> int:
    try:
        return _DAY_NAMES[token]
    except KeyError:
        raise _unreadable(
            text, f"unknown day {token!r} (use Mo Tu We Th Fr Sa Su or Sen Sel Rab Kam Jum Sab Min)"
        ) from None


def _parse_spans(times_text: str, text: str) -> tuple[OpenSpan, ...]:
    times_text = _TIME_ZONE_SUFFIX.sub("", times_text).strip()
    if re.fullmatch(_CLOSED, times_text, re.IGNORECASE):
        return ()
    spans = sorted(_parse_span(part, text) for part in _SPAN_SEPARATOR.split(times_text))
    return _merged(spans)


def _parse_span(span_text: str, text: str) -> OpenSpan:
    match = _SPAN.fullmatch(span_text)
    if match is None:
        raise _unreadable(text, f"cannot read the times {span_text!r}")
    start_h, start_m, end_h, end_m = map(int, match.groups())
    if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or (end_h == 24 and end_m):
        raise _unreadable(text, f"no such time in {span_text!r}")
    span = OpenSpan(start_h * 60 + start_m, end_h * 60 + end_m)
    if span.end_min <= span.start_min:
        raise _unreadable(text, f"closing time before opening time in {span_text!r}")
    return span


def _merged(spans: list[OpenSpan]) -> tuple[OpenSpan, ...]:
    """Overlapping or touching spans become one, so that equal hours have one canonical form."""
    merged: list[OpenSpan] = []
    for span in spans:
        if merged and span.start_min <= merged[-1].end_min:
            merged[-1] = OpenSpan(merged[-1].start_min, max(merged[-1].end_min, span.end_min))
        else:
            merged.append(span)
    return tuple(merged)


def _format_days(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(DAY_CODES[run[0]] if len(run) == 1 else f"{DAY_CODES[run[0]]}-{DAY_CODES[run[-1]]}" for run in runs)


def _format_span(span: OpenSpan) -> str:
    return f"{_format_minute(span.start_min)}-{_format_minute(span.end_min)}"


def _format_minute(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def _unreadable(text: str, why: str) -> InvalidInput:
    return InvalidInput(f"Cannot read the opening hours {text!r}: {why}; {_EXAMPLE}.", field="opening_hours")
