"""A scrape: this server's request counts (every worker's), its processes, and the gauges read from the database.

HOW TO ADD A GAUGE READ AT SCRAPE TIME: add one ``GaugeSource`` line to ``SCRAPE_GAUGES`` below. Its ``read`` is an
async callable taking the scrape's database session and returning a number, or a mapping, dataclass or named tuple
of numbers: a number is one gauge named ``name``; each field of the others is a gauge ``<name>_<field>``. A field
ending in ``_s`` becomes Prometheus's ``_seconds``; a field that is None is left out ("no oldest waiting photo" is
no sample rather than a made-up age)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.audit import queries as audit_queries
from server.domain.metrics.exposition import Family, Sample, render
from server.domain.metrics.request_counts import RequestCounts, request_families, summed_series
from server.domain.metrics.workers import WorkerFiles, process_families, process_figures
from server.domain.photos import queries as photo_queries
from server.lib import clock
from server.lib.tempfiles import is_alive

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GaugeSource:
    name: str
    help: str
    read: Callable[[AsyncSession], Awaitable[Any]]


SCRAPE_GAUGES: tuple[GaugeSource, ...] = (
    GaugeSource(
        "sidak_audit_unsealed_events",
        "Audit events written but not yet linked into the hash chain (the sealer's backlog).",
        audit_queries.unsealed_count,
    ),
    GaugeSource(
        "sidak_photo_render_queue",
        "Stored photos waiting to be rendered (no live lease), being rendered, ended unreadable, and how long the "
        "photo received longest ago has waited.",
        lambda session: photo_queries.queue_depth(session, clock.now()),
    ),
)


async def scrape(
    session: AsyncSession, counts: RequestCounts, workers: WorkerFiles, sources: tuple[GaugeSource, ...]
) -> str:
    return render([*every_workers_families(counts, workers), *await gauge_families(session, sources)])


def every_workers_families(counts: RequestCounts, workers: WorkerFiles) -> list[Family]:
    own = counts.snapshot()
    workers.publish(own)  # so a scrape reaching another worker next sees this one's counts as of now
    others = workers.others()
    live_others = [pid for pid in others if is_alive(pid)]
    in_flight = own["in_flight"] + sum(others[pid]["in_flight"] for pid in live_others)
    figures = {pid: one for pid in (workers.pid, *live_others) if (one := process_figures(pid)) is not None}
    return [*request_families(summed_series([own, *others.values()]), in_flight), *process_families(figures)]


async def gauge_families(session: AsyncSession, sources: tuple[GaugeSource, ...]) -> list[Family]:
    families: list[Family] = []
    up_samples: list[Sample] = []
    for source in sources:
        readings = await read_gauges(session, source)
        families.extend(
            Family(name, "gauge", source.help, (Sample((), value),)) for name, value in (readings or {}).items()
        )
        up_samples.append(Sample((("gauge", source.name),), 0 if readings is None else 1))
    families.append(
        Family(
            "sidak_scrape_gauge_up",
            "gauge",
            "Whether a gauge read from the database at scrape time could be read (1) or not (0).",
            tuple(up_samples),
        )
    )
    return families


async def read_gauges(session: AsyncSession, source: GaugeSource) -> dict[str, float] | None:
    """None when the source failed: a failing query takes its own gauges out of the scrape, not the whole scrape (in
    a savepoint, so that on PostgreSQL the transaction stays usable for the sources after it)."""
    try:
        async with session.begin_nested():
            return readings_of(source.name, await source.read(session))
    except Exception:
        logger.exception("The gauge %s could not be read", source.name)
        return None


def readings_of(name: str, value: Any) -> dict[str, float]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {name: float(value)}
    fields = _fields_of(value)
    return {
        f"{name}_{_prometheus_unit(field)}": float(reading)
        for field, reading in fields.items()
        if isinstance(reading, int | float) and not isinstance(reading, bool) and math.isfinite(reading)
    }


def _prometheus_unit(field: str) -> str:
    # Sidak's names end in _s; Prometheus's in _seconds.
    return field.removesuffix("_s") + "_seconds" if field.endswith("_s") else field


def _fields_of(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "_asdict"):
        return value._asdict()
    raise TypeError(f"a gauge reads a number, a mapping, a dataclass or a named tuple, not {type(value).__name__}")


class CountsPublisher:
    """Writes this worker's counts for the others every ``interval_s`` while they change, and once more on the way
    out; a scrape reaching another worker sees this one's counts at most that old."""

    def __init__(self, counts: RequestCounts, workers: WorkerFiles, interval_s: float = 5.0) -> None:
        self.counts = counts
        self.workers = workers
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._publish_while_running())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.workers.publish(self.counts.snapshot())

    async def _publish_while_running(self) -> None:
        published = None
        while True:
            await asyncio.sleep(self.interval_s)
            snapshot = self.counts.snapshot()
            if snapshot != published:
                self.workers.publish(snapshot)
                published = snapshot
