"""Reading when, where and with what a photo was taken, checked against the camera and phone photos' published facts
(NOTICE.md of the real photos; their stand-ins, tests/photos.py, carry the same)."""

from __future__ import annotations

import io
import random
import struct
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from server.domain.photos.decoded import PhotoExif, exif_taken_at
from server.domain.photos.exif import read_exif

JAKARTA = ZoneInfo("Asia/Jakarta")


def a_jpeg_with(exif: Image.Exif | bytes) -> Image.Image:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (90, 120, 150)).save(buffer, "JPEG", exif=exif)
    return Image.open(io.BytesIO(buffer.getvalue()))


def exif_with(
    *,
    main: dict[int, object] | None = None,
    details: dict[int, object] | None = None,
    gps: dict[int, object] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif.update(main or {})
    exif.get_ifd(0x8769).update(details or {})
    exif.get_ifd(0x8825).update(gps or {})
    return exif


@pytest.mark.parametrize(
    ("name", "taken_at", "lat", "lon"),
    [
        ("DSCN0010.jpg", datetime(2008, 10, 22, 16, 28, 39), 43.46745, 11.88513),
        ("DSCN0012.jpg", datetime(2008, 10, 22, 16, 29, 49), 43.46716, 11.88539),
        ("HMD_Nokia_8.3_5G.jpg", datetime(2022, 8, 14, 14, 12, 31), 60.14671, 24.90677),
        ("iphone_hdr_YES.jpg", datetime(2015, 4, 10, 20, 12, 23), 40.44697, -3.72475),
    ],
)
def test_time_and_position_of_camera_and_phone_photos_match_their_published_facts(photos, name, taken_at, lat, lon):
    exif = read_exif(photos.path(name))

    assert exif.taken_at_local == taken_at
    assert exif.lat == pytest.approx(lat, abs=1e-5)
    assert exif.lon == pytest.approx(lon, abs=1e-5)


def test_camera_make_and_model_are_read(photos):
    exif = read_exif(photos.path("DSCN0010.jpg"))

    assert (exif.make, exif.model, exif.orientation, exif.offset) == ("NIKON", "COOLPIX P6000", 1, None)


def test_a_phone_writes_its_utc_offset_which_is_kept(photos):
    exif = read_exif(photos.path("HMD_Nokia_8.3_5G.jpg"))

    assert (exif.make, exif.model, exif.offset) == ("HMD Global", "Nokia 8.3 5G", "+03:00")


def test_heic_exif_is_read(photos):
    exif = read_exif(photos.path("iphone_13_pro_max.HEIC"))

    assert exif.taken_at_local == datetime(2022, 2, 16, 12, 55, 41)
    assert (exif.offset, exif.make, exif.model) == ("+01:00", "Apple", "iPhone 13 Pro Max")
    assert (exif.lat, exif.lon) == (None, None)


def test_orientation_of_a_sideways_photo_is_read_without_inventing_time_or_place(photos):
    assert read_exif(photos.path("portrait_6.jpg")) == PhotoExif(orientation=6)


def test_a_photo_without_camera_exif_has_no_time_place_or_camera(photos):
    exif = read_exif(photos.path("no_exif.jpg"))

    # Photoshop left an EXIF block with only an image description and orientation 1 in this file.
    assert (exif.taken_at_local, exif.offset, exif.lat, exif.lon, exif.make, exif.model) == (None,) * 6


def test_an_image_with_no_exif_at_all_gives_all_none(tmp_path):
    path = tmp_path / "plain.png"
    Image.new("RGB", (10, 10)).save(path)

    assert read_exif(path) == PhotoExif()
    assert read_exif(str(path)) == PhotoExif()


def test_malformed_maker_notes_do_not_hide_the_time(photos):
    exif = read_exif(photos.path("42_IndexError.jpg"))

    assert exif.taken_at_local == datetime(2014, 8, 23, 13, 5, 43)
    assert exif.model == "E-P3"


def test_a_file_that_is_not_an_image_gives_all_none(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("bukan foto")

    assert read_exif(path) == PhotoExif()


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
@pytest.mark.parametrize("seed", range(40))
def test_garbage_exif_never_raises(seed):
    rng = random.Random(seed)
    header = rng.choice([b"MM\x00*\x00\x00\x00\x08", b"II*\x00\x08\x00\x00\x00", b""])
    garbage = b"Exif\x00\x00" + header + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 600)))

    exif = read_exif(a_jpeg_with(garbage))

    assert isinstance(exif, PhotoExif)


def test_a_southern_and_western_position_is_negative():
    exif = read_exif(a_jpeg_with(exif_with(gps={1: "S", 2: (6.0, 10.0, 30.0), 3: "W", 4: (106.0, 49.0, 12.0)})))

    assert exif.lat == pytest.approx(-(6 + 10 / 60 + 30 / 3600))
    assert exif.lon == pytest.approx(-(106 + 49 / 60 + 12 / 3600))


@pytest.mark.parametrize(
    "gps",
    [
        {2: (6.0, 10.0, 30.0), 4: (106.0, 49.0, 12.0)},  # no N/S, E/W: the sign is unknown
        {1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)},  # what a camera without a fix writes
        {1: "N", 2: (95.0, 0.0, 0.0), 3: "E", 4: (106.0, 0.0, 0.0)},
        {1: "N", 2: (6.0, 75.0, 0.0), 3: "E", 4: (106.0, 0.0, 0.0)},
        {1: "N", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 12.0), 9: "V"},  # the receiver said: void
        {1: "X", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 12.0)},
    ],
)
def test_an_unusable_gps_position_is_dropped(gps):
    exif = read_exif(a_jpeg_with(exif_with(gps=gps)))

    assert (exif.lat, exif.lon) == (None, None)


def gps_exif_with_raw_rationals(latitude: list[tuple[int, int]], longitude: list[tuple[int, int]]) -> bytes:
    """EXIF bytes written by hand, for rationals Pillow refuses to write (a zero denominator)."""

    def entry(tag: int, kind: int, count: int, value: bytes) -> bytes:
        return struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\x00")

    def rationals(pairs: list[tuple[int, int]]) -> bytes:
        return b"".join(struct.pack(">II", *pair) for pair in pairs)

    ifd0 = struct.pack(">H", 1) + entry(0x8825, 4, 1, struct.pack(">I", 26)) + struct.pack(">I", 0)
    gps = (
        struct.pack(">H", 4)
        + entry(1, 2, 2, b"S")
        + entry(2, 5, 3, struct.pack(">I", 80))
        + entry(3, 2, 2, b"E")
        + entry(4, 5, 3, struct.pack(">I", 104))
        + struct.pack(">I", 0)
    )
    tiff = b"MM\x00*" + struct.pack(">I", 8) + ifd0 + gps
    return b"Exif\x00\x00" + tiff.ljust(80, b"\x00") + rationals(latitude) + rationals(longitude)


JAKARTA_LONGITUDE = [(106, 1), (49, 1), (0, 1)]


def test_hand_written_gps_reads_like_a_camera_wrote_it():
    exif = read_exif(a_jpeg_with(gps_exif_with_raw_rationals([(6, 1), (12, 1), (3000, 100)], JAKARTA_LONGITUDE)))

    assert (exif.lat, exif.lon) == (pytest.approx(-6.20833333), pytest.approx(106.81666667))


def test_a_zero_denominator_in_gps_drops_the_position():
    exif = read_exif(a_jpeg_with(gps_exif_with_raw_rationals([(6, 0), (12, 1), (30, 1)], JAKARTA_LONGITUDE)))

    assert (exif.lat, exif.lon) == (None, None)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2024:05:06 07:08:09", datetime(2024, 5, 6, 7, 8, 9)),
        ("2024-05-06T07:08:09", datetime(2024, 5, 6, 7, 8, 9)),
        ("0000:00:00 00:00:00", None),
        ("2024:13:45 07:08:09", None),
        ("    :  :     :  :  ", None),
        ("", None),
    ],
)
def test_exif_dates_are_read_leniently_and_impossible_ones_dropped(written, read):
    assert read_exif(a_jpeg_with(exif_with(details={0x9003: written}))).taken_at_local == read


@pytest.mark.parametrize(
    ("written", "read"),
    [("+07:00", "+07:00"), ("-03:30", "-03:30"), ("+99:00", None), ("07:00", None), ("   :  ", None)],
)
def test_only_well_formed_utc_offsets_are_kept(written, read):
    exif = read_exif(a_jpeg_with(exif_with(details={0x9003: "2024:05:06 07:08:09", 0x9011: written})))

    assert exif.offset == read


def test_the_digitized_time_stands_in_when_the_original_time_is_missing():
    exif = read_exif(a_jpeg_with(exif_with(details={0x9004: "2024:05:06 07:08:09", 0x9012: "+08:00"})))

    assert (exif.taken_at_local, exif.offset) == (datetime(2024, 5, 6, 7, 8, 9), "+08:00")


def test_taken_at_uses_the_cameras_own_offset_when_it_wrote_one(photos):
    taken_at = exif_taken_at(read_exif(photos.path("HMD_Nokia_8.3_5G.jpg")), JAKARTA)

    assert taken_at.utcoffset() == timedelta(hours=3)
    assert taken_at.isoformat() == "2022-08-14T14:12:31+03:00"


def test_taken_at_falls_back_to_the_regions_zone(photos):
    taken_at = exif_taken_at(read_exif(photos.path("DSCN0010.jpg")), JAKARTA)

    assert taken_at.isoformat() == "2008-10-22T16:28:39+07:00"


def test_taken_at_handles_negative_offsets():
    exif = PhotoExif(taken_at_local=datetime(2024, 1, 2, 3, 4, 5), offset="-03:30")

    assert exif_taken_at(exif, JAKARTA).utcoffset() == -timedelta(hours=3, minutes=30)


def test_no_time_means_no_taken_at():
    assert exif_taken_at(PhotoExif(lat=1.0, lon=2.0), JAKARTA) is None
