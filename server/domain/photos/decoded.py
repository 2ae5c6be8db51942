"""What decoding a photo tells the app: the EXIF facts it uses and where the renderings are.

Apart from the pipeline (``processing``), which only the decoding processes run: the app process receives these and
never loads Pillow, libheif or imagehash (6 MB of its memory), nor parses an image itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

import msgspec


class PhotoExif(msgspec.Struct, frozen=True, kw_only=True):
    """The EXIF facts Sidak uses. ``orientation`` applies to the pixels as Pillow decodes them (pillow-heif has
    already rotated HEIC pixels and reports 1)."""

    taken_at_local: datetime | None = None
    offset: str | None = None
    lat: float | None = None
    lon: float | None = None
    make: str | None = None
    model: str | None = None
    orientation: int | None = None


def exif_taken_at(exif: PhotoExif, fallback_tz: tzinfo) -> datetime | None:
    """When the photo was taken, as an aware datetime: the camera's own offset if it wrote one, else ``fallback_tz``
    (the region's zone, e.g. ``ZoneInfo("Asia/Jakarta")``)."""
    if exif.taken_at_local is None:
        return None
    if exif.offset is None:
        return exif.taken_at_local.replace(tzinfo=fallback_tz)
    sign = -1 if exif.offset[0] == "-" else 1
    hours, minutes = int(exif.offset[1:3]), int(exif.offset[4:6])
    return exif.taken_at_local.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))


@dataclass(frozen=True, slots=True)
class PhotoHeader:
    """What ``processing.inspect_header`` finds without decoding a pixel: what the photo is, its upright size and
    the EXIF facts its header holds."""

    content_type: str
    width: int
    height: int
    exif: PhotoExif


@dataclass(frozen=True, slots=True)
class RenderedPhoto:
    """What ``processing.render_to_files`` hands back: the findings of ``ProcessedPhoto``, its renderings as files."""

    content_type: str
    width: int
    height: int
    exif: PhotoExif
    phash: str
    display_path: Path | None
    """None when the display image is made of ``display_ranges`` of the original."""
    thumb_path: Path
    display_ranges: tuple[tuple[int, int], ...] | None = None

    def remove_files(self) -> None:
        if self.display_path is not None:
            self.display_path.unlink(missing_ok=True)
        self.thumb_path.unlink(missing_ok=True)


async def byte_ranges(chunks: AsyncIterator[bytes], ranges: Sequence[Sequence[int]]) -> AsyncIterator[bytes]:
    """The parts of a stream of chunks that lie in ``ranges`` ((start, end) byte offsets, in order)."""
    offset, index = 0, 0
    async for chunk in chunks:
        chunk_end = offset + len(chunk)
        while index < len(ranges) and ranges[index][0] < chunk_end:
            start, end = ranges[index]
            part = chunk[max(start - offset, 0) : min(end, chunk_end) - offset]
            if part:
                yield part
            if end > chunk_end:
                break
            index += 1
        offset = chunk_end
