"""What one app process shares with the others of its server (``sidak serve --workers N``): its request counts, as a
JSON file ``worker-<pid>.json`` in the metrics folder of the data dir, and its process figures, read from ``/proc``.

A scrape reaches one worker; that worker adds the others' latest files to its own live counts. Files of workers that
have ended are kept (their requests happened: a counter must never go down) until ``sidak serve`` starts again and
empties the folder; only live workers count towards requests in flight and have process figures."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.domain.metrics.exposition import Family, Sample

_CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class WorkerFiles:
    def __init__(self, directory: Path, pid: int | None = None) -> None:
        self.directory = directory
        self.pid = pid if pid is not None else os.getpid()
        directory.mkdir(parents=True, exist_ok=True)

    def publish(self, snapshot: dict[str, Any]) -> None:
        # Written aside and renamed: a reader sees the previous file or this one, never half of one.
        path = self.directory / f"worker-{self.pid}.json"
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(snapshot))
        os.replace(partial, path)

    def others(self) -> dict[int, dict[str, Any]]:
        """The other workers' latest snapshots, by pid; a file that cannot be read is left out."""
        snapshots = {}
        for path in self.directory.glob("worker-*.json"):
            pid = int(path.stem.removeprefix("worker-")) if path.stem.removeprefix("worker-").isdigit() else None
            if pid is None or pid == self.pid:
                continue
            with contextlib.suppress(OSError, ValueError):
                snapshot = json.loads(path.read_text())
                if _is_snapshot(snapshot):
                    snapshots[pid] = snapshot
        return snapshots


def _is_snapshot(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("in_flight"), int)
        and isinstance(value.get("series"), list)
        and all(isinstance(series, list) and len(series) == 6 for series in value["series"])
    )


def clear_worker_files(directory: Path) -> None:
    """For a server starting: the files of its previous run's workers are not its counts."""
    for path in (*directory.glob("worker-*.json"), *directory.glob("worker-*.partial")):
        path.unlink(missing_ok=True)


@dataclass(frozen=True)
class ProcessFigures:
    cpu_s: float
    resident_bytes: int
    open_fds: int


def process_figures(pid: int) -> ProcessFigures | None:
    """None when the process has ended or ``/proc`` is not there (not Linux)."""
    proc = Path("/proc") / str(pid)
    try:
        # The command name (field 2) may hold spaces and parentheses: the fields that follow start after its last ")".
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        resident_pages = int((proc / "statm").read_text().split()[1])
        open_fds = len(os.listdir(proc / "fd"))
    except (OSError, IndexError, ValueError):
        return None
    user_ticks, system_ticks = int(fields[11]), int(fields[12])
    return ProcessFigures((user_ticks + system_ticks) / _CLOCK_TICKS_PER_S, resident_pages * _PAGE_BYTES, open_fds)


def process_families(figures: dict[int, ProcessFigures]) -> list[Family]:
    ordered = sorted(figures.items())

    def samples(value_of: Any) -> tuple[Sample, ...]:
        return tuple(Sample((("worker", str(pid)),), value_of(one)) for pid, one in ordered)

    return [
        Family("sidak_workers", "gauge", "App processes of this server alive now.", (Sample((), len(ordered)),)),
        Family(
            "process_cpu_seconds_total",
            "counter",
            "CPU time (user and system) one app process has used, by worker pid.",
            samples(lambda one: one.cpu_s),
        ),
        Family(
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory of one app process, by worker pid.",
            samples(lambda one: one.resident_bytes),
        ),
        Family(
            "process_open_fds",
            "gauge",
            "Open file descriptors of one app process, by worker pid.",
            samples(lambda one: one.open_fds),
        ),
    ]
