"""The phone app's two service worker files stay one version and the classic one stays classic."""

from __future__ import annotations

import re
from pathlib import Path

PWA = Path(__file__).resolve().parents[2] / "pwa"


def test_the_module_worker_imports_the_shell_under_the_shells_own_version():
    # Chromium fails to start a module worker whose only change is in an import: the version must be in sw.js too.
    version = re.search(r"^const VERSION = '([^']+)';$", (PWA / "sw-shell.js").read_text(), re.MULTILINE)
    assert version, "sw-shell.js declares no VERSION"
    imports = re.findall(r"^import '\./sw-shell\.js\?v=([^']+)';$", (PWA / "sw.js").read_text(), re.MULTILINE)
    assert imports == [version.group(1)]


def test_the_shell_runs_as_a_classic_worker_too():
    # Browsers without module service workers register sw-shell.js alone: an import or export would stop it.
    source = (PWA / "sw-shell.js").read_text()
    assert not re.search(r"^\s*(import|export)\b", source, re.MULTILINE)
