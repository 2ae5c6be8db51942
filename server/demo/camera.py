"""The demo's phone camera: a ``Shot`` (which indicator, which unit, when, where, which phone) becomes the bytes a
surveyor's phone would send, a JPEG of the picture with the EXIF facts the phone app writes back after resizing
(make, model, DateTimeOriginal with its UTC offset, GPS and its accuracy). A screenshot is a PNG with no EXIF.

The camera remembers the perceptual hashes of the photos it was told of and, when asked, never makes a look-alike
of one by accident: a picture whose hash comes near one of the same unit or the same phone is taken again from
another spot. So the demo's clean visits are clean, and the reused photos of its stories are reused on purpose
(``Camera.copy_of``, ``Camera.recompressed``).

Pure: Pillow and NumPy, no app, no database. The same shots in the same order give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import struct
import uuid
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image

from server.demo.pictures import HEIGHT, WIDTH, picture, take_of
from server.demo.subjects import subject_of
from server.domain.photos.processing import perceptual_hash
from server.domain.visits.documents import PhotoDeclaration
from server.domain.visits.integrity import IntegritySettings

# The camera's hash is the server's (``_server_phash``), so its own limit is the server's.
_LOOK_ALIKE_BITS = IntegritySettings().phash_max_distance
_ATTEMPTS = 40
_JPEG_QUALITY = 84
DEFAULT_PHONE = ("samsung", "SM-A125F")


@dataclass(frozen=True)
class Shot:
    """One photo to make. ``taken_at`` is the phone's local time (aware); ``lat``/``lon``/``accuracy_m`` are what its
    GPS said (None: no fix); ``screenshot`` makes a PNG without EXIF."""

    photo_id: uuid.UUID
    indicator: str
    place_seed: int
    take_seed: str
    taken_at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    phone: tuple[str, str] = DEFAULT_PHONE
    """its make and model"""
    screenshot: bool = False
    exif_taken_at: datetime | None = None
    """what the EXIF says when it is not ``taken_at``: a photo picked from the gallery"""


@dataclass(frozen=True)
class Photo:
    shot: Shot
    data: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)

    def declaration(self) -> PhotoDeclaration:
        """The photo as a visit document declares it."""
        shot = self.shot
        return PhotoDeclaration(
            id=shot.photo_id,
            indicator=shot.indicator,
            sha256=self.sha256,
            size=self.size,
            content_type=self.content_type,  # type: ignore[arg-type]
            taken_at=shot.taken_at,
            lat=shot.lat,
            lon=shot.lon,
            accuracy_m=shot.accuracy_m,
        )


class Camera:
    def __init__(self) -> None:
        self._hashes = np.zeros(0, dtype=np.uint64)
        self._places: list[int] = []
        self._phones: list[tuple[str, str]] = []
        self._made: dict[tuple[int, str], Photo] = {}

    def take(self, shot: Shot, *, unlike_earlier: bool = True) -> Photo:
        """The photo of ``shot``. ``unlike_earlier``: taken again from another spot until it is no look-alike of a
        photo ``remember`` was told of, of the same unit or by the same phone (where the server looks for them)."""
        for attempt in range(_ATTEMPTS):
            image = picture(subject_of(shot.indicator), shot.place_seed, take_of(f"{shot.take_seed}:{attempt}"))
            made = _screenshot_png(image) if shot.screenshot else _jpeg(image, shot)
            if not unlike_earlier:
                break
            phash = _server_phash(made[0])
            if not self._is_look_alike(phash, shot):
                self.remember(shot, phash)
                break
        return self._keep(shot, made)

    def remember(self, shot: Shot, phash: np.uint64 | str) -> None:
        """Note the perceptual hash the server found for a photo of ``shot``."""
        value = np.uint64(int(phash, 16)) if isinstance(phash, str) else phash
        self._hashes = np.append(self._hashes, value)
        self._places.append(shot.place_seed)
        self._phones.append(shot.phone)

    def copy_of(self, take_seed: str, shot: Shot) -> Photo:
        """The very bytes of the photo this camera took as ``take_seed`` of ``shot``'s place, declared anew by
        ``shot`` (a reused photo)."""
        earlier = self._made[(shot.place_seed, take_seed)]
        return self._keep(shot, (earlier.data, earlier.content_type))

    def recompressed(self, take_seed: str, shot: Shot) -> Photo:
        """That earlier photo saved again, smaller, its EXIF kept: other bytes, the same picture (a look-alike)."""
        earlier = self._made[(shot.place_seed, take_seed)]
        with Image.open(io.BytesIO(earlier.data)) as image:
            exif = image.getexif().tobytes()
            smaller = image.resize((WIDTH * 7 // 8, HEIGHT * 7 // 8), Image.Resampling.BILINEAR)
        buffer = io.BytesIO()
        smaller.save(buffer, "JPEG", quality=70, exif=exif)
        return self._keep(shot, (buffer.getvalue(), "image/jpeg"))

    def _is_look_alike(self, phash: np.uint64, shot: Shot) -> bool:
        close = np.flatnonzero(np.bitwise_count(self._hashes ^ phash) <= _LOOK_ALIKE_BITS)
        return any(self._places[i] == shot.place_seed or self._phones[i] == shot.phone for i in close)

    def _keep(self, shot: Shot, made: tuple[bytes, str]) -> Photo:
        data, content_type = made
        photo = Photo(shot=shot, data=data, content_type=content_type, sha256=hashlib.sha256(data).hexdigest())
        self._made[(shot.place_seed, shot.take_seed)] = photo
        return photo


def _server_phash(data: bytes) -> np.uint64:
    """The perceptual hash the server will compute: of the thumbnail it decodes from the photo (``processing``)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (WIDTH // 2, HEIGHT // 2))
        return np.uint64(int(perceptual_hash(image.convert("RGB")), 16))


def _jpeg(image: Image.Image, shot: Shot) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=_JPEG_QUALITY, exif=_exif(shot))
    return buffer.getvalue(), "image/jpeg"


def _screenshot_png(image: Image.Image) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue(), "image/png"


def _exif(shot: Shot) -> bytes:
    """What the phone app writes back into a resized photo (pwa/js/exif-write.js), nothing else, as a little-endian
    TIFF block (Pillow's own writer cost more than drawing the picture)."""
    taken_at = shot.exif_taken_at or shot.taken_at
    offset = taken_at.strftime("%z")
    details = [
        _ascii(0x9003, taken_at.strftime("%Y:%m:%d %H:%M:%S")),
        _ascii(0x9011, f"{offset[:3]}:{offset[3:]}"),
        (0xA002, 4, 1, struct.pack("<I", WIDTH)),
        (0xA003, 4, 1, struct.pack("<I", HEIGHT)),
    ]
    gps = []
    if shot.lat is not None and shot.lon is not None:
        gps = [
            _ascii(0x0001, "N" if shot.lat >= 0 else "S"),
            _rationals(0x0002, _degrees(shot.lat)),
            _ascii(0x0003, "E" if shot.lon >= 0 else "W"),
            _rationals(0x0004, _degrees(shot.lon)),
        ]
        if shot.accuracy_m is not None:
            gps.append(_rationals(0x001F, [(round(shot.accuracy_m * 100), 100)]))
    main = [
        _ascii(0x010F, shot.phone[0]),
        _ascii(0x0110, shot.phone[1]),
        (0x0112, 3, 1, struct.pack("<H", 1)),
        _ascii(0x0131, "Sidak (resized)"),
    ]
    return b"Exif\x00\x00" + _tiff(main, details, gps)


_Entry = tuple[int, int, int, bytes]  # tag, type, count, value bytes


def _ascii(tag: int, text: str) -> _Entry:
    data = text.encode() + b"\x00"
    return tag, 2, len(data), data


def _rationals(tag: int, pairs: list[tuple[int, int]]) -> _Entry:
    return tag, 5, len(pairs), b"".join(struct.pack("<II", n, d) for n, d in pairs)


def _degrees(value: float) -> list[tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600 * 10_000)
    return [(degrees, 1), (minutes, 1), (seconds, 10_000)]


def _tiff(main: list[_Entry], details: list[_Entry], gps: list[_Entry]) -> bytes:
    """A TIFF header and IFD0, pointing at the EXIF IFD and (when there is a position) the GPS IFD."""
    header = b"II*\x00" + struct.pack("<I", 8)
    pointers = 2 if gps else 1
    ifd0_at = 8
    details_at = ifd0_at + _ifd_size(main, pointers)
    gps_at = details_at + _ifd_size(details, 0)
    main = [*main, (0x8769, 4, 1, struct.pack("<I", details_at))]
    if gps:
        main.append((0x8825, 4, 1, struct.pack("<I", gps_at)))
    blocks = [_ifd(main, ifd0_at), _ifd(details, details_at)]
    if gps:
        blocks.append(_ifd(gps, gps_at))
    return header + b"".join(blocks)


def _ifd_size(entries: list[_Entry], extra: int) -> int:
    out_of_line = sum(len(value) + len(value) % 2 for _, _, _, value in entries if len(value) > 4)
    return 2 + 12 * (len(entries) + extra) + 4 + out_of_line


def _ifd(entries: list[_Entry], at: int) -> bytes:
    entries = sorted(entries)
    table, data = [struct.pack("<H", len(entries))], b""
    data_at = at + 2 + 12 * len(entries) + 4
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            table.append(struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\x00"))
        else:
            table.append(struct.pack("<HHII", tag, kind, count, data_at + len(data)))
            data += value + b"\x00" * (len(value) % 2)
    return b"".join(table) + struct.pack("<I", 0) + data
