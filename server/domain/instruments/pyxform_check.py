"""pyxform's conversion of a form, in a child process bounded in time and memory.

pyxform cannot be interrupted once started, and its time and memory grow with the form; run in the server's own
process, a pathological form would hold a worker thread and its memory for as long as it takes. Here the conversion
runs in a child Python that limits its own address space before importing pyxform, and is killed at a wall-clock
deadline; either bound refuses the upload with the bound named. The child is sent the rows already read (never the
file), as JSON on its standard input, and answers pyxform's refusal, if any, as JSON on its standard output.

Run as ``python -m server.domain.instruments.pyxform_check <memory bytes>`` it is that child.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import msgspec


class PyxformTooCostly(Exception):
    """pyxform passed a bound before it finished; the message names the bound."""


class _Answer(msgspec.Struct):
    error: str | None


def pyxform_refusal(definition: dict[str, Any], *, max_seconds: float, max_memory_bytes: int) -> str | None:
    """pyxform's message refusing the form, or None when pyxform converts it; ``PyxformTooCostly`` past a bound."""
    command = [sys.executable, "-m", __name__, str(max_memory_bytes)]
    try:
        finished = subprocess.run(
            command,
            input=msgspec.json.encode(definition),
            capture_output=True,
            timeout=max_seconds,
            check=False,
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},  # one thread's buffers, not one per core
        )
    except subprocess.TimeoutExpired as error:
        raise PyxformTooCostly(f"ODK's XLSForm converter took longer than {max_seconds:g} s") from error
    if finished.returncode != 0:
        # Python's MemoryError, or a library's own words for the same refused allocation ("OpenBLAS error: Memory
        # allocation still failed").
        if b"memory" in finished.stderr.lower():
            limit_mib = max_memory_bytes // (1024 * 1024)
            raise PyxformTooCostly(f"ODK's XLSForm converter needed more than {limit_mib} MiB")
        raise RuntimeError(f"the XLSForm converter failed: {finished.stderr.decode(errors='replace')[-2000:]}")
    return msgspec.json.decode(finished.stdout, type=_Answer).error


def _convert_from_stdin(max_memory_bytes: int) -> None:
    import resource

    # Before pyxform is imported: everything the child holds counts against the bound.
    resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    definition = msgspec.json.decode(sys.stdin.buffer.read())
    try:
        convert(definition, warnings=[])
        answer = _Answer(error=None)
    except PyXFormError as error:
        answer = _Answer(error=str(error))
    sys.stdout.buffer.write(msgspec.json.encode(answer))


if __name__ == "__main__":
    _convert_from_stdin(int(sys.argv[1]))
