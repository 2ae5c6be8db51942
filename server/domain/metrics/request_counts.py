"""This process's request counts and latencies, kept in a dict on the hot path and turned into metric families only
when scraped.

Counting a request is a dict look-up, two additions and a bisection (well under a microsecond; see
docs/performance.md); labels are the method, the route *template* (``/api/visits/{visit_id:uuid}``, never the path
with its ids, so the number of series stays bounded) and the status class."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from server.domain.metrics.exposition import Family, Sample, histogram_samples

LATENCY_BOUNDS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED_ROUTE = "unmatched"
"""The route label of a request no route answered (the router's 404 and 405): its path is whatever the caller made
up, so it is never a label."""
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

SeriesKey = tuple[str, str, str]
"""(method, route template, status class)."""


@dataclass
class Series:
    count: int = 0
    total_s: float = 0.0
    per_bucket: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BOUNDS_S) + 1))

    def add(self, other: Series) -> None:
        self.count += other.count
        self.total_s += other.total_s
        self.per_bucket = [mine + theirs for mine, theirs in zip(self.per_bucket, other.per_bucket, strict=True)]


class RequestCounts:
    def __init__(self) -> None:
        self.series: dict[SeriesKey, Series] = {}
        self.in_flight = 0

    def started(self) -> None:
        self.in_flight += 1

    def finished(self, method: str, route: str, status: int, duration_s: float) -> None:
        self.in_flight -= 1
        key = (method if method in KNOWN_METHODS else "other", route, status_class(status))
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = Series()
        series.count += 1
        series.total_s += duration_s
        series.per_bucket[bisect_left(LATENCY_BOUNDS_S, duration_s)] += 1

    def snapshot(self) -> dict[str, Any]:
        """Plain JSON values: what another worker process reads to add this one's counts to its own."""
        return {
            "in_flight": self.in_flight,
            "series": [[*key, s.count, s.total_s, list(s.per_bucket)] for key, s in self.series.items()],
        }


_STATUS_CLASSES = tuple(f"{hundreds}xx" for hundreds in range(10))


def status_class(status: int) -> str:
    # Looked up rather than formatted: it runs for every request.
    return _STATUS_CLASSES[status // 100] if 0 <= status < 1000 else "other"


def series_of(snapshot: Mapping[str, Any]) -> dict[SeriesKey, Series]:
    return {
        (method, route, status): Series(count, total_s, list(per_bucket))
        for method, route, status, count, total_s, per_bucket in snapshot["series"]
    }


def summed_series(snapshots: Iterable[Mapping[str, Any]]) -> dict[SeriesKey, Series]:
    total: dict[SeriesKey, Series] = {}
    for snapshot in snapshots:
        for key, series in series_of(snapshot).items():
            total.setdefault(key, Series()).add(series)
    return total


def request_families(series: Mapping[SeriesKey, Series], in_flight: int) -> list[Family]:
    ordered = sorted(series.items())
    labelled = [((("method", m), ("route", r), ("status", s)), one) for (m, r, s), one in ordered]
    return [
        Family(
            "sidak_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status class.",
            tuple(Sample(labels, one.count) for labels, one in labelled),
        ),
        Family(
            "sidak_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to the end of its answer, by method, route template and status class.",
            tuple(
                sample
                for labels, one in labelled
                for sample in histogram_samples(labels, LATENCY_BOUNDS_S, one.per_bucket, one.total_s)
            ),
        ),
        Family(
            "sidak_http_requests_in_flight",
            "gauge",
            "Requests being answered now (the scrape itself included).",
            (Sample((), in_flight),),
        ),
    ]
