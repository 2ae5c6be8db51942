"""The phone app's JavaScript modules under their own tests (tests/js/, Node's built-in test runner): the visit
rules, the outbox against fakes of the server, the phone's storage and the session, and the translation core both
apps share. Each file is one test here, failing with Node's report; without Node 20 or later they are skipped with
the reason printed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
JS_TESTS = sorted((REPO_ROOT / "tests" / "js").glob("*.test.js"))
MIN_NODE_MAJOR = 20  # node --test with --test-reporter
NODE_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout if found else ""
    major = re.match(r"v(\d+)\.", version)
    if not major or int(major.group(1)) < MIN_NODE_MAJOR:
        reason = f"the phone's module tests need Node {MIN_NODE_MAJOR}+ (found: {version.strip() or 'none'})"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    return str(found)


def test_the_module_tests_are_found():
    assert {path.name for path in JS_TESTS} >= {"visit.test.js", "outbox.test.js", "i18n.test.js"}


@pytest.mark.parametrize("test_file", JS_TESTS, ids=lambda path: path.name)
def test_the_phone_modules_pass_their_node_tests(node: str, test_file: Path):
    run = subprocess.run(
        [node, "--test", "--test-reporter=spec", str(test_file.relative_to(REPO_ROOT))],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
    )
    assert run.returncode == 0, f"node --test {test_file.name} failed:\n{run.stdout[-20_000:]}\n{run.stderr[-5_000:]}"
