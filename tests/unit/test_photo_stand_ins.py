"""The camera and phone photos the tests use are what the tests take them for: the stand-ins made in tests/photos.py
have the layout, metadata and damage of the real photos they stand in for (test_real_photo_corpus.py runs these
tests over the real photos too), and the same name always gives the same bytes."""

from __future__ import annotations

import hashlib
import io
import itertools
import struct

import pytest
from PIL import ExifTags, Image, JpegImagePlugin

from server.domain.photos.processing import process_photo
from server.domain.visits.integrity import IntegritySettings, phash_distance
from tests.photos import PHOTO_NAMES, make_photo, photo_bytes

SOS, DRI = 0xDA, 0xDD
APP_NAMES = {0xE0 + n: f"APP{n}" for n in range(16)}
SUBSAMPLING = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}


def header_segments(data: bytes) -> list[tuple[int, bytes]]:
    """A JPEG's segments before its first scan, as (marker, payload)."""
    segments, position = [], 2
    while data[position + 1] != SOS:
        (length,) = struct.unpack_from(">H", data, position + 2)
        segments.append((data[position + 1], data[position + 4 : position + 2 + length]))
        position += 2 + length
    return segments


# The header segments (before the first scan), the EXIF's byte order, the chroma subsampling, the restart interval.
LAYOUTS = {
    "DSCN0010.jpg": (["APP1", "APP1"], b"II", "4:2:2", 0),
    "DSCN0012.jpg": (["APP1", "APP1"], b"II", "4:2:2", 0),
    "HMD_Nokia_8.3_5G.jpg": (["APP1", "APP0"], b"MM", "4:2:0", 0),
    "iphone_hdr_YES.jpg": (["APP1"], b"MM", "4:2:0", 3264 // 16),  # a restart after each row of blocks
    "portrait_6.jpg": (["APP0", "APP2", "APP1"], b"MM", "4:2:0", 0),
    "no_exif.jpg": (["APP0", "APP1", "APP1", "APP13", "APP2"], b"MM", "4:2:0", 0),
    "corrupted.jpg": (["APP1"], b"II", "4:2:2", 4),
    "42_IndexError.jpg": (["APP1"], b"II", "4:2:2", 4),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_each_jpeg_is_laid_out_as_its_camera_laid_it_out(photos, name):
    app_segments, exif_byte_order, subsampling, restart_interval = LAYOUTS[name]
    data = photos.data(name)
    segments = header_segments(data)
    exif = next(payload for marker, payload in segments if payload.startswith(b"Exif\x00\x00"))
    restarts = [struct.unpack(">H", payload)[0] for marker, payload in segments if marker == DRI]

    assert [APP_NAMES[marker] for marker, _ in segments if marker in APP_NAMES] == app_segments
    assert exif[6:8] == exif_byte_order
    with Image.open(io.BytesIO(data)) as image:
        assert SUBSAMPLING[JpegImagePlugin.get_sampling(image)] == subsampling
    assert (restarts or [0]) == [restart_interval]


@pytest.mark.parametrize(
    ("name", "maker"),
    [
        ("DSCN0010.jpg", b"Nikon\x00"),
        ("DSCN0012.jpg", b"Nikon\x00"),
        ("iphone_hdr_YES.jpg", b"Apple iOS\x00"),
        ("42_IndexError.jpg", b"OLYMPUS\x00"),
        ("corrupted.jpg", b"OLYMPUS\x00"),
    ],
)
def test_a_camera_keeps_its_maker_note_and_a_thumbnail_in_the_exif(photos, name, maker):
    with Image.open(photos.path(name)) as image:
        exif = image.getexif()
        maker_note = exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.MakerNote]
        thumbnail = exif.get_ifd(ExifTags.IFD.IFD1)
        start, length = thumbnail[ExifTags.Base.JpegIFOffset], thumbnail[ExifTags.Base.JpegIFByteCount]
        embedded = image.info["exif"][6 + start : 6 + start + length]

    assert maker_note.startswith(maker)
    with Image.open(io.BytesIO(embedded)) as small:
        assert small.format == "JPEG" and max(small.size) <= 320


def test_the_damaged_photo_is_decoded_without_an_error_so_only_its_layout_tells(photos):
    with Image.open(photos.path("corrupted.jpg")) as image:
        image.load()  # libjpeg warns and fills in grey

        assert image.size == (3648, 2736)


def test_no_two_of_the_photos_are_look_alikes(photos):
    hashes = {name: process_photo(photos.path(name)).phash for name in PHOTO_NAMES if name != "corrupted.jpg"}

    closest = min(itertools.combinations(hashes, 2), key=lambda pair: phash_distance(*map(hashes.get, pair)))
    assert phash_distance(*map(hashes.get, closest)) > IntegritySettings().phash_max_distance, closest


@pytest.mark.parametrize("name", ["DSCN0010.jpg", "no_exif.jpg", "corrupted.jpg", "iphone_13_pro_max.HEIC"])
def test_a_stand_in_is_made_of_the_same_bytes_every_time(name):
    assert hashlib.sha256(make_photo(name)).digest() == hashlib.sha256(photo_bytes(name)).digest()
