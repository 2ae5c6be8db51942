"""Where the visit PUT's CPU goes: ``sidak serve`` under cProfile while 32 lean clients PUT visits (sync_ingest's
visits: 60 answers, 20 positions, every one repeating one track, so the checks across visits do their most), then the
functions that cost the most, by their own time and with what they call.

    .venv/bin/python bench/profile_visit_put.py [--database sqlite|postgres] [--seconds 10] [--top 40]
                                                [--save server.prof]

cProfile makes Python calls dearer (pure-Python layers look heavier than they are): use it to find where to look and
the server CPU per visit of bench/sync_ingest.py, unprofiled, to say what a change saved.
"""

from __future__ import annotations

import argparse
import asyncio
import pstats
import shutil
import tempfile
from pathlib import Path

from sync_ingest import http_visits, running_server, scratch_database, seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--save", type=Path, help="keep the statistics in this file (for pstats or snakeviz)")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    arguments = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="sidak-profile-"))
    profile = data_dir / "server.prof"
    try:
        with scratch_database(arguments.database, data_dir, arguments.pg_admin_url) as url:
            seeded = asyncio.run(seed(url, arguments.clients))
            with running_server(data_dir, url, profile_to=profile) as (server_url, _process):
                asyncio.run(http_visits(server_url, seeded, arguments.clients, 2.0))  # warm caches, not counted
                run = asyncio.run(http_visits(server_url, seeded, arguments.clients, arguments.seconds))
        if arguments.save:
            shutil.copy(profile, arguments.save)
        print(f"{run.completed} visit PUTs in the measured span (and the warm-up, and start-up, in the profile)")
        statistics = pstats.Stats(str(profile))
        statistics.sort_stats("tottime").print_stats(arguments.top)
        statistics.sort_stats("cumulative").print_stats(arguments.top)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
