"""The Prometheus text exposition format (version 0.0.4), rendered from plain values.

One family per metric name: its ``# HELP`` and ``# TYPE`` lines, then its samples. A histogram's buckets are given
per bucket and rendered cumulative, with the ``+Inf`` bucket equal to the count, as the format requires."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONTENT_TYPE = "text/plain; version=0.0.4"
"""Litestar adds `; charset=utf-8` to a text type."""
Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sample:
    labels: Labels
    value: float
    suffix: str = ""
    """``_bucket``, ``_sum`` or ``_count`` for a histogram's samples; empty otherwise."""


@dataclass(frozen=True)
class Family:
    name: str
    kind: str
    """``counter``, ``gauge`` or ``histogram``."""
    help: str
    samples: tuple[Sample, ...]


def render(families: Iterable[Family]) -> str:
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        lines.extend(
            f"{family.name}{sample.suffix}{_label_text(sample.labels)} {format_value(sample.value)}"
            for sample in family.samples
        )
    return "\n".join(lines) + "\n" if lines else ""


def histogram_samples(
    labels: Labels, bounds_s: Sequence[float], counts_per_bucket: Sequence[int], total: float
) -> list[Sample]:
    """``counts_per_bucket`` has one count per bound and one more for what lies above the last bound."""
    samples = []
    cumulative = 0
    for bound, count in zip((*bounds_s, math.inf), counts_per_bucket, strict=True):
        cumulative += count
        samples.append(Sample((*labels, ("le", format_value(bound))), cumulative, "_bucket"))
    samples.append(Sample(labels, total, "_sum"))
    samples.append(Sample(labels, cumulative, "_count"))
    return samples


def format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def _label_text(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{_escape_label_value(value)}"' for name, value in labels) + "}"


def _escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")
