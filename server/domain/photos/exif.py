"""What a photo's EXIF says about when, where and with what it was taken.

Cameras and phones write EXIF of every quality, and some of it is garbage (broken maker notes, zero denominators,
"0000:00:00" dates). Reading it must never refuse a photo: anything that cannot be read cleanly becomes ``None``.
EXIF times are local clock readings (``decoded.exif_taken_at`` places them on the time line).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image

from server.domain.photos.decoded import PhotoExif

# Registered here because every module that opens photos imports this one; registering twice is harmless.
pillow_heif.register_heif_opener()

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_MAKE = 0x010F
_MODEL = 0x0110
_ORIENTATION = 0x0112
_DATETIME_ORIGINAL = 0x9003
_DATETIME_DIGITIZED = 0x9004
_OFFSET_TIME_ORIGINAL = 0x9011
_OFFSET_TIME_DIGITIZED = 0x9012
_GPS_LATITUDE_REF = 1
_GPS_LATITUDE = 2
_GPS_LONGITUDE_REF = 3
_GPS_LONGITUDE = 4
_GPS_STATUS = 9

_EXIF_DATETIME = re.compile(r"(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")
_MAX_TEXT_LENGTH = 64


def read_exif(source: Image.Image | Path | str) -> PhotoExif:
    """The EXIF facts of an opened image or of an image file; a file that is not an image gives an empty result."""
    if isinstance(source, Image.Image):
        return _exif_of(source)
    try:
        with Image.open(source) as image:
            return _exif_of(image)
    except (OSError, SyntaxError, ValueError):
        return PhotoExif()


def _exif_of(image: Image.Image) -> PhotoExif:
    exif = _tolerantly(image.getexif)
    if exif is None:
        return PhotoExif()
    main: Mapping[int, Any] = _tolerantly(lambda: dict(exif)) or {}
    details: Mapping[int, Any] = _tolerantly(lambda: exif.get_ifd(_EXIF_IFD)) or {}
    gps: Mapping[int, Any] = _tolerantly(lambda: exif.get_ifd(_GPS_IFD)) or {}
    lat, lon = _gps_position(gps)
    taken_at_local = _local_datetime(details.get(_DATETIME_ORIGINAL)) or _local_datetime(
        details.get(_DATETIME_DIGITIZED)
    )
    return PhotoExif(
        taken_at_local=taken_at_local,
        offset=_offset(details.get(_OFFSET_TIME_ORIGINAL)) or _offset(details.get(_OFFSET_TIME_DIGITIZED)),
        lat=lat,
        lon=lon,
        make=_text(main.get(_MAKE)),
        model=_text(main.get(_MODEL)),
        orientation=_orientation(main.get(_ORIENTATION)),
    )


def _tolerantly(read: Callable[[], Any]) -> Any:
    # Pillow's EXIF parser raises almost anything on garbage (struct.error, KeyError, TypeError, ZeroDivisionError,
    # UnicodeDecodeError...); one broken block must not hide the others, and never refuses the photo.
    try:
        return read()
    except Exception:
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    if not isinstance(value, str):
        return None
    cleaned = value.replace("\x00", " ").strip()
    return cleaned[:_MAX_TEXT_LENGTH] or None


def _local_datetime(value: Any) -> datetime | None:
    text = _text(value)
    match = _EXIF_DATETIME.match(text) if text else None
    if match is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _offset(value: Any) -> str | None:
    text = _text(value)
    match = _EXIF_OFFSET.fullmatch(text) if text else None
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if int(hours) > 14 or int(minutes) > 59:
        return None
    return f"{sign}{hours}:{minutes}"


def _orientation(value: Any) -> int | None:
    if isinstance(value, int) and 1 <= value <= 8:
        return value
    return None


def _gps_position(gps: Mapping[int, Any]) -> tuple[float | None, float | None]:
    if _text(gps.get(_GPS_STATUS)) == "V":  # the receiver itself said the fix is void
        return None, None
    lat = _coordinate(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), "N", "S", 90.0)
    lon = _coordinate(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), "E", "W", 180.0)
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):  # 0,0 is what cameras without a fix write
        return None, None
    return lat, lon


def _coordinate(value: Any, ref: Any, positive: str, negative: str, limit: float) -> float | None:
    # Without its N/S or E/W reference a coordinate is ambiguous; guessing north would put Java in the wrong
    # hemisphere, so it counts as missing.
    hemisphere = (_text(ref) or "")[:1].upper()
    if hemisphere not in (positive, negative):
        return None
    parts: list[float] | None = _tolerantly(lambda: [float(part) for part in value])
    if not parts or len(parts) > 3 or not all(math.isfinite(part) and part >= 0 for part in parts):
        return None
    if any(part > 60 for part in parts[1:]):
        return None
    degrees: float = sum(part / 60**index for index, part in enumerate(parts))
    if degrees > limit:
        return None
    return degrees if hemisphere == positive else -degrees
