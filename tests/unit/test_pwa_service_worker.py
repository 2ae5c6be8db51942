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


def test_the_shell_precaches_every_file_the_app_loads():
    # A file missing here is missing on a cold start without signal, and the app would not open.
    source = (PWA / "sw-shell.js").read_text()
    shell = set(re.findall(r"^  '([^']+)',$", source, re.MULTILINE))
    shared = PWA.parent / "web" / "shared"
    loaded = {
        path.relative_to(PWA).as_posix()
        for folder in ("js", "css", "icons", "vendor")
        for path in (PWA / folder).rglob("*")
        if path.is_file() and path.suffix in {".js", ".css", ".png"}
    }
    loaded |= {f"shared/{path.relative_to(shared).as_posix()}" for path in shared.rglob("*.js")}
    assert sorted(loaded - shell) == []
    assert sorted(shell - loaded - {"./", "manifest.webmanifest"}) == []
