"""The Prometheus text format rendered from plain values, and request counts kept, summed over workers and shown."""

from __future__ import annotations

import math
import os

import pytest

from server.domain.metrics.exposition import Family, Sample, format_value, histogram_samples, render
from server.domain.metrics.request_counts import (
    LATENCY_BOUNDS_S,
    RequestCounts,
    request_families,
    status_class,
    summed_series,
)
from server.domain.metrics.workers import WorkerFiles, clear_worker_files, process_figures
from server.lib.tempfiles import is_alive


def test_a_family_is_rendered_with_its_help_its_type_and_one_line_per_sample():
    family = Family(
        "sidak_things_total",
        "counter",
        "Things counted.",
        (Sample((("kind", "a"),), 3), Sample((("kind", "b"), ("size", "big")), 0.25)),
    )

    assert render([family]) == (
        "# HELP sidak_things_total Things counted.\n"
        "# TYPE sidak_things_total counter\n"
        'sidak_things_total{kind="a"} 3\n'
        'sidak_things_total{kind="b",size="big"} 0.25\n'
    )


def test_label_values_and_help_text_are_escaped():
    family = Family("x", "gauge", "Line one\nback\\slash", (Sample((("path", 'a"b\\c\nd'),), 1),))

    assert render([family]).splitlines() == [
        "# HELP x Line one\\nback\\\\slash",
        "# TYPE x gauge",
        'x{path="a\\"b\\\\c\\nd"} 1',
    ]


def test_a_family_without_labels_has_no_braces_and_nothing_renders_as_nothing():
    assert render([Family("up", "gauge", "Up.", (Sample((), 1),))]).endswith("\nup 1\n")
    assert render([]) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (3.0, "3"),
        (0.125, "0.125"),
        (1e-7, "1e-07"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (2**60, "1.152921504606847e+18"),
    ],
)
def test_values_are_written_as_prometheus_reads_them(value, text):
    assert format_value(value) == text


def test_nan_is_written_as_prometheus_spells_it():
    assert format_value(math.nan) == "NaN"


def test_histogram_buckets_are_cumulative_and_the_last_equals_the_count():
    samples = histogram_samples((("route", "/r"),), (0.1, 1.0), [2, 0, 1], 3.5)

    assert [(s.suffix, dict(s.labels).get("le"), s.value) for s in samples] == [
        ("_bucket", "0.1", 2),
        ("_bucket", "1", 2),
        ("_bucket", "+Inf", 3),
        ("_sum", None, 3.5),
        ("_count", None, 3),
    ]


def test_a_request_lands_in_the_first_bucket_whose_bound_it_does_not_exceed():
    counts = RequestCounts()
    for duration_s in (0.005, 0.0051, 99.0):
        counts.started()
        counts.finished("GET", "/r", 200, duration_s)

    [series] = counts.series.values()
    assert series.per_bucket[0] == 1  # le="0.005" holds 0.005 itself
    assert series.per_bucket[1] == 1
    assert series.per_bucket[len(LATENCY_BOUNDS_S)] == 1  # above every bound: only in +Inf
    assert series.count == 3 and counts.in_flight == 0


def test_methods_nobody_routes_are_counted_as_other_and_statuses_by_class():
    counts = RequestCounts()
    counts.started()
    counts.finished("BREW", "unmatched", 405, 0.001)

    assert list(counts.series) == [("other", "unmatched", "4xx")]
    assert [status_class(s) for s in (200, 304, 422, 503)] == ["2xx", "3xx", "4xx", "5xx"]


def test_counts_of_several_workers_are_summed_series_by_series():
    first, second = RequestCounts(), RequestCounts()
    for counts, route in ((first, "/a"), (first, "/b"), (second, "/a")):
        counts.started()
        counts.finished("GET", route, 200, 0.02)
    second.started()  # one request still being answered in the second worker

    summed = summed_series([first.snapshot(), second.snapshot()])

    assert summed[("GET", "/a", "2xx")].count == 2
    assert summed[("GET", "/a", "2xx")].total_s == pytest.approx(0.04)
    assert summed[("GET", "/b", "2xx")].count == 1
    assert second.snapshot()["in_flight"] == 1


def test_request_families_show_the_count_the_latency_histogram_and_the_requests_in_flight():
    counts = RequestCounts()
    counts.started()
    counts.finished("PUT", "/api/visits/{visit_id}", 201, 0.3)

    text = render(request_families(summed_series([counts.snapshot()]), in_flight=2))

    labels = 'method="PUT",route="/api/visits/{visit_id}",status="2xx"'
    assert f"sidak_http_requests_total{{{labels}}} 1\n" in text
    assert f'sidak_http_request_duration_seconds_bucket{{{labels},le="0.25"}} 0\n' in text
    assert f'sidak_http_request_duration_seconds_bucket{{{labels},le="0.5"}} 1\n' in text
    assert f"sidak_http_request_duration_seconds_sum{{{labels}}} 0.3\n" in text
    assert "sidak_http_requests_in_flight 2\n" in text


def test_a_worker_reads_the_other_workers_files_but_not_its_own_and_a_new_server_clears_them(tmp_path):
    mine, other = WorkerFiles(tmp_path, pid=100), WorkerFiles(tmp_path, pid=200)
    mine.publish({"in_flight": 0, "series": []})
    other.publish({"in_flight": 1, "series": []})
    (tmp_path / "worker-300.json").write_text("{half a fi")  # a torn file is left out, not fatal
    (tmp_path / "worker-400.json").write_text('{"in_flight": "x", "series": []}')  # and so is one of another shape

    assert mine.others() == {200: {"in_flight": 1, "series": []}}

    clear_worker_files(tmp_path)
    assert mine.others() == {} and not list(tmp_path.glob("worker-*"))


def test_this_processs_figures_are_read_and_an_ended_process_has_none():
    figures = process_figures(os.getpid())

    assert figures is not None
    assert figures.resident_bytes > 1_000_000 and figures.open_fds >= 3 and figures.cpu_s > 0
    assert is_alive(os.getpid())
    assert process_figures(2**22 + 12345) is None and not is_alive(2**22 + 12345)
