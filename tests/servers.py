"""A Sidak server in a process of a test's own: a free loopback port, an environment without the caller's SIDAK_*
settings, and a wait until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """This process's environment with its SIDAK_* settings replaced by the data dir and ``settings``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SIDAK_")}
    env.update(SIDAK_DATA_DIR=str(data_dir), **settings)
    return env


def wait_until_serving(
    base_url: str, process: subprocess.Popen[bytes], log_tail: Callable[[], str], *, timeout_s: float
) -> None:
    """Return once the server answers a public page; RuntimeError with its log's end if it exits or stays silent."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_tail()}")
        try:
            if httpx.get(f"{base_url}/api/public/waves", timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {timeout_s} s:\n{log_tail()}")
