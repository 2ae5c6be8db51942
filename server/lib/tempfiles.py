"""Temporary files named after the process that writes them, so a restarted server can tell which are orphans.

A file whose writer is gone (killed mid-upload) is removed at startup at once; a file of a live process — another
worker sharing the folder — is left alone unless it is older than any write can take.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

MAX_WRITE_AGE_S = 3600


def create_owned(directory: Path, kind: str, suffix: str = ".part") -> tuple[int, Path]:
    """Open a new temporary file ``<kind>-<pid>-<random><suffix>``; returns its descriptor and path."""
    handle, name = tempfile.mkstemp(dir=directory, prefix=f"{kind}-{os.getpid()}-", suffix=suffix)
    return handle, Path(name)


def remove_orphans(directory: Path, kind: str, *, max_age_s: float = MAX_WRITE_AGE_S) -> int:
    """Remove the ``kind`` files in ``directory`` whose writing process is gone, or that are older than
    ``max_age_s``; the number removed."""
    if not directory.is_dir():
        return 0
    cutoff = time.time() - max_age_s
    removed = 0
    for entry in directory.glob(f"{kind}-*"):
        try:
            if not _writer_is_alive(entry.name, kind) or entry.stat().st_mtime < cutoff:
                entry.unlink()
                removed += 1
        except FileNotFoundError:  # another process cleaned it first
            continue
    return removed


def _writer_is_alive(name: str, kind: str) -> bool:
    pid_text = name[len(kind) + 1 :].split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    return pid == os.getpid() or is_alive(pid)


def is_alive(pid: int) -> bool:
    """Whether a process with this id runs (one of another user answers the signal check with PermissionError)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
