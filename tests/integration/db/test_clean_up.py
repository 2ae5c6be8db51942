"""The per-test clean-up leaves the next test an empty database whatever a test left behind, on the database
SIDAK_TEST_DATABASE_URL selects: a set-up that fails half-way through writing (failing_set_up.py) runs in a pytest
of its own, on a database of its own, so that its failure is contained, and the test after it finds every table
empty."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import make_url

from tests.conftest import REPO_ROOT, TEST_DATABASE_URL
from tests.integration.db.failing_set_up import FAILURE
from tests.reliability.fieldwork import scratch_postgres

FAILING_SET_UP = Path(__file__).with_name("failing_set_up.py")
REPORTS = {"failure", "error", "skipped"}


@contextmanager
def database_of_its_own() -> Iterator[dict[str, str]]:
    """The environment for a pytest on a database of its own: a scratch one beside the suite's on PostgreSQL (dropped
    afterwards), a new SQLite file otherwise."""
    environment = {name: value for name, value in os.environ.items() if name != "SIDAK_TEST_DATABASE_URL"}
    if not TEST_DATABASE_URL:
        yield environment
        return
    name = f"{make_url(TEST_DATABASE_URL).database}_clean_up_{os.getpid()}"
    with scratch_postgres(TEST_DATABASE_URL, name) as url:
        yield {**environment, "SIDAK_TEST_DATABASE_URL": url}


def outcomes(junit_xml: Path) -> dict[str, list[str]]:
    """Each test's name and what became of it: passed, or each failure, error or skip reported for it."""
    found = {}
    for case in ElementTree.parse(junit_xml).iter("testcase"):
        reports = [f"{child.tag}: {child.get('message', '')}" for child in case if child.tag in REPORTS]
        found[case.get("name", "")] = reports or ["passed"]
    return found


def test_a_set_up_that_fails_half_way_through_writing_leaves_the_next_test_an_empty_database(tmp_path):
    report = tmp_path / "report.xml"
    with database_of_its_own() as environment:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                f"--basetemp={tmp_path / 'temp'}",
                f"--junitxml={report}",
                str(FAILING_SET_UP),
            ],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    seen = outcomes(report) if report.exists() else {}
    assert seen == {
        "test_one_whose_set_up_fails": [f'error: failed on setup with "RuntimeError: {FAILURE}"'],  # its clean-up too
        "test_the_next_one_finds_every_table_empty": ["passed"],
    }, run.stdout[-4000:]
