"""An upload's bytes on their way in: written to a temporary file while they are hashed."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path

from anyio import to_thread

from server.lib.errors import PhotoTooLarge
from server.lib.tempfiles import create_owned, remove_orphans

SPOOL_KIND = "upload"
_SPOOL_BUFFER_BYTES = 64 * 1024  # per upload in flight: 32 phones sending at once hold 32 of them


@dataclass(frozen=True, slots=True)
class SpooledUpload:
    path: Path
    sha256: str
    size: int


async def remove_stale_spool_files(directory: Path) -> int:
    """Remove uploads left half-spooled by a process that died (call at startup)."""
    return await to_thread.run_sync(remove_orphans, directory, SPOOL_KIND)


async def spool_to_file(chunks: AsyncIterable[bytes], directory: Path, *, max_bytes: int) -> SpooledUpload:
    """Write an upload to a temporary file in ``directory`` while hashing it; the caller deletes the file.

    Over ``max_bytes`` (or if the body breaks off) the partial file is deleted at once. Writes go through a small
    buffer into the page cache, which costs microseconds, so they stay on the event loop.
    """
    handle, path = create_owned(directory, SPOOL_KIND)
    digest = hashlib.sha256()
    size = 0
    try:
        with open(handle, "wb", buffering=_SPOOL_BUFFER_BYTES) as file:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise PhotoTooLarge(f"The photo is larger than {max_bytes} bytes.", max_bytes=max_bytes)
                digest.update(chunk)
                file.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return SpooledUpload(path=path, sha256=digest.hexdigest(), size=size)
